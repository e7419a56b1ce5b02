import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../src/dev/stack.js';
import { hasChromium, panelContext, shoot, shownText } from '../support/browser.js';
import { type PanelStack, startPanelStack } from '../support/panel-stack.js';

const LANGS = ['en', 'nl', 'sv'] as const;
type Lang = (typeof LANGS)[number];
const LOCALES = { en: 'en-US', nl: 'nl-NL', sv: 'sv-SE' } as const;
/** The language the switch goes to next, so every catalog is also reached by the switch. */
const NEXT: Record<Lang, Lang> = { en: 'nl', nl: 'sv', sv: 'en' };

type Catalog = Record<string, string>;
const catalogs = Object.fromEntries(
  LANGS.map((l) => [l, JSON.parse(readFileSync(path.resolve('views', 'locales', `${l}.json`), 'utf8'))]),
) as Record<Lang, Catalog>;

/** A text of a language's catalog, with its {placeholders} filled; a missing key fails the test. */
const text = (lang: Lang, key: string, values: Record<string, string | number> = {}): string => {
  const found = catalogs[lang][key];
  if (found === undefined) throw new Error(`no text ${key} in the ${lang} catalog`);
  return found.replace(/\{(\w+)\}/g, (w, k) => (k in values ? String(values[k]) : w));
};

