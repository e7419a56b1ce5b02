import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoPrinter } from '../../src/dev/demo-printer.js';
import { type GoogleDouble, startGoogleDouble } from '../../src/dev/google-double/index.js';
import { type Stack, startStack } from '../../src/dev/stack.js';
import {
  hasChromium,
  launchBrowser,
  panelContext,
  SCREENSHOT_DIR,
  shoot,
  shownText,
} from '../support/browser.js';
import { type PanelStack, startPanelStack } from '../support/panel-stack.js';
import { hasRedisServer, startRedis, type TestRedis } from '../support/redis-server.js';

const PHONE = { width: 390, height: 844 } as const;

const phoneContext = (browser: Browser) =>
  browser.newContext({ viewport: { ...PHONE }, hasTouch: true, isMobile: true, locale: 'en-US' });

async function shootPhone(page: Page, step: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${step}-390x844.png`), fullPage: true });
}

/**
 * The panel shows its QR code; returns the URL in it (from the panel's own request for it, checked
 * against the SVG on the page) and the short code.
 */
async function panelShowsCode(panel: Page, connectorUrl: string): Promise<{ url: string; code: string }> {
  const requested: string[] = [];
  panel.on('request', (r) => requested.push(r.url()));
  const answer = panel.waitForResponse(
    (r) => r.url().endsWith('/api/pairing') && r.request().method() === 'POST',
  );
  await panel.goto(`${connectorUrl}/?printer=demo`);
  const { url, code, svg } = (await (await answer).json()) as { url: string; code: string; svg: string };
  const qr = panel.locator('#pair-qr svg');
  await qr.waitFor();
  // The QR code is an inline SVG made by the connector, and it encodes exactly this URL.
  const modules = await qr.locator('path[stroke]').getAttribute('d');
  expect(modules).toBe(/<path stroke="#000000" d="([^"]+)"/.exec(svg)?.[1]);
  expect(svg).toBe(await QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }));
  expect(await shownText(panel.locator('#pair-code'))).toBe(code);
  expect(requested.every((u) => u.startsWith(connectorUrl))).toBe(true);
  return { url, code };
}

/** On the phone: open the QR URL, sign in at the Google double, check the code, confirm. */
async function phoneConfirms(phone: Page, url: string, code: string, name = 'Alice Example') {
  await phone.goto(url);
  await phone.locator('#pair-signin').click();
  await phone.getByRole('button', { name: new RegExp(`^Continue as ${name}`) }).click();
  await phone.waitForURL(url);
  expect(await shownText(phone.locator('#pair-phone-code'))).toBe(code);
}

describe.skipIf(!hasChromium())('phone sign-in in two browsers', () => {
  let stack: Stack;
  let suite: PanelStack | undefined;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    suite = await startPanelStack('dpc-pairing-');
    ({ stack, browser } = suite);
  }, 60_000);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await suite?.close();
  });

  it('signs the panel in from a phone; the phone keeps nothing; the panel revokes at its sign-out', async () => {
    const panelCtx = await panelContext(browser);
    const phoneCtx = await phoneContext(browser);
    contexts.push(panelCtx, phoneCtx);
    const panel = await panelCtx.newPage();
    const phone = await phoneCtx.newPage();

    const { url, code } = await panelShowsCode(panel, stack.url);
    expect(url).toMatch(new RegExp(`^${stack.url}/pair/[A-Za-z0-9_-]{43}$`));
    await shoot(panel, '40-pairing-panel-code');

    const issued = stack.google.issuedTokens.length;
    await phone.goto(url);
    await shootPhone(phone, '41-pairing-phone-start');
    await phoneConfirms(phone, url, code);
    const printerName = stack.printers[0]?.name as string;
    expect(await shownText(phone.locator('h1'))).toBe(`Sign in at ${printerName}?`);
    await shootPhone(phone, '42-pairing-phone-confirm');
    const token = stack.google.issuedTokens[issued]?.accessToken as string;

    const confirmedAt = Date.now();
    await phone.locator('#pair-yes').click();
    await panel.waitForURL(`${stack.url}/browse`, { timeout: 2_000 });
    expect(Date.now() - confirmedAt).toBeLessThan(2_000);
    await phone.waitForURL(/\/pair\/done/);
    await shootPhone(phone, '43-pairing-phone-done');
    await panel.locator('.file, .files, main').first().waitFor();
    await shoot(panel, '44-pairing-panel-signed-in');

    // The phone has no cookie and no session; the token was not revoked by the phone's ending.
    expect(await phoneCtx.cookies(stack.url)).toEqual([]);
    expect((await phone.request.get(`${stack.url}/api/session`)).status()).toBe(401);
    expect(stack.google.revokedTokens).not.toContain(token);
    const session = await panel.request.get(`${stack.url}/api/session`);
    expect((await session.json()).user.email).toBe('alice@example.com');

    await panel.getByRole('button', { name: 'Sign out' }).click();
    await panel.waitForURL(/\/\?/);
    for (let i = 0; i < 50 && !stack.google.revokedTokens.includes(token); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(stack.google.revokedTokens.filter((t) => t === token)).toHaveLength(1);

    // Right after the sign-out the panel keeps no cookie; the next person asks for a new code.
    await panel.locator('#pair-show').waitFor();
    expect(await panelCtx.cookies(stack.url)).toEqual([]);
    await shoot(panel, '46-pairing-panel-after-signout');
    await panel.locator('#pair-show').click();
    await panel.locator('#pair-qr svg').waitFor();
    expect(await shownText(panel.locator('#pair-code'))).toMatch(/^[ACDEFHJKMNPQRTUVWXY3479]{6}$/);
    expect(await panelCtx.cookies(stack.url)).toHaveLength(1);
  });

  it('"Sign in with Google" tapped while the code is still being made still signs in', async () => {
    const ctx = await panelContext(browser);
    contexts.push(ctx);
    const page = await ctx.newPage();
    // The code's request is slow, so the tap lands while it is in flight: both write the session.
    await page.route('**/api/pairing', async (route) => {
      await new Promise((r) => setTimeout(r, 800));
      await route.continue();
    });
    await page.goto(`${stack.url}/?printer=demo`);
    await page.locator('#signin').click();
    await page.getByRole('button', { name: /^Continue as Alice Example/ }).click();
    await page.waitForURL(`${stack.url}/browse`);
  });

  it('shows the phone a clear page for a used link', async () => {
    const panelCtx = await panelContext(browser);
    const phoneCtx = await phoneContext(browser);
    contexts.push(panelCtx, phoneCtx);
    const panel = await panelCtx.newPage();
    const phone = await phoneCtx.newPage();
    const { url, code } = await panelShowsCode(panel, stack.url);
    await phoneConfirms(phone, url, code);
    await phone.locator('#pair-yes').click();
    await phone.waitForURL(/\/pair\/done/);
    await phone.goto(url);
    expect(await shownText(phone.locator('#pair-refused'))).toBe('This sign-in code has already been used.');
    await shootPhone(phone, '45-pairing-phone-used');
  });
});

describe.skipIf(!hasChromium() || !hasRedisServer())(
  'phone sign-in across two instances sharing Redis',
  () => {
    let redis: TestRedis;
    let google: GoogleDouble;
    let printer: Awaited<ReturnType<typeof startDemoPrinter>>;
    let dir: string;
    let a: Stack;
    let b: Stack;
    let browser: Browser;

    const instance = (name: string) =>
      startStack({
        dir: path.join(dir, name),
        google,
        printer,
        clientSecret: 'shared-client-secret',
        logLevel: 'silent',
        env: {
          SESSION_STORE: 'redis',
          REDIS_URL: redis.url,
          SESSION_SECRET: 'shared-session-secret-for-both-instances-0123456789',
        },
      });

    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-pairing-redis-'));
      redis = await startRedis();
      google = await startGoogleDouble({ clients: [], autoApprove: false });
      printer = await startDemoPrinter({ spoolDir: dir, preferVirtual: true });
      [a, b, browser] = await Promise.all([instance('a'), instance('b'), launchBrowser()]);
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await a?.close().catch(() => undefined);
      await b?.close().catch(() => undefined);
      await printer?.close();
      await google?.close();
      await redis?.dispose();
      await rm(dir, { recursive: true, force: true });
    });

    it('the panel on one instance, the phone on the other', async () => {
      const panelCtx = await panelContext(browser);
      const phoneCtx = await phoneContext(browser);
      try {
        const panel = await panelCtx.newPage();
        const phone = await phoneCtx.newPage();
        const { url, code } = await panelShowsCode(panel, a.url);
        const onB = url.replace(a.url, b.url);
        const issued = google.issuedTokens.length;
        await phoneConfirms(phone, onB, code);
        const token = google.issuedTokens[issued]?.accessToken as string;
        await phone.locator('#pair-yes').click();
        await panel.waitForURL(`${a.url}/browse`, { timeout: 2_000 });
        await phone.waitForURL(/\/pair\/done/);
        expect(await phoneCtx.cookies(b.url)).toEqual([]);
        expect(google.revokedTokens).not.toContain(token);
        // The pairing in Redis: only hashes and ids, no token, and every key expires by itself.
        const client = createClient({ url: redis.url });
        await client.connect();
        try {
          const keys = await client.keys('dpc:pairing*');
          expect(keys.length).toBeGreaterThan(0);
          for (const key of keys) {
            expect(await client.pTTL(key), key).toBeGreaterThan(0);
            const value =
              (await client.type(key)) === 'hash'
                ? JSON.stringify(await client.hGetAll(key))
                : await client.get(key);
            expect(value, key).not.toContain(token);
            expect(value, key).not.toContain(onB.split('/pair/')[1] as string);
          }
        } finally {
          await client.quit();
        }
        // The panel's session is shared: it answers on B as well, and signs out there exactly once.
        const session = await panel.request.get(`${a.url}/api/session`);
        const { csrfToken } = (await session.json()) as { csrfToken: string };
        const cookies = await panelCtx.cookies(a.url);
        const cookieHeader = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
        const out = await fetch(`${b.url}/auth/signout`, {
          method: 'POST',
          headers: { Cookie: cookieHeader, 'X-CSRF-Token': csrfToken },
        });
        expect(out.status).toBe(200);
        await a.services.deps.lifecycle.reap();
        await b.services.deps.lifecycle.reap();
        expect(google.revokedTokens.filter((t) => t === token)).toHaveLength(1);
      } finally {
        await panelCtx.close();
        await phoneCtx.close();
      }
    });
  },
);
