import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import type { Stack } from '../../src/dev/stack.js';
import { JPEG } from '../fixtures/documents.js';
import { seriousViolations, smallText, smallTouchTargets } from '../support/axe.js';
import {
  hasChromium,
  PANEL_SMALL,
  panelContext,
  SCREENSHOT_DIR,
  shoot,
  shownText,
  signInAs,
} from '../support/browser.js';
import { type PanelStack, startPanelStack } from '../support/panel-stack.js';

const LANGS = ['en', 'nl', 'sv'] as const;
type Lang = (typeof LANGS)[number];
const LOCALES = { en: 'en-US', nl: 'nl-NL', sv: 'sv-SE' } as const;
/** A panel (or phone) context, its page, and the URLs it requested since the last check began. */
type Panel = { ctx: BrowserContext; page: Page; requests: string[] };

const catalogs = Object.fromEntries(
  LANGS.map((l) => [l, JSON.parse(readFileSync(path.resolve('views', 'locales', `${l}.json`), 'utf8'))]),
) as Record<Lang, Record<string, string>>;
/** A text of a language's catalog with its {placeholders} filled; a missing key fails the test. */
const text = (lang: Lang, key: string, values: Record<string, string | number> = {}): string => {
  const found = catalogs[lang][key];
  if (found === undefined) throw new Error(`no text ${key} in the ${lang} catalog`);
  return found.replace(/\{(\w+)\}/g, (w, k) => (k in values ? String(values[k]) : w));
};

/** A page as a device's HTTP filing form sends it to an open upload ticket (no cookie). */
async function sendPage(uploadUrl: string, bytes: Buffer, name: string): Promise<number> {
  const form = new FormData();
  form.set('theOperation', 'PutFile');
  form.set('destDir', '/');
  form.set('destName', name);
  form.set('sendfile', new Blob([new Uint8Array(bytes)]), name);
  return (await fetch(uploadUrl, { method: 'POST', body: form })).status;
}
const LANGUAGE_NAMES = { en: 'English', nl: 'Nederlands', sv: 'Svenska' } as const;

