import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { type Stack, startStack } from '../../src/dev/stack.js';
import { launchBrowser } from './browser.js';

export interface PanelStack {
  stack: Stack;
  browser: Browser;
  /** Ends the browser and the stack and removes the stack's folder. */
  close(): Promise<void>;
}

/**
 * What a browser suite runs against: the whole product on loopback (the Google double with the
 * consent page, the demo's virtual printers and scanner, the connector) and Debian's Chromium.
 */
export async function startPanelStack(prefix: string, env: Record<string, string> = {}): Promise<PanelStack> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const [stack, browser] = await Promise.all([
    startStack({ dir, autoApprove: false, preferVirtualPrinter: true, logLevel: 'silent', env }),
    launchBrowser(),
  ]);
  return {
    stack,
    browser,
    async close() {
      await browser.close();
      await stack.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
