import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VIRTUAL_MODELS } from '../../src/dev/demo-printer.js';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import { type Stack, startStack } from '../../src/dev/stack.js';
import { startVirtualPrinter, type VirtualPrinter } from '../../src/dev/virtual-printer.js';
import { hasChromium, launchBrowser, panelContext, shoot, shownText, signInAs } from '../support/browser.js';

type Catalog = Record<string, string>;
const readCatalog = (lang: string): Catalog =>
  JSON.parse(readFileSync(path.resolve('views', 'locales', `${lang}.json`), 'utf8')) as Catalog;
const en = readCatalog('en');
const nl = readCatalog('nl');
/** A text of a catalog; a missing key fails the test rather than matching anything. */
const t = (key: string, from: Catalog = en, values: Record<string, string | number> = {}): string => {
  const text = from[key];
  if (text === undefined) throw new Error(`no text ${key} in the catalog`);
  return text.replace(/\{(\w+)\}/g, (w, k: string) => (k in values ? String(values[k]) : w));
};

/** The texts of a select's options, in order. */
const optionTexts = (select: Locator) =>
  select.locator('option').evaluateAll((options) => options.map((o) => (o.textContent ?? '').trim()));

/** The box of an element after the page scrolled it into view the way a person's scroll would. */
async function boxInView(locator: Locator) {
  await locator.evaluate((el) => el.scrollIntoView({ block: 'nearest' }));
  const box = await locator.boundingBox();
  if (!box) throw new Error('not shown');
  return box;
}

