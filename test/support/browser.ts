import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';

/** Debian's chromium; CI installs it. Playwright never downloads a browser here. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The text a person sees in an element (rendered, so hidden parts are left out), spaces squashed. */
export async function shownText(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText is the rendered text, as intended
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

/** The two panel sizes the connector is built for. */
export const PANEL_SMALL = { width: 800, height: 480 } as const;
export const PANEL_LARGE = { width: 1024, height: 600 } as const;

export const SCREENSHOT_DIR = path.resolve('test-output', 'screenshots');

/** A fresh context sized like the small panel (a touch screen, English unless told otherwise). */
export async function panelContext(
  browser: Browser,
  options: { locale?: string } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { ...PANEL_SMALL },
    hasTouch: true,
    locale: options.locale ?? 'en-US',
  });
  // Two browser suites, LibreOffice and the printers share two cores in CI: allow a slow step.
  context.setDefaultTimeout(60_000);
  context.setDefaultNavigationTimeout(60_000);
  return context;
}

/**
 * Signs in as a person would: the start page (for the panel's printer), "Sign in with Google",
 * then "Continue as <name>" on the Google double's account chooser; ends on the browse page.
 */
export async function signInAs(
  page: Page,
  connectorUrl: string,
  options: { name?: string; printer?: string; onConsent?: (page: Page) => Promise<void> } = {},
): Promise<void> {
  await page.goto(`${connectorUrl}/?printer=${encodeURIComponent(options.printer ?? 'demo')}`);
  await page.locator('#signin').click();
  const account = page.getByRole('button', {
    name: new RegExp(`^Continue as ${options.name ?? 'Alice Example'}`),
  });
  await account.waitFor();
  await options.onConsent?.(page);
  await account.click();
  await page.waitForURL(`${connectorUrl}/browse`);
}

/**
 * Screenshots of what the panel shows now, at 800x480 and at 1024x600, named by step
 * (test-output/screenshots/<step>-800x480.png). The viewport is put back afterwards.
 */
export async function shoot(page: Page, step: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const before = page.viewportSize() ?? PANEL_SMALL;
  for (const size of [PANEL_SMALL, PANEL_LARGE]) {
    await page.setViewportSize(size);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${step}-${size.width}x${size.height}.png`) });
  }
  await page.setViewportSize(before);
}
