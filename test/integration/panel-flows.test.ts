import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Cookie, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import type { Stack } from '../../src/dev/stack.js';
import { makePdf } from '../fixtures/documents.js';
import { hasChromium, panelContext, shoot, shownText, signInAs } from '../support/browser.js';
import { type PanelStack, startPanelStack } from '../support/panel-stack.js';

type Catalog = Record<string, string>;
const LOCALES = path.resolve('views', 'locales');
const readCatalog = (lang: string): Catalog | null => {
  const file = path.join(LOCALES, `${lang}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
};
/** The catalogs as the connector loads them at its start (nl and sv may not be written yet). */
const catalogs: Record<string, Catalog | null> = {};
const catalog = (lang: string) => catalogs[lang] ?? null;
let en: Catalog = readCatalog('en') as Catalog;
/** A text of the catalog; a missing key fails the test rather than matching anything. */
const t = (key: string, from: Catalog = en): string => {
  const text = from[key];
  if (text === undefined) throw new Error(`no text ${key} in the catalog`);
  return text;
};

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The link of a row in the file list, by its exact name. */
const row = (page: Page, name: string) =>
  page
    .locator('ul.files > li')
    .filter({ has: page.locator('span.name').getByText(name, { exact: true }) })
    .locator('a');

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

// The panel pages in a real browser against the whole product on loopback (Google double,
// virtual printer, connector). Every context of the run is recorded for promise 7.
describe.skipIf(!hasChromium())('panel pages in a real browser', () => {
  let stack: Stack;
  let suite: PanelStack | undefined;
  let browser: Browser;
  /** Everything the browser did during the run. */
  const seen = {
    urls: [] as string[],
    /** Request headers and bodies the browser sent. */
    sent: [] as string[],
    /** Bodies of the connector's HTML and JSON answers (the page sources). */
    bodies: [] as Promise<string>[],
    cookies: [] as Cookie[],
  };
  const open = new Set<BrowserContext>();

  beforeAll(async () => {
    for (const lang of ['en', 'nl', 'sv']) catalogs[lang] = readCatalog(lang);
    en = catalogs.en as Catalog;
    suite = await startPanelStack('dpc-panel-');
    ({ stack, browser } = suite);
  });
  afterAll(async () => {
    for (const ctx of open) await ctx.close().catch(() => undefined);
    await suite?.close();
  });

  /** A fresh 800x480 context whose every request and connector answer is recorded. */
  async function newPage(locale?: string): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await panelContext(browser, locale ? { locale } : {});
    open.add(ctx);
    ctx.on('request', (req) => {
      seen.urls.push(req.url());
      seen.sent.push(`${JSON.stringify(req.headers())}\n${req.postData() ?? ''}`);
    });
    ctx.on('requestfinished', (req) => {
      if (!req.url().startsWith(stack.url)) return;
      seen.bodies.push(
        (async () => {
          const res = await req.response();
          const type = res?.headers()['content-type'] ?? '';
          if (!res || !/html|json|javascript|css/.test(type)) return '';
          return res.text();
        })().catch(() => ''),
      );
    });
    const page = await ctx.newPage();
    return { ctx, page };
  }

  async function done(ctx: BrowserContext): Promise<void> {
    seen.cookies.push(...(await ctx.cookies()));
    open.delete(ctx);
    await ctx.close();
  }

  const tempFiles = () => (existsSync(stack.config.tempDir) ? readdirSync(stack.config.tempDir) : []);

  it('1. signs in as a person would at 800x480: Google chooser, then My Drive; no password field', async () => {
    const { ctx, page } = await newPage();
    await page.goto(`${stack.url}/?printer=demo`);
    expect(await shownText(page.locator('.printer-name'))).toContain(stack.printer.name);
    await shoot(page, '01-signin');
    expect(await page.locator('input[type=password]').count()).toBe(0);

    await page.getByRole('link', { name: t('signin.button') }).click();
    const alice = page.getByRole('button', { name: /^Continue as Alice Example/ });
    await alice.waitFor();
    expect(new URL(page.url()).origin).toBe(stack.google.baseUrl);
    await shoot(page, '02-google-chooser');
    await alice.click();

    await page.waitForURL(`${stack.url}/browse`);
    expect(await shownText(page.getByRole('tab', { selected: true }))).toBe(t('browse.tab.mydrive'));
    await row(page, 'Welcome.pdf').waitFor();
    for (const name of ['Reports', 'Scans', 'Big folder', "It's a quote.pdf"]) {
      expect(await row(page, name).count()).toBe(1);
    }
    expect(await page.locator('input[type=password]').count()).toBe(0);
    expect(await shownText(page.locator('.who'))).toContain('Alice Example');
    await shoot(page, '03-browse-my-drive');
    await done(ctx);
  });

  it('2. browses folders with breadcrumbs, the other tabs, search, and "Show more" in place', async () => {
    const { ctx, page } = await newPage();
    await signInAs(page, stack.url);
    const crumbs = () => shownText(page.locator('nav.crumbs'));

    await row(page, 'Reports').click();
    await page.waitForURL(/folderId=folder-reports$/);
    await row(page, '2026').click();
    await page.waitForURL(/folderId=folder-reports-2026$/);
    await row(page, 'Q3').waitFor();
    expect(await crumbs()).toBe('My Drive › Reports › 2026');
    await shoot(page, '04-browse-reports-2026');

    await page.locator('nav.crumbs a', { hasText: 'Reports' }).click();
    await page.waitForURL(/folderId=folder-reports$/);
    expect(await crumbs()).toBe('My Drive › Reports');
    await row(page, '2026').waitFor();
    await page.locator('nav.crumbs a', { hasText: 'My Drive' }).click();
    await page.waitForURL(/\/browse\?view=mydrive$/);
    expect(await crumbs()).toBe('My Drive');
    await row(page, 'Welcome.pdf').waitFor();

    await page.getByRole('tab', { name: t('browse.tab.shared') }).click();
    await page.waitForURL(/view=shared$/);
    await row(page, "Bob's plan.pdf").waitFor();
    expect(await row(page, 'Bob private.pdf').count()).toBe(0);
    await shoot(page, '05-browse-shared');
    await page.getByRole('tab', { name: t('browse.tab.drives') }).click();
    await page.waitForURL(/view=drives$/);
    await row(page, 'Office Shared').waitFor();
    expect(await row(page, 'Finance').count()).toBe(0);
    await shoot(page, '06-browse-shared-drives');

    await page.getByRole('tab', { name: t('browse.tab.mydrive') }).click();
    await page.waitForURL(/view=mydrive$/);
    await page.getByRole('searchbox').fill('quote');
    await page.getByRole('button', { name: t('browse.searchButton') }).click();
    await page.waitForURL(/q=quote/);
    await row(page, "It's a quote.pdf").waitFor();
    expect(await page.locator('ul.files > li').count()).toBe(1);
    await shoot(page, '07-search-quote');

    await page.locator('nav.crumbs a', { hasText: t('browse.clearSearch') }).click();
    await page.waitForURL(/view=mydrive$/);
    await row(page, 'Big folder').click();
    await page.waitForURL(/folderId=folder-big$/);
    const rows = page.locator('ul.files > li');
    await rows.first().waitFor();
    // Pages of 50 (what a panel shows at once); "Show more" adds the next page in place.
    expect(await rows.count()).toBe(50);
    const here = page.url();
    const more = page.getByRole('link', { name: t('browse.more') });
    await more.scrollIntoViewIfNeeded();
    await shoot(page, '08-big-folder-show-more');
    await more.click();
    await rows.nth(50).waitFor();
    expect(await rows.count()).toBe(100);
    expect(page.url()).toBe(here);
    expect(await shownText(rows.nth(0))).toContain('Document 001.pdf');
    expect(await shownText(rows.nth(99))).toContain('Document 100.pdf');
    for (const shown of [150, 200, 250]) {
      await more.click();
      await rows.nth(shown - 1).waitFor();
      expect(await rows.count()).toBe(shown);
    }
    expect(await shownText(rows.nth(249))).toContain('Document 250.pdf');
    await more.waitFor({ state: 'detached' });
    expect(page.url()).toBe(here);
    await done(ctx);
  });

  it('3. prints Welcome.pdf: the confirmation names the printer and its state, the status reaches Done', async () => {
    const { ctx, page } = await newPage();
    await signInAs(page, stack.url);
    const before = readdirSync(stack.printedDir).length;

    await row(page, 'Welcome.pdf').click();
    await page.waitForURL(`${stack.url}/print/${SAMPLE_IDS.fileWelcomePdf}`);
    // The panel's own printer (the sign-in link named it) is chosen; the raster printer is offered too.
    const printer = page.locator('label.choice.printer', { has: page.locator('input[value="demo"]') });
    expect(await page.locator('label.choice.printer').count()).toBeGreaterThanOrEqual(1);
    expect(await shownText(printer.locator('.name'))).toBe(stack.printer.name);
    expect(await shownText(printer.locator('.state'))).toBe(t('printer.state.idle'));
    expect(await printer.locator('input[type=radio]').isChecked()).toBe(true);
    expect(await shownText(page.locator('.confirm .file-line .name'))).toBe('Welcome.pdf');
    // The primary action is on screen at 800x480 without scrolling.
    const print = page.getByRole('button', { name: t('print.start'), exact: true });
    const box = await print.boundingBox();
    expect(box && box.y + box.height).toBeLessThanOrEqual(480);
    await shoot(page, '09-print-confirm');

    await print.click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await page.locator('#job-status', { hasText: t('job.state.completed') }).waitFor({ timeout: 20_000 });
    await page.locator('#job-deleted').waitFor();
    await page.locator('#job-cancel').waitFor({ state: 'hidden' });
    await shoot(page, '10-print-done');

    expect(await waitUntil(() => readdirSync(stack.printedDir).length > before, 5_000)).toBe(true);
    const printed = readdirSync(stack.printedDir);
    expect(printed).toHaveLength(before + 1);
    // The printer received the very document from Drive.
    const sent = printed.map((f) => readFileSync(path.join(stack.printedDir, f)));
    const original = stack.google.fileContent(SAMPLE_IDS.fileWelcomePdf) as Buffer;
    expect(sent.some((b) => b.equals(original))).toBe(true);
    expect(await waitUntil(() => tempFiles().length === 0, 5_000)).toBe(true);
    await done(ctx);
  }, 45_000);

  it('4. scans from the panel: folder, name, upload; as scanned (not searchable, best quality) the file is in Drive byte for byte', async () => {
    const { ctx, page } = await newPage();
    await signInAs(page, stack.url);
    await page
      .getByRole('navigation')
      .getByRole('link', { name: t('nav.scan') })
      .click();
    await page.waitForURL(`${stack.url}/scan`);
    await row(page, 'Scans').click();
    await page.waitForURL(/folderId=folder-scans$/);
    expect(await shownText(page.locator('#dest-name'))).toContain('Scans');

    const name = 'Panel scan test';
    const field = page.getByLabel(t('scan.name'));
    await field.fill(name);
    await shoot(page, '11-scan-setup');
    // The panel's presets make a scan searchable and smaller; this one goes as it is.
    const searchable = page.getByLabel(t('scan.ocr'));
    if (await searchable.count()) await searchable.uncheck();
    await page.getByLabel(t('scan.quality')).selectOption('best');
    const pdf = await makePdf(2, 'Panel scan');
    await page
      .locator('#scan-file')
      .setInputFiles({ name: 'scan.pdf', mimeType: 'application/pdf', buffer: pdf });

    const saved = page.locator('#scan-done');
    await saved.waitFor({ timeout: 15_000 });
    const text = await shownText(saved);
    expect(text).toContain(`${name}.pdf`);
    expect(text).toContain('Scans');
    await page.locator('#scan-again').waitFor();
    await shoot(page, '12-scan-done');

    const files = stack.google.findFilesByName(`${name}.pdf`);
    expect(files).toHaveLength(1);
    expect(files[0]?.parents).toContain(SAMPLE_IDS.folderScans);
    expect(Buffer.compare(stack.google.fileContent(files[0]?.id as string) as Buffer, pdf)).toBe(0);
    expect(await waitUntil(() => tempFiles().length === 0, 5_000)).toBe(true);
    await done(ctx);
  });

  it('5. follows the browser language, switches language visibly, and shows the privacy notice in each', async () => {
    const nl = catalog('nl');
    const sv = catalog('sv');
    const { ctx, page } = await newPage('nl-NL');
    await page.goto(`${stack.url}/?printer=demo`);
    expect(await page.locator('html').getAttribute('lang')).toBe('nl');
    const h1 = page.locator('h1');
    if (nl) {
      expect(await shownText(h1)).toBe(t('signin.title', nl));
      expect(await shownText(page.locator('#signin'))).toBe(t('signin.button', nl));
      expect(t('signin.title', nl)).not.toBe(t('signin.title'));
    }
    await shoot(page, '13-signin-nl');

    await page.locator('details.langs summary').click();
    const svenska = page.locator('details.langs a[hreflang=sv]');
    await svenska.waitFor();
    expect(await shownText(svenska)).toBe('Svenska');
    await shoot(page, '14-language-menu-open');
    await svenska.click();
    await page.waitForURL(/lang=sv/);
    expect(await page.locator('html').getAttribute('lang')).toBe('sv');
    // The switch shows the language's own name (no aria-label: the name it is called by is the same).
    expect(await shownText(page.locator('details.langs summary'))).toBe('Svenska');
    if (sv) {
      expect(await shownText(h1)).toBe(t('signin.title', sv));
      expect(t('signin.title', sv)).not.toBe(nl?.['signin.title'] ?? t('signin.title'));
    }
    await shoot(page, '15-signin-sv');

    for (const lang of ['en', 'nl', 'sv']) {
      const texts = catalog(lang) ?? en;
      await page.goto(`${stack.url}/privacy?lang=${lang}`);
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      expect(await shownText(h1)).toBe(t('privacy.title', texts));
      expect(await page.locator('article.privacy h2').count()).toBe(7);
      expect(await shownText(page.locator('article.privacy'))).toContain(squash(t('privacy.cookie', texts)));
      await shoot(page, `16-privacy-${lang}`);
    }
    await done(ctx);
  });

  it('7. signs out: notice, token revoked at Google, back to /browse lands on sign-in', async () => {
    const { ctx, page } = await newPage();
    const issued = stack.google.issuedTokens.length;
    await signInAs(page, stack.url);
    const token = stack.google.issuedTokens[issued]?.accessToken as string;
    expect(token).toBeTruthy();
    expect(stack.google.isTokenValid(token)).toBe(true);

    await page.getByRole('button', { name: t('nav.signout') }).click();
    await page.waitForURL(/\/\?signin=signedout/);
    expect(await shownText(page.locator('.notice.ok'))).toBe(t('signin.signedOut'));
    await page.locator('#signin').waitFor();
    await shoot(page, '17-signed-out');
    expect(stack.google.revokedTokens).toContain(token);
    expect(stack.google.isTokenValid(token)).toBe(false);
    expect(await ctx.cookies(stack.url)).toEqual([]);

    await page.goBack();
    await page.waitForURL(`${stack.url}/`);
    await page.locator('#signin').waitFor();
    await page.goto(`${stack.url}/browse`);
    expect(page.url()).toBe(`${stack.url}/`);
    await page.locator('#signin').waitFor();
    await done(ctx);
  });

  it('6. promise 7: one HttpOnly SameSite=Lax cookie, no web storage, only two origins, no token anywhere', async () => {
    const { ctx, page } = await newPage();
    const issued = stack.google.issuedTokens.length;
    await signInAs(page, stack.url);
    expect(stack.google.issuedTokens.length).toBe(issued + 1);

    const cookies = await ctx.cookies(stack.url);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    const storage = async () =>
      page.evaluate(() => ({
        local: Object.keys(window.localStorage),
        session: Object.keys(window.sessionStorage),
      }));
    expect(await storage()).toEqual({ local: [], session: [] });
    for (const where of [`/print/${SAMPLE_IDS.fileWelcomePdf}`, '/scan', '/privacy']) {
      await page.goto(`${stack.url}${where}`);
      expect(await storage()).toEqual({ local: [], session: [] });
      const html = await page.content();
      for (const t of stack.google.issuedTokens) expect(html).not.toContain(t.accessToken);
      expect(await page.locator('input[type=password]').count()).toBe(0);
    }
    expect(await ctx.cookies(stack.url)).toHaveLength(1);
    await done(ctx);

    // The whole run: only the connector and the Google double were ever asked for anything.
    const origins = new Set(seen.urls.map((u) => new URL(u).origin));
    expect([...origins].sort()).toEqual([stack.url, stack.google.baseUrl].sort());

    const tokens = stack.google.issuedTokens.map((t) => t.accessToken);
    expect(tokens.length).toBeGreaterThanOrEqual(6);
    const bodies = await Promise.all(seen.bodies);
    const pages = bodies.filter((b) => b.includes('<html'));
    expect(pages.length).toBeGreaterThan(20);
    for (const token of tokens) {
      for (const u of seen.urls) expect(u).not.toContain(token);
      for (const s of seen.sent) expect(s).not.toContain(token);
      for (const b of bodies) expect(b).not.toContain(token);
      for (const c of seen.cookies) expect(c.value).not.toContain(token);
    }
    for (const b of pages) expect(b).not.toMatch(/type=["']?password/i);
    // Every cookie the browser ever held was the connector's session cookie.
    expect(new Set(seen.cookies.map((c) => `${c.name} ${c.httpOnly} ${c.sameSite}`))).toEqual(
      new Set(['drive-connector true Lax']),
    );
  });
});
