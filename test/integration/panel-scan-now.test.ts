import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import type { Stack } from '../../src/dev/stack.js';
import { pageCount } from '../fixtures/documents.js';
import { hasChromium, panelContext, shoot, shownText, signInAs } from '../support/browser.js';
import { type PanelStack, startPanelStack } from '../support/panel-stack.js';
import { renderTextPage } from '../support/text-page.js';

const catalog = (lang: string) =>
  JSON.parse(readFileSync(path.resolve('views', 'locales', `${lang}.json`), 'utf8')) as Record<
    string,
    string
  >;
const nl = catalog('nl');
const en = catalog('en');
const sv = catalog('sv');
const fill = (text: string, values: Record<string, string | number>) =>
  text.replace(/\{(\w+)\}/g, (w, k) => (k in values ? String(values[k]) : w));
const t = (key: string, values: Record<string, string | number> = {}): string => fill(nl[key] ?? key, values);
const te = (key: string, values: Record<string, string | number> = {}): string =>
  fill(en[key] ?? key, values);
const ts = (key: string, values: Record<string, string | number> = {}): string =>
  fill(sv[key] ?? key, values);

// Scan now on the panel at 800x480, in Dutch (and English and Swedish for the scan options), against the whole product on loopback: the demo stack's
// eSCL scanner double, the connector's eSCL client, the Google double.
describe.skipIf(!hasChromium())('Scan now on the panel, in Dutch', () => {
  let stack: Stack;
  let suite: PanelStack | undefined;
  let browser: Browser;

  beforeAll(async () => {
    suite = await startPanelStack('dpc-scan-now-ui-');
    ({ stack, browser } = suite);
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('scans three pages from the feeder with progress, to "Opgeslagen", and leaves nothing behind', async () => {
    const context = await panelContext(browser, { locale: 'nl-NL' });
    const page = await context.newPage();
    try {
      await signInAs(page, stack.url);
      await page.goto(`${stack.url}/scan?view=mydrive&folderId=${SAMPLE_IDS.folderScans}`);
      const scanNow = page.locator('#scan-now');
      await expect
        .poll(() => shownText(scanNow.locator('legend')))
        .toContain(t('scanNow.title', { printer: '' }).trim());
      expect(await page.locator('#scan-now select[name="source"]').inputValue()).toBe('feeder');
      expect(await page.locator('#scan-now select[name="colorMode"]').inputValue()).toBe('grayscale');
      expect(await page.locator('#scan-now select[name="resolution"]').inputValue()).toBe('300');
      await page.getByLabel(t('scan.name')).fill('Getekend contract');
      await shoot(page, '40-scan-now-nl');
      await page.getByRole('button', { name: t('scanNow.start') }).click();
      // Progress: "Pagina N gescand" while the pages arrive.
      await expect
        .poll(() => shownText(page.locator('#scan-status')), { timeout: 20_000 })
        .toMatch(/Pagina [1-3] gescand|De scanner wordt gestart|Opslaan/);
      await shoot(page, '41-scan-now-progress-nl');
      const done = page.locator('#scan-done');
      await done.waitFor({ state: 'visible', timeout: 30_000 });
      expect(await shownText(done)).toBe(
        t('scan.done', { name: 'Getekend contract.pdf', folder: `${t('browse.root.mydrive')} › Scans` }),
      );
      expect(await shownText(page.locator('#scan-status'))).toBe(t('scanNow.page', { n: 3 }));
      await shoot(page, '42-scan-now-saved-nl');
      const [file] = stack.google.findFilesByName('Getekend contract.pdf');
      expect(await pageCount(stack.google.fileContent(file?.id as string) as Buffer)).toBe(3);
      expect(readdirSync(stack.config.tempDir)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a new user scans three pages with Scan now, searchable (the preset), and finds the scan by a word on page 2', async () => {
    const context = await panelContext(browser, { locale: 'en-GB' });
    const page = await context.newPage();
    try {
      await signInAs(page, stack.url, { name: 'Bob Example' });
      await page.goto(`${stack.url}/scan?view=mydrive`);
      const searchable = page.getByLabel(te('scan.ocr'));
      expect(await searchable.isChecked()).toBe(true);
      await page.getByLabel(te('scan.name')).fill('Fruit order');
      await shoot(page, '43-scan-now-options-en');
      await page.getByRole('button', { name: te('scanNow.start') }).click();
      // "Making it searchable: page N of 3" while OCR runs.
      await expect
        .poll(() => shownText(page.locator('#scan-status')), { timeout: 60_000, interval: 100 })
        .toMatch(/^Making it searchable: page [1-3] of 3$/);
      await shoot(page, '44-scan-now-ocr-progress-en');
      const done = page.locator('#scan-done');
      await done.waitFor({ state: 'visible', timeout: 90_000 });
      expect(await shownText(done)).toBe(
        te('scan.done', { name: 'Fruit order.pdf', folder: te('browse.root.mydrive') }),
      );
      expect(await shownText(page.locator('#scan-extra'))).toBe(te('scan.searchable'));
      await shoot(page, '45-scan-now-searchable-saved-en');
      expect(readdirSync(stack.config.tempDir)).toEqual([]);

      // Page 2 of the scanner double's feeder says ORANGE (and only page 2): Drive search finds it.
      await page.goto(`${stack.url}/browse`);
      await page.getByRole('searchbox', { name: te('browse.search') }).fill('orange');
      await page.getByRole('button', { name: te('browse.searchButton'), exact: true }).click();
      await expect.poll(() => shownText(page.locator('ul.files'))).toContain('Fruit order.pdf');
      await shoot(page, '46-search-finds-scan-en');
    } finally {
      await context.close();
    }
  }, 150_000);

  it('in Swedish, two-sided on a one-sided feeder: fronts, "turn the stack", backs, six pages in Drive', async () => {
    const context = await panelContext(browser, { locale: 'sv-SE' });
    const page = await context.newPage();
    try {
      await signInAs(page, stack.url);
      await page.goto(`${stack.url}/scan?view=mydrive&folderId=${SAMPLE_IDS.folderScans}`);
      await page.getByLabel(ts('scan.name')).fill('Dubbelsidigt avtal');
      const searchable = page.getByLabel(ts('scan.ocr'));
      if (await searchable.count()) await searchable.uncheck();
      await page.getByLabel(ts('scan.manualDuplex')).check();
      await page.getByLabel(ts('scan.quality')).selectOption('best');
      await page.locator('#scan-now select[name="source"]').selectOption('feeder');
      const sides = page.locator('#scan-now select[name="duplex"]');
      if (await sides.count()) await sides.selectOption('false');
      await shoot(page, '47-scan-now-two-sided-sv');
      await page.getByRole('button', { name: ts('scanNow.start') }).click();
      const backs = page.getByRole('button', { name: ts('scanNow.backs') });
      await backs.waitFor({ state: 'visible', timeout: 30_000 });
      expect(await shownText(page.locator('#scan-status'))).toBe(ts('scanNow.turn', { n: 3 }));
      await shoot(page, '48-scan-now-turn-stack-sv');
      await backs.click();
      const done = page.locator('#scan-done');
      await done.waitFor({ state: 'visible', timeout: 60_000 });
      expect(await shownText(done)).toBe(
        ts('scan.done', { name: 'Dubbelsidigt avtal.pdf', folder: `${ts('browse.root.mydrive')} › Scans` }),
      );
      await shoot(page, '49-scan-now-two-sided-saved-sv');
      const [file] = stack.google.findFilesByName('Dubbelsidigt avtal.pdf');
      expect(await pageCount(stack.google.fileContent(file?.id as string) as Buffer)).toBe(6);
      expect(readdirSync(stack.config.tempDir)).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('an uploaded page with Searchable on shows "page 1 of 1" and arrives with its words in Drive', async () => {
    const context = await panelContext(browser, { locale: 'en-GB' });
    const page = await context.newPage();
    const image = path.join(stack.config.tempDir, '..', 'upload-page.png');
    try {
      await renderTextPage({
        lines: ['The quarterly invoice from the Lighthouse Bakery arrived on Tuesday morning.'],
        file: image,
      });
      await signInAs(page, stack.url);
      await page.goto(`${stack.url}/scan?view=mydrive&folderId=${SAMPLE_IDS.folderScans}`);
      expect(await page.getByLabel(te('scan.ocr')).isChecked()).toBe(true);
      await page.getByLabel(te('scan.name')).fill('Bakery invoice');
      await page.locator('#scan-file').setInputFiles(image);
      await expect
        .poll(() => shownText(page.locator('#scan-status')), { timeout: 60_000, interval: 50 })
        .toBe(te('scan.step.ocrPage', { n: 1, m: 1 }));
      await shoot(page, '50-upload-ocr-progress-en');
      const done = page.locator('#scan-done');
      await done.waitFor({ state: 'visible', timeout: 60_000 });
      expect(await shownText(done)).toBe(
        te('scan.done', { name: 'Bakery invoice.pdf', folder: `${te('browse.root.mydrive')} › Scans` }),
      );
      expect(await shownText(page.locator('#scan-extra'))).toBe(te('scan.searchable'));
      const [file] = stack.google.findFilesByName('Bakery invoice.pdf');
      // Drive indexes the text layer (the double asks pdftotext): the words are there.
      const text = (file as { text?: string } | undefined)?.text ?? '';
      for (const word of ['quarterly', 'invoice', 'Lighthouse', 'Bakery', 'Tuesday'])
        expect(text).toContain(word);
      expect(readdirSync(stack.config.tempDir)).toEqual([]);
    } finally {
      await rm(image, { force: true });
      await context.close();
    }
  }, 120_000);
});
