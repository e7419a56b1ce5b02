import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import type { Stack } from '../../src/dev/stack.js';
import { pageCount } from '../fixtures/documents.js';
import { hasChromium, panelContext, shoot, shownText, signInAs } from '../support/browser.js';
import { type PanelStack, startPanelStack } from '../support/panel-stack.js';

const nl = JSON.parse(readFileSync(path.resolve('views', 'locales', 'nl.json'), 'utf8')) as Record<
  string,
  string
>;
const t = (key: string, values: Record<string, string | number> = {}): string =>
  (nl[key] ?? key).replace(/\{(\w+)\}/g, (w, k) => (k in values ? String(values[k]) : w));

// Scan now on the panel at 800x480, in Dutch, against the whole product on loopback: the demo stack's
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
});
