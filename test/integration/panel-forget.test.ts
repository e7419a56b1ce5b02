import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import type { Stack } from '../../src/dev/stack.js';
import { hasChromium, panelContext, shoot, shownText, signInAs } from '../support/browser.js';
import { type PanelStack, startPanelStack } from '../support/panel-stack.js';

const en = JSON.parse(readFileSync(path.resolve('views', 'locales', 'en.json'), 'utf8')) as Record<
  string,
  string
>;
const t = (key: string, values: Record<string, string | number> = {}): string => {
  const text = en[key];
  if (text === undefined) throw new Error(`no text ${key} in the catalog`);
  return text.replace(/\{(\w+)\}/g, (w, k) => (k in values ? String(values[k]) : w));
};

/** How long the panel waits after a job before it signs out by itself, in this test. */
const AFTER_JOB_SECONDS = 4;

// A shared screen that forgets you: after a print or a scan ends, the panel counts down and signs
// out by itself, back to the start page of its own printer ("demo"), unless "Keep going" is tapped.
describe.skipIf(!hasChromium())('panel in a browser: signed out by itself after a job', () => {
  let stack: Stack;
  let suite: PanelStack | undefined;
  let browser: Browser;

  beforeAll(async () => {
    suite = await startPanelStack('dpc-panel-forget-', {
      SIGN_OUT_AFTER_JOB_SECONDS: String(AFTER_JOB_SECONDS),
    });
    ({ stack, browser } = suite);
  });
  afterAll(async () => {
    await suite?.close();
  });

  /** Signs in at the demo printer's start page, prints Welcome.pdf and waits for Done. */
  async function printToDone(page: Page): Promise<void> {
    await signInAs(page, stack.url);
    await page.goto(`${stack.url}/print/${SAMPLE_IDS.fileWelcomePdf}`);
    await page.getByRole('button', { name: t('print.start'), exact: true }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await page.locator('#job-status', { hasText: t('job.state.completed') }).waitFor({ timeout: 20_000 });
  }

  /** The panel is back at the demo printer's start page, signed out, its token revoked. */
  async function expectSignedOutAtOwnPrinter(page: Page, ctx: BrowserContext, token: string) {
    await page.waitForURL(/\/\?signin=signedout&printer=demo/, { timeout: (AFTER_JOB_SECONDS + 10) * 1000 });
    await page.locator('#signin').waitFor();
    await page.getByText(t('signin.printer', { name: stack.printer.name }), { exact: true }).waitFor();
    await page.getByText(t('signin.signedOut'), { exact: true }).waitFor();
    // Signed out: the session is gone (the start page may begin a new, empty one of its own).
    expect((await page.request.get(`${stack.url}/api/session`)).status()).toBe(401);
    expect((await ctx.cookies(stack.url)).length).toBeLessThanOrEqual(1);
    for (let i = 0; i < 50 && !stack.google.revokedTokens.includes(token); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(stack.google.revokedTokens).toContain(token);
    // The sign-in link carries the printer again, so the next person prints here too.
    expect(await page.locator('#signin').getAttribute('href')).toContain('printer=demo');
  }

  it('after a print reaches Done: a countdown, then signed out to the start page of the same printer', async () => {
    const ctx = await panelContext(browser);
    try {
      const page = await ctx.newPage();
      const issued = stack.google.issuedTokens.length;
      await printToDone(page);
      const token = stack.google.issuedTokens[issued]?.accessToken as string;
      const bar = page.locator('#after-job');
      await bar.waitFor({ state: 'visible' });
      expect(await shownText(bar.locator('.countdown'))).toMatch(/^Signing you out in [1-4] s$/);
      expect(await bar.getByRole('button', { name: t('nav.signout') }).isVisible()).toBe(true);
      expect(await bar.getByRole('button', { name: t('session.keepGoing') }).isVisible()).toBe(true);
      await shoot(page, '60-print-done-countdown');
      await expectSignedOutAtOwnPrinter(page, ctx, token);
      await shoot(page, '61-signed-out-after-print');
    } finally {
      await ctx.close();
    }
  });

  it('"Keep going" stops the countdown; the session stays', async () => {
    const ctx = await panelContext(browser);
    try {
      const page = await ctx.newPage();
      await printToDone(page);
      const bar = page.locator('#after-job');
      await bar.waitFor({ state: 'visible' });
      await bar.getByRole('button', { name: t('session.keepGoing') }).click();
      await bar.waitFor({ state: 'hidden' });
      await page.waitForTimeout((AFTER_JOB_SECONDS + 2) * 1000);
      expect(page.url()).toMatch(/\/jobs\/[0-9a-f-]{36}$/);
      expect((await page.request.get(`${stack.url}/api/session`)).status()).toBe(200);
      await shoot(page, '62-keep-going');
      // The "Sign out" button in the header still returns to the printer's start page.
      await page.locator('header [data-action="signout"]').click();
      await page.waitForURL(/\/\?signin=signedout&printer=demo/);
    } finally {
      await ctx.close();
    }
  });

  it('"Sign out" in the bar signs out at once, to the start page of the same printer', async () => {
    const ctx = await panelContext(browser);
    try {
      const page = await ctx.newPage();
      const issued = stack.google.issuedTokens.length;
      await printToDone(page);
      const token = stack.google.issuedTokens[issued]?.accessToken as string;
      const bar = page.locator('#after-job');
      await bar.getByRole('button', { name: t('nav.signout') }).click();
      await expectSignedOutAtOwnPrinter(page, ctx, token);
    } finally {
      await ctx.close();
    }
  });

  it('after a Scan now scan is saved: the same countdown and sign-out', async () => {
    const ctx = await panelContext(browser);
    try {
      const page = await ctx.newPage();
      const issued = stack.google.issuedTokens.length;
      await signInAs(page, stack.url);
      const token = stack.google.issuedTokens[issued]?.accessToken as string;
      await page.goto(`${stack.url}/scan?view=mydrive&folderId=${SAMPLE_IDS.folderScans}`);
      await page.getByLabel(t('scan.name')).fill('Forget me');
      await page.getByRole('button', { name: t('scanNow.start') }).click();
      await page.locator('#scan-done').waitFor({ state: 'visible', timeout: 30_000 });
      const bar = page.locator('#after-job');
      await bar.waitFor({ state: 'visible' });
      expect(await shownText(bar.locator('.countdown'))).toMatch(/^Signing you out in [1-4] s$/);
      await shoot(page, '63-scan-now-done-countdown');
      await expectSignedOutAtOwnPrinter(page, ctx, token);
      await shoot(page, '64-signed-out-after-scan');
    } finally {
      await ctx.close();
    }
  });

  it('an error page and the privacy notice offer a way back to the start page of the printer', async () => {
    const ctx = await panelContext(browser);
    try {
      const page = await ctx.newPage();
      await page.goto(`${stack.url}/no-such-page?printer=demo`);
      expect(await shownText(page.locator('h1'))).toBe(t('error.h.not_found'));
      await shoot(page, '65-not-found-signed-out');
      await page.locator('#error-back').click();
      await page.waitForURL(`${stack.url}/?printer=demo`);
      await page.getByRole('link', { name: t('nav.privacy') }).click();
      await page.waitForURL(`${stack.url}/privacy?printer=demo`);
      await page.locator('#privacy-back').click();
      await page.waitForURL(`${stack.url}/?printer=demo`);
      await page.getByText(t('signin.printer', { name: stack.printer.name }), { exact: true }).waitFor();
      await page.goto(`${stack.url}/auth/google/callback?error=access_denied`);
      expect(await shownText(page.locator('h1'))).toBe(t('error.h.refused'));
      await shoot(page, '66-signin-refused');
    } finally {
      await ctx.close();
    }
  });
});

// The idle sign-out (the shortest idle time the config allows) also returns to the panel's printer.
describe.skipIf(!hasChromium())('panel in a browser: the idle sign-out keeps the printer', () => {
  let stack: Stack;
  let suite: PanelStack | undefined;
  let browser: Browser;

  beforeAll(async () => {
    suite = await startPanelStack('dpc-panel-forget-idle-', {
      SESSION_IDLE_SECONDS: '30',
      SIGN_OUT_AFTER_JOB_SECONDS: '0',
    });
    ({ stack, browser } = suite);
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('an idle panel is signed out to /?signin=expired&printer=demo', async () => {
    const ctx = await panelContext(browser);
    try {
      const page = await ctx.newPage();
      await signInAs(page, stack.url);
      expect(await page.locator('body').getAttribute('data-sign-out-after-job')).toBe('0');
      await page.waitForURL(/\/\?signin=expired&printer=demo/, { timeout: 45_000 });
      await page.getByText(t('signin.expired'), { exact: true }).waitFor();
      await page.getByText(t('signin.printer', { name: stack.printer.name }), { exact: true }).waitFor();
    } finally {
      await ctx.close();
    }
  }, 60_000);
});
