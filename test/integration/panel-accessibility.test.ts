import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { type Stack, startStack } from '../../src/dev/stack.js';
import { seriousViolations, smallText, smallTouchTargets } from '../support/axe.js';
import {
  hasChromium,
  launchBrowser,
  PANEL_SMALL,
  panelContext,
  SCREENSHOT_DIR,
  shoot,
  shownText,
  signInAs,
} from '../support/browser.js';

const LANGS = ['en', 'nl', 'sv'] as const;
const LANGUAGE_NAMES = { en: 'English', nl: 'Nederlands', sv: 'Svenska' } as const;

// Every page of the panel at 800x480 in each language: axe-core finds no serious or critical
// violation, every touch target is at least 44x44 px, one h1, every request stays on the
// connector's origin and the browser holds exactly one cookie.
describe.skipIf(!hasChromium())('panel pages are accessible at 800x480 in en, nl and sv', () => {
  let stack: Stack;
  let dir: string;
  let browser: Browser;
  const open = new Set<BrowserContext>();
  /** A job of Alice's, printed once: the job page is checked in each language. */
  let jobPath = '';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-a11y-'));
    [stack, browser] = await Promise.all([
      startStack({ dir, autoApprove: false, preferVirtualPrinter: true, logLevel: 'silent' }),
      launchBrowser(),
    ]);
  }, 60_000);
  afterAll(async () => {
    for (const ctx of open) await ctx.close().catch(() => undefined);
    await browser?.close();
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A panel context whose requests are recorded from the moment `requests.length = 0` is set. */
  async function newPanel(): Promise<{ ctx: BrowserContext; page: Page; requests: string[] }> {
    const ctx = await panelContext(browser);
    open.add(ctx);
    const requests: string[] = [];
    ctx.on('request', (req) => requests.push(req.url()));
    return { ctx, page: await ctx.newPage(), requests };
  }

  /** Opens a page and checks it; `name` names its screenshots. */
  async function check(
    panel: { ctx: BrowserContext; page: Page; requests: string[] },
    url: string,
    name: string,
    lang: string,
  ): Promise<void> {
    const { ctx, page, requests } = panel;
    requests.length = 0;
    await page.goto(`${stack.url}${url}`);
    await page.waitForLoadState('networkidle');
    const where = `${name} (${lang})`;
    expect(await page.locator('html').getAttribute('lang'), where).toBe(lang);
    expect(await page.locator('h1').count(), `one h1 on ${where}`).toBe(1);
    expect(await seriousViolations(page), `axe on ${where}`).toEqual([]);
    expect(await smallTouchTargets(page), `touch targets on ${where}`).toEqual([]);
    expect(await smallText(page), `text under 14 px on ${where}`).toEqual([]);
    const elsewhere = requests.filter((u) => new URL(u).origin !== stack.url);
    expect(elsewhere, `requests of ${where}`).toEqual([]);
    expect(
      (await ctx.cookies()).map((c) => c.name),
      `cookies on ${where}`,
    ).toHaveLength(1);
    // The language switch shows the language's own name, and that is its accessible name.
    const langs = page.locator('details.langs summary');
    expect(await shownText(langs)).toBe(LANGUAGE_NAMES[lang as keyof typeof LANGUAGE_NAMES]);
    expect(await langs.getAttribute('aria-label')).toBeNull();
    await shoot(page, `a11y-${name}-${lang}`);
  }

  it('prints one file so that a job page exists', async () => {
    const panel = await newPanel();
    await signInAs(panel.page, stack.url);
    await panel.page.goto(`${stack.url}/print/${SAMPLE_IDS.fileWelcomePdf}`);
    await panel.page.locator('#print-start').click();
    await panel.page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    jobPath = new URL(panel.page.url()).pathname;
    await panel.ctx.close();
    open.delete(panel.ctx);
  }, 60_000);

  it.each(LANGS)(
    'every page in %s',
    async (lang) => {
      // Signed out: the start page and an error page.
      const guest = await newPanel();
      await check(guest, `/?printer=demo&lang=${lang}`, 'start', lang);
      await check(guest, `/privacy?lang=${lang}`, 'privacy', lang);

      // Alice: browse, search, print, job, scan and a page that fails.
      const alice = await newPanel();
      await signInAs(alice.page, stack.url);
      await check(alice, `/browse?lang=${lang}`, 'browse', lang);
      // At least six file rows show in full under the header at 800x480.
      const shown = await alice.page
        .locator('ul.files > li')
        .evaluateAll(
          (rows, h) => rows.filter((r) => r.getBoundingClientRect().bottom <= h).length,
          PANEL_SMALL.height,
        );
      expect(shown).toBeGreaterThanOrEqual(6);
      // Every row has its type's icon.
      const icons = await alice.page
        .locator('ul.files .icon')
        .evaluateAll((els) => els.map((e) => e.className));
      expect(icons.every((c) => /\bi-(pdf|image|doc|sheet|slides|folder|drive|other)\b/.test(c))).toBe(true);
      expect(new Set(icons).size).toBeGreaterThanOrEqual(4);

      await check(alice, `/browse?q=Q3&lang=${lang}`, 'search', lang);
      // A search says where each file lives.
      expect(await alice.page.locator('ul.files .meta').allInnerTexts()).toEqual(
        expect.arrayContaining([expect.stringContaining('2026'), expect.stringContaining('Q3')]),
      );
      await check(
        alice,
        `/browse?view=mydrive&folderId=${SAMPLE_IDS.folderBig}&sort=date&lang=${lang}`,
        'browse-big',
        lang,
      );

      // After scrolling to the end of a long list the header (navigation, sign-out) is still in view.
      await alice.page.locator('a.more').scrollIntoViewIfNeeded();
      const signout = await alice.page.locator('button.signout').boundingBox();
      expect(signout?.y).toBeGreaterThanOrEqual(0);
      expect((signout?.y ?? 999) + (signout?.height ?? 0)).toBeLessThanOrEqual(60);

      await check(alice, `/print/${SAMPLE_IDS.fileWelcomePdf}?lang=${lang}`, 'print', lang);
      // The thumbnail came from the connector's own origin and is shown.
      const thumb = alice.page.locator('.preview img');
      expect(await thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(
        true,
      );
      const thumbRes = await alice.page.request.get(`${stack.url}/thumbnails/${SAMPLE_IDS.fileWelcomePdf}`);
      expect(thumbRes.headers()['cache-control']).toBe('private, no-store');
      expect(thumbRes.headers()['content-type']).toBe('image/png');

      // A favicon of our own, from our origin.
      expect(await alice.page.locator('link[rel=icon]').getAttribute('href')).toBe('/static/logo.svg');
      const icon = await alice.page.request.get(`${stack.url}/static/logo.svg`);
      expect(icon.headers()['content-type']).toContain('image/svg+xml');

      // On a phone (390x844): nothing wider than the screen, no small target.
      await alice.page.setViewportSize({ width: 390, height: 844 });
      for (const url of ['/browse', '/browse?q=Q3', `/print/${SAMPLE_IDS.fileWelcomePdf}`, '/scan']) {
        await alice.page.goto(`${stack.url}${url}`);
        expect(
          await alice.page.evaluate(() => document.documentElement.scrollWidth),
          url,
        ).toBeLessThanOrEqual(390);
        expect(await smallTouchTargets(alice.page), `touch targets on ${url} at 390x844`).toEqual([]);
      }
      await alice.page.screenshot({ path: path.join(SCREENSHOT_DIR, `a11y-phone-scan-${lang}.png`) });
      await alice.page.setViewportSize({ ...PANEL_SMALL });

      if (jobPath) await check(alice, `${jobPath}?lang=${lang}`, 'job', lang);
      await check(alice, `/scan?lang=${lang}`, 'scan', lang);
      await check(alice, `/print/no-such-file?lang=${lang}`, 'error', lang);

      // The administrator's page.
      const admin = await newPanel();
      await signInAs(admin.page, stack.url, { name: 'Ada Admin' });
      await check(admin, `/admin?lang=${lang}`, 'admin', lang);

      for (const p of [guest, alice, admin]) {
        open.delete(p.ctx);
        await p.ctx.close();
      }
    },
    180_000,
  );

  it('serves thumbnails to a signed-in person only', async () => {
    const res = await fetch(`${stack.url}/thumbnails/${SAMPLE_IDS.fileWelcomePdf}`, { redirect: 'manual' });
    expect(res.status).toBe(401);
  });
});
