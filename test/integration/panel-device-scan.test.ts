import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_IDS } from '../../src/dev/sample-data.js';
import type { Stack } from '../../src/dev/stack.js';
import { JPEG, makePng, pageCount } from '../fixtures/documents.js';
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

/** A page as a device's HTTP filing form sends it: no cookie, the document in `sendfile`. */
async function sendPage(uploadUrl: string, bytes: Buffer, name: string): Promise<number> {
  const form = new FormData();
  form.set('theOperation', 'PutFile');
  form.set('destDir', '/');
  form.set('destName', name);
  form.set('sendfile', new Blob([new Uint8Array(bytes)]), name);
  return (await fetch(uploadUrl, { method: 'POST', body: form })).status;
}

// "Scan at the printer" on the panel at 800x480, against the whole product on loopback.
describe.skipIf(!hasChromium())('scan at the printer, on the panel', () => {
  let stack: Stack;
  let suite: PanelStack | undefined;
  let browser: Browser;

  beforeAll(async () => {
    suite = await startPanelStack('dpc-device-scan-');
    ({ stack, browser } = suite);
  });
  afterAll(async () => {
    await suite?.close();
  });

  const tempFiles = () => readdirSync(stack.config.tempDir);

  /** Signed in, on the scan page of the Scans folder, with a ticket started; returns its upload URL. */
  async function startTicket(page: Page, name: string): Promise<string> {
    await signInAs(page, stack.url);
    await page.goto(`${stack.url}/scan?view=mydrive&folderId=${SAMPLE_IDS.folderScans}`);
    await page.getByLabel(t('scan.name')).fill(name);
    await page.getByRole('button', { name: t('scan.atDevice') }).click();
    await page.locator('#scan-ticket').waitFor();
    return (await page.locator('#scan-url').textContent()) ?? '';
  }

  it('counts pages as the device sends them, hides the link until details, and finishes', async () => {
    const ctx = await panelContext(browser);
    const page = await ctx.newPage();
    const uploadUrl = await startTicket(page, 'Device scan');
    expect(uploadUrl).toMatch(/\/scan-upload\/[A-Za-z0-9_-]{43}$/);
    const pages = page.locator('#scan-pages');
    expect(await shownText(pages)).toBe(t('scan.device.none'));
    // The link is on the page but not on the screen until "details" is opened.
    expect(await page.locator('#scan-url').isVisible()).toBe(false);
    expect(await shownText(page.locator('#scan-progress'))).not.toContain('scan-upload');
    expect(await page.getByRole('button', { name: t('scan.device.finish') }).isDisabled()).toBe(true);
    await shoot(page, 'device-scan-1-waiting');

    expect(await sendPage(uploadUrl, JPEG, 'p1.jpg')).toBe(202);
    await page.getByText(t('scan.pagesReceived', { n: 1 })).waitFor();
    expect(await sendPage(uploadUrl, makePng(40, 60), 'p2.png')).toBe(202);
    await page.getByText(t('scan.pagesReceived', { n: 2 })).waitFor();
    expect(await page.getByRole('button', { name: t('scan.device.finish') }).isEnabled()).toBe(true);
    await shoot(page, 'device-scan-2-pages');

    await page.locator('#scan-details summary').click();
    await page.locator('#scan-url').waitFor({ state: 'visible' });
    expect(await shownText(page.locator('#scan-url'))).toBe(uploadUrl);
    await shoot(page, 'device-scan-3-details');

    await page.getByRole('button', { name: t('scan.device.finish') }).click();
    const saved = page.locator('#scan-done');
    await saved.waitFor();
    expect(await shownText(saved)).toBe(
      t('scan.done', { name: 'Device scan.pdf', folder: `${t('browse.root.mydrive')} › Scans` }),
    );
    expect(await page.locator('#scan-ticket').isVisible()).toBe(false);
    await shoot(page, 'device-scan-4-saved');

    const [file] = stack.google.findFilesByName('Device scan.pdf');
    expect(await pageCount(stack.google.fileContent(file?.id ?? '') as Buffer)).toBe(2);
    expect(await sendPage(uploadUrl, JPEG, 'p3.jpg')).toBe(410);
    expect(tempFiles()).toEqual([]);
    await ctx.close();
  }, 60_000);

  it('cancels from the panel: the pages are deleted and the link is dead', async () => {
    const ctx = await panelContext(browser);
    const page = await ctx.newPage();
    const uploadUrl = await startTicket(page, 'Canceled scan');
    expect(await sendPage(uploadUrl, JPEG, 'p1.jpg')).toBe(202);
    await page.getByText(t('scan.pagesReceived', { n: 1 })).waitFor();
    expect(tempFiles()).toHaveLength(1);
    await page.getByRole('button', { name: t('scan.device.cancel') }).click();
    await page.getByText(t('scan.device.canceled')).waitFor();
    expect(await page.locator('#scan-again').isVisible()).toBe(true);
    await shoot(page, 'device-scan-5-canceled');
    expect(tempFiles()).toEqual([]);
    expect(await sendPage(uploadUrl, JPEG, 'p2.jpg')).toBe(410);
    expect(stack.google.findFilesByName('Canceled scan.pdf')).toEqual([]);
    await ctx.close();
  }, 60_000);
});