// The print page's options and the job page's words, in a real browser at 800x480, against the whole
// product on loopback. The two printers are the demo's two models (src/dev/demo-printer.ts), started
// here so that this test knows their options for sure, can set their state, and can keep a job printing
// long enough to watch: "demo" (PDF, duplex, colour, A4/A3/Letter/Legal, page ranges, 1/2/4-up, three
// qualities, staple) and "demo-raster" (PWG raster and JPEG only, one-sided, monochrome, A4/Letter).
describe.skipIf(!hasChromium())('print options and job page in a real browser', () => {
  let stack: Stack;
  let dir: string;
  let browser: Browser;
  let full: VirtualPrinter;
  let raster: VirtualPrinter;
  const open = new Set<BrowserContext>();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dpc-options-'));
    const spoolDir = path.join(dir, 'printed');
    [full, raster, browser] = await Promise.all([
      // Jobs stay printing for a while, so the job page can be seen while the printer has a problem.
      startVirtualPrinter({ ...DEMO_VIRTUAL_MODELS.mfp, spoolDir, name: 'Demo MFP', completeAfterMs: 2500 }),
      startVirtualPrinter({
        ...DEMO_VIRTUAL_MODELS.raster,
        spoolDir: path.join(dir, 'printed-raster'),
        name: 'Demo Raster Printer',
      }),
      launchBrowser(),
    ]);
    stack = await startStack({
      dir,
      autoApprove: false,
      logLevel: 'silent',
      printer: { uri: full.uri, name: 'Demo MFP (virtual)', kind: 'virtual', close: () => full.close() },
      extraPrinters: [
        { id: 'demo-raster', name: 'Demo Raster Printer (virtual)', uri: raster.uri },
        // Nothing listens there: the printer never answers, so its options are not known.
        { id: 'gone', name: 'Switched-off printer', uri: 'ipp://127.0.0.1:9/ipp/print' },
      ],
    });
  });
  afterAll(async () => {
    for (const ctx of open) await ctx.close().catch(() => undefined);
    await browser?.close();
    await stack?.close();
    await full?.close();
    await raster?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Sets the printer's printer-state-reasons and lets the connector see them at once. */
  async function setReasons(printer: VirtualPrinter, reasons: string[]): Promise<void> {
    printer.setStateReasons(reasons);
    await stack.services.deps.printers.refresh(printer === full ? 'demo' : 'demo-raster');
  }

  async function signedIn(locale?: string): Promise<Page> {
    const ctx = await panelContext(browser, locale ? { locale } : {});
    open.add(ctx);
    const page = await ctx.newPage();
    page.on('pageerror', (err) => {
      throw err;
    });
    await signInAs(page, stack.url);
    return page;
  }

  const printerRadio = (page: Page, id: string) => page.locator(`input[name="printerId"][value="${id}"]`);
  const shownBlock = (page: Page) => page.locator('.printer-options:not([hidden])');
  const actionBar = (page: Page) => page.locator('.print-form .actions');

  it('1. the full printer offers its options in words; the raster printer only what it supports', async () => {
    const page = await signedIn();
    await page.goto(`${stack.url}/print/${SAMPLE_IDS.fileWelcomePdf}`);
    await printerRadio(page, 'demo').check();
    const block = shownBlock(page);
    expect(await block.getAttribute('data-printer')).toBe('demo');
    expect(await optionTexts(block.locator('select[name="sides"]'))).toEqual([
      t('print.sides.one-sided'),
      t('print.sides.two-sided-long-edge'),
      t('print.sides.two-sided-short-edge'),
    ]);
    expect(await optionTexts(block.locator('select[name="sides"]'))).toEqual([
      'One-sided',
      'Two-sided (book)',
      'Two-sided (flip up)',
    ]);
    expect((await optionTexts(block.locator('select[name="color"]'))).sort()).toEqual(
      ['Black and white', 'Color'].sort(),
    );
    expect(await optionTexts(block.locator('select[name="media"]'))).toEqual(
      expect.arrayContaining(['A4', 'A3', 'Letter', 'Legal']),
    );
    expect(await optionTexts(block.locator('select[name="numberUp"]'))).toEqual(['1', '2', '4']);
    expect(await optionTexts(block.locator('select[name="quality"]'))).toEqual(['Draft', 'Normal', 'Best']);
    expect(await shownText(block.locator('.checks'))).toContain('Staple');
    expect(await block.getByLabel(t('print.pageRanges'), { exact: true }).isVisible()).toBe(true);
    // Preset to the printer's defaults.
    expect(await block.locator('select[name="media"]').inputValue()).toBe('iso_a4_210x297mm');
    await shoot(page, '20-print-options-full');

    // The raster printer: no two-sided, no colour choice, A4 and Letter only.
    await page.locator('label.choice.printer', { has: printerRadio(page, 'demo-raster') }).click();
    expect(await block.getAttribute('data-printer')).toBe('demo-raster');
    expect(await block.locator('select[name="sides"]').count()).toBe(0);
    expect(await block.locator('select[name="color"]').count()).toBe(0);
    expect(await block.locator('.checks').count()).toBe(0);
    expect(await optionTexts(block.locator('select[name="media"]'))).toEqual(['A4', 'Letter']);
    expect(await shownText(block.locator('.fixed'))).toContain(t('print.color.monochrome'));
    // The full printer's options are neither shown nor sent.
    const hidden = page.locator('.printer-options[data-printer="demo"]');
    expect(await hidden.isHidden()).toBe(true);
    expect(await hidden.evaluate((el) => (el as HTMLFieldSetElement).disabled)).toBe(true);
    expect(await page.getByRole('button', { name: t('print.start'), exact: true }).isEnabled()).toBe(true);
    await shoot(page, '21-print-options-raster');

    // A printer that never answered: its state in words, its options unknown, only Pages to choose.
    const gone = page.locator('label.choice.printer', { has: printerRadio(page, 'gone') });
    expect(await shownText(gone.locator('.state'))).toBe(t('printer.state.unreachable'));
    await gone.click();
    expect(await block.getAttribute('data-printer')).toBe('gone');
    expect(await shownText(block.locator('.notice'))).toBe(t('print.optionsUnknown'));
    expect(await block.locator('select').count()).toBe(0);
    expect(await block.getByLabel(t('print.pageRanges'), { exact: true }).isVisible()).toBe(true);
    await shoot(page, '21b-print-printer-unknown');
  });

  it('2. no field and no error hides behind the Print bar at 800x480', async () => {
    const page = await signedIn();
    await page.goto(`${stack.url}/print/${SAMPLE_IDS.fileWelcomePdf}`);
    await printerRadio(page, 'demo').check();
    const block = shownBlock(page);

    // Every control of the full printer can be brought into view above the bar.
    const controls = block.locator('input:not([type=hidden]), select, button');
    const n = await controls.count();
    expect(n).toBeGreaterThan(8);
    for (let i = 0; i < n; i++) {
      const control = controls.nth(i);
      const box = await boxInView(control);
      const bar = await actionBar(page).boundingBox();
      expect(box.y + box.height, `control ${i}`).toBeLessThanOrEqual((bar?.y ?? 0) + 0.5);
      // What a finger hits: the control, or for a checkbox the label around it.
      const target = await control.evaluate(
        (el) => (el.closest('label.check') ?? el).getBoundingClientRect().height,
      );
      expect(target, `control ${i} is a touch target`).toBeGreaterThanOrEqual(44);
    }

    // A wrong page list: the error is shown next to the field, above the bar, and nothing is sent.
    const pages = block.getByLabel(t('print.pageRanges'), { exact: true });
    await pages.fill('abc');
    let posted = false;
    page.on('request', (req) => {
      if (req.method() === 'POST' && req.url().endsWith('/api/print')) posted = true;
    });
    await page.getByRole('button', { name: t('print.start'), exact: true }).click();
    const error = block.locator('.field-error');
    await error.waitFor();
    expect(await shownText(error)).toBe(t('print.pageRangesError'));
    expect(await pages.getAttribute('aria-invalid')).toBe('true');
    const errorBox = await error.boundingBox();
    const fieldBox = await pages.boundingBox();
    const barBox = await actionBar(page).boundingBox();
    if (!errorBox || !fieldBox || !barBox) throw new Error('not shown');
    expect(errorBox.y + errorBox.height).toBeLessThanOrEqual(barBox.y);
    expect(fieldBox.y).toBeGreaterThanOrEqual(0);
    expect(barBox.y + barBox.height).toBeLessThanOrEqual(480);
    await shoot(page, '22-pages-error');
    expect(posted).toBe(false);

    // Fixed, the error goes away.
    await pages.fill('2-3');
    await error.waitFor({ state: 'hidden' });
  });

  it('3. prints with the chosen options; the job page keeps them in words', async () => {
    const page = await signedIn();
    await page.goto(`${stack.url}/print/${SAMPLE_IDS.fileHandbookPdf}`);
    await printerRadio(page, 'demo').check();
    const block = shownBlock(page);
    await block.getByRole('button', { name: '+' }).click();
    expect(await block.locator('input[name="copies"]').inputValue()).toBe('2');
    await block.locator('select[name="sides"]').selectOption('two-sided-long-edge');
    await block.locator('select[name="color"]').selectOption('monochrome');
    await block.locator('select[name="media"]').selectOption({ label: 'A4' });
    await block.getByLabel(t('print.pageRanges'), { exact: true }).fill('2-3');
    const sent = page.waitForRequest((req) => req.method() === 'POST' && req.url().endsWith('/api/print'));
    await shoot(page, '23-print-chosen');
    await page.getByRole('button', { name: t('print.start'), exact: true }).click();
    const body = (await sent).postDataJSON();
    expect(body).toMatchObject({
      printerId: 'demo',
      copies: 2,
      sides: 'two-sided-long-edge',
      color: 'monochrome',
      media: 'iso_a4_210x297mm',
      pageRanges: '2-3',
    });

    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const summary = await shownText(page.locator('#job-summary'));
    expect(summary).toContain('2 copies · Two-sided (book) · Black and white · A4 · Pages 2-3');
    await page.locator('#job-status', { hasText: t('job.state.completed') }).waitFor({ timeout: 20_000 });
    expect(await shownText(page.locator('#job-steps li.done').last())).toContain(t('job.step.done'));
    expect(await shownText(page.locator('#job-summary'))).toBe(summary);
    await shoot(page, '24-job-done-summary');
  }, 45_000);

  it('4. a printer out of paper says so in words on the print page and on the job page', async () => {
    await setReasons(full, ['media-empty']);
    try {
      const page = await signedIn();
      await page.goto(`${stack.url}/print/${SAMPLE_IDS.fileWelcomePdf}`);
      const choice = page.locator('label.choice.printer', { has: printerRadio(page, 'demo') });
      expect(await shownText(choice.locator('.reasons'))).toBe(t('printer.reason.media-empty'));
      expect(t('printer.reason.media-empty')).toMatch(/out of paper/);
      await shoot(page, '25-printer-out-of-paper');

      await printerRadio(page, 'demo').check();
      await page.getByRole('button', { name: t('print.start'), exact: true }).click();
      await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
      // Shown in words while the job is active.
      const reasons = page.locator('#job-printer');
      await reasons.waitFor();
      expect(await shownText(reasons)).toBe(`${t('job.atPrinter')}: ${t('printer.reason.media-empty')}`);
      await shoot(page, '26-job-out-of-paper');
      await page.locator('#job-status', { hasText: t('job.state.completed') }).waitFor({ timeout: 20_000 });
      await reasons.waitFor({ state: 'hidden' });
    } finally {
      await setReasons(full, []);
    }
  }, 45_000);

  it('5. speaks Dutch to a Dutch browser: options, printer state and job summary', async () => {
    await setReasons(full, ['media-jam']);
    try {
      const page = await signedIn('nl-NL');
      await page.goto(`${stack.url}/print/${SAMPLE_IDS.fileHandbookPdf}`);
      expect(await page.locator('html').getAttribute('lang')).toBe('nl');
      await printerRadio(page, 'demo').check();
      const block = shownBlock(page);
      expect(await optionTexts(block.locator('select[name="sides"]'))).toEqual([
        'Enkelzijdig',
        'Dubbelzijdig (boek)',
        'Dubbelzijdig (omslaan)',
      ]);
      expect(await optionTexts(block.locator('select[name="color"]'))).toContain('Zwart-wit');
      const choice = page.locator('label.choice.printer', { has: printerRadio(page, 'demo') });
      expect(await shownText(choice.locator('.reasons'))).toBe('Papierstoring');
      await block.getByLabel(t('print.pageRanges', nl), { exact: true }).fill('x');
      await page.getByRole('button', { name: t('print.start', nl), exact: true }).click();
      expect(await shownText(block.locator('.field-error'))).toBe(t('print.pageRangesError', nl));
      await shoot(page, '27-print-options-nl');

      await block.getByLabel(t('print.pageRanges', nl), { exact: true }).fill('2-3');
      await block.locator('select[name="sides"]').selectOption('two-sided-short-edge');
      await block.locator('select[name="color"]').selectOption('monochrome');
      await page.getByRole('button', { name: t('print.start', nl), exact: true }).click();
      await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
      const summary = await shownText(page.locator('#job-summary'));
      expect(summary).toContain("1 exemplaar · Dubbelzijdig (omslaan) · Zwart-wit · A4 · Pagina's 2-3");
      await page
        .locator('#job-status', { hasText: t('job.state.completed', nl) })
        .waitFor({ timeout: 20_000 });
      await shoot(page, '28-job-nl');
    } finally {
      await setReasons(full, []);
    }
  }, 45_000);

  it('6. a failed job says which step failed and why, and Retry starts the same job again', async () => {
    const page = await signedIn();
    await page.goto(`${stack.url}/print/${SAMPLE_IDS.fileHandbookPdf}`);
    await page.locator('label.choice.printer', { has: printerRadio(page, 'demo-raster') }).click();
    // The raster printer cannot pick pages itself: the connector cuts them, and a 6-page file has no page 9.
    await shownBlock(page).getByLabel(t('print.pageRanges'), { exact: true }).fill('9-10');
    await page.getByRole('button', { name: t('print.start'), exact: true }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const first = page.url();
    await page.locator('#job-status', { hasText: t('job.state.failed') }).waitFor({ timeout: 20_000 });
    const error = page.locator('#job-error');
    expect(await shownText(error.locator('#job-failed-at'))).toBe(t('job.failedAt.convert'));
    expect(await shownText(error.locator('#job-error-text'))).toBe(t('error.page_range_empty'));
    expect(await page.locator('#job-steps li.failed').getAttribute('data-step')).toBe('convert');
    expect(await shownText(page.locator('#job-summary'))).toContain(t('job.pages', en, { pages: '9-10' }));
    await shoot(page, '29-job-failed');

    await page.getByRole('button', { name: t('job.retry') }).click();
    await page.waitForURL((url) => /\/jobs\/[0-9a-f-]{36}$/.test(url.pathname) && url.href !== first);
    expect(await shownText(page.locator('#job-summary'))).toContain(t('job.pages', en, { pages: '9-10' }));
    await page.locator('#job-status', { hasText: t('job.state.failed') }).waitFor({ timeout: 20_000 });
  }, 45_000);

  it('7. says when a file is converted on the way: Google export, Office to PDF, raster for this printer', async () => {
    const page = await signedIn();
    await page.goto(`${stack.url}/print/${SAMPLE_IDS.sheetBudget}`);
    expect(await shownText(page.locator('.confirm > .note'))).toBe(t('print.exportNote'));

    await page.goto(`${stack.url}/print/${SAMPLE_IDS.fileQuarterlyReportDocx}`);
    await printerRadio(page, 'demo').check();
    const notes = () => shownText(shownBlock(page).locator('.note.convert'));
    expect(await notes()).toBe(t('print.convert.office'));
    await page.locator('label.choice.printer', { has: printerRadio(page, 'demo-raster') }).click();
    expect(await notes()).toBe(`${t('print.convert.office')} ${t('print.convert.raster')}`);
    await shoot(page, '30-print-docx-raster');
  });

  it('8. Cancel stops a job that is still printing and the steps show where it stopped', async () => {
    const page = await signedIn();
    await page.goto(`${stack.url}/print/${SAMPLE_IDS.fileWelcomePdf}`);
    await printerRadio(page, 'demo').check();
    await page.getByRole('button', { name: t('print.start'), exact: true }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await page.locator('#job-steps li.now[data-step="print"]').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: t('job.cancel') }).click();
    await page.locator('#job-status', { hasText: t('job.state.canceled') }).waitFor();
    expect(await page.locator('#job-steps li.stopped').getAttribute('data-step')).toBe('print');
    expect(await page.locator('#job-too-late').isHidden()).toBe(true);
    expect(await page.locator('#job-cancel').isHidden()).toBe(true);
    await shoot(page, '31-job-canceled');
  }, 30_000);
});