// Every page of the panel at 800x480 in each language: axe-core finds no serious or critical
// violation, every touch target is at least 44x44 px, one h1, every request stays on the
// connector's origin and the browser holds exactly one cookie.
describe.skipIf(!hasChromium())('panel pages are accessible at 800x480 in en, nl and sv', () => {
  let stack: Stack;
  let suite: PanelStack | undefined;
  let browser: Browser;
  const open = new Set<BrowserContext>();
  /** A job of Alice's, printed once: the job page is checked in each language. */
  let jobPath = '';

  beforeAll(async () => {
    suite = await startPanelStack('dpc-a11y-');
    ({ stack, browser } = suite);
  }, 60_000);
  afterAll(async () => {
    for (const ctx of open) await ctx.close().catch(() => undefined);
    await suite?.close();
  });

  /** A panel context whose requests are recorded from the moment `requests.length = 0` is set. */
  async function newPanel(locale?: string): Promise<Panel> {
    const ctx = await panelContext(browser, locale ? { locale } : {});
    open.add(ctx);
    const requests: string[] = [];
    ctx.on('request', (req) => requests.push(req.url()));
    return { ctx, page: await ctx.newPage(), requests };
  }

  /** Opens a page and checks it; `name` names its screenshots. */
  async function check(
    panel: Panel,
    url: string,
    name: string,
    lang: string,
    options: { cookies?: 'one' | 'at-most-one' } = {},
  ): Promise<void> {
    panel.requests.length = 0;
    await panel.page.goto(`${stack.url}${url}`);
    await panel.page.waitForLoadState('networkidle');
    await checkShown(panel, name, lang, options);
  }

  /**
   * Checks the page as it is shown now (a state reached by tapping, not by a URL). `cookies` is how
   * many the browser may hold: a phone that paired keeps none, so its pages allow none or one.
   */
  async function checkShown(
    panel: Panel,
    name: string,
    lang: string,
    options: { cookies?: 'one' | 'at-most-one' } = {},
  ): Promise<void> {
    const { ctx, page, requests } = panel;
    const where = `${name} (${lang})`;
    expect(await page.locator('html').getAttribute('lang'), where).toBe(lang);
    expect(await page.locator('h1').count(), `one h1 on ${where}`).toBe(1);
    expect(await seriousViolations(page), `axe on ${where}`).toEqual([]);
    expect(await smallTouchTargets(page), `touch targets on ${where}`).toEqual([]);
    expect(await smallText(page), `text under 14 px on ${where}`).toEqual([]);
    const elsewhere = requests.filter((u) => new URL(u).origin !== stack.url);
    expect(elsewhere, `requests of ${where}`).toEqual([]);
    const cookies = (await ctx.cookies()).map((c) => c.name);
    if (options.cookies === 'at-most-one')
      expect(cookies.length, `cookies on ${where}`).toBeLessThanOrEqual(1);
    else expect(cookies, `cookies on ${where}`).toHaveLength(1);
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

  // The states a person reaches by tapping rather than by a URL: phone pairing, a scan at the
  // device with pages coming in, Scan now running and saved, the raster printer, a failed job and
  // the sign-out countdown bar.
  it.each(LANGS)(
    'every state in %s',
    async (lang) => {
      // Phone pairing: the capability comes from the QR code the start page asks for.
      // The browser speaks the language too, as a Dutch or Swedish phone would.
      const kiosk = await newPanel(LOCALES[lang]);
      const pairing = kiosk.page.waitForResponse(
        (r) => r.url().endsWith('/api/pairing') && r.request().method() === 'POST',
      );
      await check(kiosk, `/?printer=demo&lang=${lang}`, 'start-code', lang);
      const { url: pairUrl } = (await (await pairing).json()) as { url: string };
      expect(pairUrl).toMatch(new RegExp(`^${stack.url}/pair/[A-Za-z0-9_-]{43}$`));
      await kiosk.page.locator('#pair-qr svg').waitFor();
      const capability = new URL(pairUrl).pathname;

      const phone = await newPanel(LOCALES[lang]);
      await check(phone, `${capability}?lang=${lang}`, 'pair-phone', lang, { cookies: 'at-most-one' });
      expect(await shownText(phone.page.locator('#pair-signin'))).toBe(text(lang, 'pair.signin'));
      await phone.page.locator('#pair-signin').click();
      await phone.page.getByRole('button', { name: /^Continue as Alice Example/ }).click();
      await phone.page.waitForURL((u) => u.pathname === capability);
      await phone.page.locator('#pair-yes').waitFor();
      phone.requests.length = 0;
      await checkShown(phone, 'pair-confirm', lang, { cookies: 'at-most-one' });
      expect(await shownText(phone.page.locator('#pair-yes'))).toBe(text(lang, 'pair.confirm'));
      await phone.page.locator('#pair-yes').click();
      await phone.page.waitForURL(/\/pair\/done/);
      await kiosk.page.waitForURL(`${stack.url}/browse`);
      phone.requests.length = 0;
      await checkShown(phone, 'pair-done', lang, { cookies: 'at-most-one' });
      // The used link, and a link that was never issued.
      await check(phone, `${capability}?lang=${lang}`, 'pair-used', lang, { cookies: 'at-most-one' });
      expect(await shownText(phone.page.locator('#pair-refused'))).toBe(text(lang, 'pair.refused.used'));
      await check(phone, `/pair/${'x'.repeat(43)}?lang=${lang}`, 'pair-unknown', lang, {
        cookies: 'at-most-one',
      });
      expect(await shownText(phone.page.locator('#pair-refused'))).toBe(text(lang, 'pair.refused.unknown'));

      // The panel the phone signed in: scan at the printer, with a page received.
      const alice = kiosk;
      const scanHere = `/scan?view=mydrive&folderId=${SAMPLE_IDS.folderScans}&lang=${lang}`;
      await check(alice, scanHere, 'scan-folder', lang);
      await alice.page.getByLabel(text(lang, 'scan.name'), { exact: true }).fill(`Device ${lang}`);
      await alice.page.getByRole('button', { name: text(lang, 'scan.atDevice'), exact: true }).click();
      await alice.page.locator('#scan-ticket').waitFor();
      const uploadUrl = (await alice.page.locator('#scan-url').textContent()) ?? '';
      expect(await sendPage(uploadUrl, JPEG, 'p1.jpg')).toBe(202);
      await alice.page.getByText(text(lang, 'scan.pagesReceived', { n: 1 }), { exact: true }).waitFor();
      await checkShown(alice, 'scan-ticket', lang);
      await alice.page.locator('#scan-details summary').click();
      await alice.page.locator('#scan-url').waitFor({ state: 'visible' });
      await checkShown(alice, 'scan-ticket-details', lang);
      await alice.page.getByRole('button', { name: text(lang, 'scan.device.cancel'), exact: true }).click();
      await alice.page.getByText(text(lang, 'scan.device.canceled'), { exact: true }).waitFor();
      await checkShown(alice, 'scan-ticket-canceled', lang);

      // Scan now: while the pages come in (slowed so the check sees it), then saved, with the
      // sign-out countdown bar over the page.
      await check(alice, scanHere, 'scan-now-ready', lang);
      await alice.page.getByLabel(text(lang, 'scan.name'), { exact: true }).fill(`Scan now ${lang}`);
      stack.scanner?.setFaults({ pageDelayMs: 2_000 });
      try {
        await alice.page.getByRole('button', { name: text(lang, 'scanNow.start'), exact: true }).click();
        await alice.page.locator('#scan-now-actions').waitFor({ state: 'visible' });
        await checkShown(alice, 'scan-now-running', lang);
        expect(await alice.page.locator('#scan-done').isVisible(), 'still scanning while checked').toBe(
          false,
        );
      } finally {
        stack.scanner?.setFaults({ pageDelayMs: 0 });
      }
      await alice.page.locator('#scan-done').waitFor({ state: 'visible', timeout: 30_000 });
      const bar = alice.page.locator('#after-job');
      await bar.waitFor({ state: 'visible' });
      await checkShown(alice, 'scan-now-saved-countdown', lang);
      expect(await shownText(bar.locator('#after-job-keep'))).toBe(text(lang, 'session.keepGoing'));
      await bar.getByRole('button', { name: text(lang, 'session.keepGoing'), exact: true }).click();
      await bar.waitFor({ state: 'hidden' });
      await checkShown(alice, 'scan-now-saved', lang);

      // The raster printer's print page, then a job on it that fails: pages 9-10 of a 6-page file.
      await alice.page.goto(`${stack.url}/print/${SAMPLE_IDS.fileHandbookPdf}?lang=${lang}`);
      const raster = alice.page.locator('input[name=printerId][value="demo-raster"]');
      await alice.page.locator('label.choice.printer', { has: raster }).click();
      expect(await raster.isChecked()).toBe(true);
      await alice.page.waitForLoadState('networkidle');
      alice.requests.length = 0;
      await checkShown(alice, 'print-raster', lang);
      await alice.page.locator('input[name=pageRanges]:visible').fill('9-10');
      await alice.page.getByRole('button', { name: text(lang, 'print.start'), exact: true }).click();
      await alice.page.waitForURL(/\/jobs\/[0-9a-f-]{36}/);
      await alice.page.locator('#job-error').waitFor({ state: 'visible', timeout: 20_000 });
      expect(await shownText(alice.page.locator('#job-status'))).toBe(text(lang, 'job.state.failed'));
      expect(await shownText(alice.page.locator('#job-error-text'))).toBe(
        text(lang, 'error.page_range_empty'),
      );
      await bar.waitFor({ state: 'visible' });
      await checkShown(alice, 'job-failed-countdown', lang);
      await bar.getByRole('button', { name: text(lang, 'session.keepGoing'), exact: true }).click();
      await bar.waitFor({ state: 'hidden' });
      await checkShown(alice, 'job-failed', lang);

      for (const p of [kiosk, phone]) {
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