/** A catalog text as a whole-string pattern, each {placeholder} matching whatever fills it. */
const pattern = (lang: Lang, key: string): RegExp => {
  const found = text(lang, key);
  const parts = found.split(/\{\w+\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('(.+?)')}$`);
};

/** How long the panel waits after a job before it signs out by itself, in this file. */
const AFTER_JOB_SECONDS = 3;

/** The link of a row in the file list, by its exact name. */
const row = (page: Page, name: string) =>
  page
    .locator('ul.files > li')
    .filter({ has: page.locator('span.name').getByText(name, { exact: true }) })
    .locator('a');

// The whole journey of one person at the shared panel (800x480, touch), click by click, in each
// language: the browser's language picks the panel's, and every text clicked comes from that
// language's catalog. Only search words and file names are typed.
describe.skipIf(!hasChromium())('a day at the panel, click by click, in en, nl and sv', () => {
  let stack: Stack;
  let suite: PanelStack | undefined;
  let browser: Browser;

  beforeAll(async () => {
    suite = await startPanelStack('dpc-journeys-', { SIGN_OUT_AFTER_JOB_SECONDS: String(AFTER_JOB_SECONDS) });
    ({ stack, browser } = suite);
  }, 60_000);
  afterAll(async () => {
    await suite?.close();
  });

  /** From the start page of printer demo: "Sign in with Google", then Alice on the Google double. */
  async function signIn(page: Page, lang: Lang): Promise<void> {
    await page.getByRole('link', { name: text(lang, 'signin.button'), exact: true }).click();
    // The account chooser is Google's page (the double's), not ours: its text is not in our catalogs.
    await page.getByRole('button', { name: /^Continue as Alice Example/ }).click();
    await page.waitForURL(`${stack.url}/browse`);
    expect(await page.locator('html').getAttribute('lang')).toBe(lang);
  }

  /** The start page of printer demo, signed out, in `lang`, naming the printer. */
  async function expectStartPage(page: Page, lang: Lang): Promise<void> {
    expect(await page.locator('html').getAttribute('lang')).toBe(lang);
    expect(await shownText(page.locator('h1'))).toBe(text(lang, 'signin.title'));
    await page
      .getByText(text(lang, 'signin.printer', { name: stack.printer.name }), { exact: true })
      .waitFor();
    expect(await page.locator('#signin').getAttribute('href')).toContain('printer=demo');
  }

  it.each(LANGS)(
    'in %s: sign in, browse, search, print to Done, signed out by itself, sign in, Scan now, switch language',
    async (lang) => {
      const ctx = await panelContext(browser, { locale: LOCALES[lang] });
      try {
        const page = await ctx.newPage();
        const shot = (step: string) => shoot(page, `j-${lang}-${step}`);

        // The start page of printer demo, in the browser's language.
        await page.goto(`${stack.url}/?printer=demo`);
        await expectStartPage(page, lang);
        await shot('01-start');
        await signIn(page, lang);
        expect(await shownText(page.getByRole('tab', { selected: true }))).toBe(
          text(lang, 'browse.tab.mydrive'),
        );

        // Into Reports › 2026 and back by the breadcrumb.
        const crumbs = page.locator('nav.crumbs');
        const root = text(lang, 'browse.root.mydrive');
        await row(page, 'Reports').click();
        await page.waitForURL(/folderId=folder-reports$/);
        await row(page, '2026').click();
        await page.waitForURL(/folderId=folder-reports-2026$/);
        await row(page, 'Q3').waitFor();
        expect(await shownText(crumbs)).toBe(`${root} › Reports › 2026`);
        await shot('02-folder');
        await crumbs.getByRole('link', { name: 'Reports', exact: true }).click();
        await page.waitForURL(/folderId=folder-reports$/);
        expect(await shownText(crumbs)).toBe(`${root} › Reports`);
        await crumbs.getByRole('link', { name: root, exact: true }).click();
        await page.waitForURL(/\/browse\?view=mydrive$/);
        await row(page, 'Welcome.pdf').waitFor();

        // Search: the result says where the file lives.
        await page.getByRole('searchbox', { name: text(lang, 'browse.search') }).fill('quote');
        await page.getByRole('button', { name: text(lang, 'browse.searchButton'), exact: true }).click();
        await page.waitForURL(/q=quote/);
        const quote = row(page, "It's a quote.pdf");
        await quote.waitFor();
        expect(await page.locator('ul.files > li').count()).toBe(1);
        const meta = await shownText(quote.locator('.meta'));
        const where = meta.split(' · ')[0] as string;
        expect(where, meta).toMatch(pattern(lang, 'browse.in'));
        // The file lives in My Drive's root, named in the page's language (not Drive's "My Drive").
        expect(where).toBe(text(lang, 'browse.in', { folder: text(lang, 'browse.root.mydrive') }));
        expect(meta).toContain(text(lang, 'type.pdf'));
        await shot('03-search');

        // Open the PDF and print it on the panel's own printer, to Done.
        await quote.click();
        await page.waitForURL(`${stack.url}/print/file-quote-pdf`);
        expect(await shownText(page.locator('h1'))).toContain("It's a quote.pdf");
        expect(await page.locator('label.choice.printer input[value="demo"]').isChecked()).toBe(true);
        await shot('04-print');
        await page.getByRole('button', { name: text(lang, 'print.start'), exact: true }).click();
        await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
        await page
          .locator('#job-status', { hasText: text(lang, 'job.state.completed') })
          .waitFor({ timeout: 20_000 });

        // The countdown, in this language, then the start page of the same printer.
        const bar = page.locator('#after-job');
        await bar.waitFor({ state: 'visible' });
        expect(await shownText(bar.locator('#after-job-countdown'))).toMatch(
          pattern(lang, 'session.afterJob'),
        );
        expect(await shownText(bar.locator('#after-job-signout'))).toBe(text(lang, 'nav.signout'));
        expect(await shownText(bar.locator('#after-job-keep'))).toBe(text(lang, 'session.keepGoing'));
        await shot('05-done-countdown');
        await page.waitForURL((u) => u.pathname === '/' && u.searchParams.get('signin') === 'signedout', {
          timeout: (AFTER_JOB_SECONDS + 10) * 1000,
        });
        // The same printer, and the language the person was using.
        expect(new URL(page.url()).searchParams.get('printer')).toBe('demo');
        await expectStartPage(page, lang);
        await page.getByText(text(lang, 'signin.signedOut'), { exact: true }).waitFor();
        expect((await page.request.get(`${stack.url}/api/session`)).status()).toBe(401);
        await shot('06-signed-out');

        // Sign in again and Scan now into Scans, to "Saved".
        await signIn(page, lang);
        await page
          .getByRole('navigation', { name: text(lang, 'nav.main') })
          .getByRole('link', { name: text(lang, 'nav.scan'), exact: true })
          .click();
        await page.waitForURL(`${stack.url}/scan`);
        expect(await shownText(page.locator('h1'))).toBe(text(lang, 'scan.title'));
        await row(page, 'Scans').click();
        await page.waitForURL(/folderId=folder-scans/);
        const name = `Journey ${lang}`;
        await page.getByLabel(text(lang, 'scan.name'), { exact: true }).fill(name);
        await shot('07-scan');
        await page.getByRole('button', { name: text(lang, 'scanNow.start'), exact: true }).click();
        const saved = page.locator('#scan-done');
        await saved.waitFor({ state: 'visible', timeout: 30_000 });
        expect(await shownText(saved)).toBe(
          text(lang, 'scan.done', {
            name: `${name}.pdf`,
            folder: `${text(lang, 'browse.root.mydrive')} › Scans`,
          }),
        );
        expect(stack.google.findFilesByName(`${name}.pdf`)).toHaveLength(1);

        // "Keep going": the countdown stops and the session stays past its end.
        await bar.waitFor({ state: 'visible' });
        await shot('08-saved-countdown');
        await bar.getByRole('button', { name: text(lang, 'session.keepGoing'), exact: true }).click();
        await bar.waitFor({ state: 'hidden' });
        await page.waitForTimeout((AFTER_JOB_SECONDS + 1) * 1000);
        expect(new URL(page.url()).pathname).toBe('/scan');
        expect((await page.request.get(`${stack.url}/api/session`)).status()).toBe(200);

        // The language switch, to the next language: the same page, now in that language.
        const next = NEXT[lang];
        const langs = page.locator('details.langs');
        await langs.locator('summary', { hasText: text(lang, `lang.${lang}`) }).click();
        await shot('09-language-switch');
        await langs.getByRole('link', { name: text(next, `lang.${next}`), exact: true }).click();
        await page.waitForURL(/[?&]lang=/);
        expect(new URL(page.url()).searchParams.get('lang')).toBe(next);
        expect(await page.locator('html').getAttribute('lang')).toBe(next);
        expect(await shownText(page.locator('h1'))).toBe(text(next, 'scan.title'));
        expect(await shownText(langs.locator('summary'))).toBe(text(next, `lang.${next}`));
        expect(
          await shownText(
            page.getByRole('navigation', { name: text(next, 'nav.main') }).locator('[aria-current=page]'),
          ),
        ).toBe(text(next, 'nav.scan'));
        await shot('10-switched');
        // The choice stays with the session: the next page is in that language too.
        await page
          .getByRole('navigation', { name: text(next, 'nav.main') })
          .getByRole('link', { name: text(next, 'nav.print'), exact: true })
          .click();
        await page.waitForURL(`${stack.url}/browse`);
        expect(await page.locator('html').getAttribute('lang')).toBe(next);
        expect(await shownText(page.getByRole('tab', { selected: true }))).toBe(
          text(next, 'browse.tab.mydrive'),
        );
      } finally {
        await ctx.close();
      }
    },
    90_000,
  );
});
