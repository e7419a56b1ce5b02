import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../src/dev/stack.js';
import { hasChromium, panelContext, shoot, shownText, signInAs } from '../support/browser.js';
import { type PanelStack, startPanelStack } from '../support/panel-stack.js';

const en = JSON.parse(readFileSync(path.resolve('views', 'locales', 'en.json'), 'utf8')) as Record<
  string,
  string
>;
const t = (key: string): string => {
  const text = en[key];
  if (text === undefined) throw new Error(`no text ${key} in the catalog`);
  return text;
};

// A short idle time (35 s, the warning shows 30 s before the end) so the warning and the
// sign-out it announces can be watched in a real browser.
describe.skipIf(!hasChromium())('panel in a browser: the idle warning and the idle sign-out', () => {
  let stack: Stack;
  let suite: PanelStack | undefined;
  let browser: Browser;

  beforeAll(async () => {
    suite = await startPanelStack('dpc-panel-idle-', {
      SESSION_IDLE_SECONDS: '35',
      SESSION_MAX_SECONDS: '3600',
    });
    ({ stack, browser } = suite);
  });
  afterAll(async () => {
    await suite?.close();
  });

  it('warns before the idle sign-out, "Stay signed in" keeps the session, and an idle panel is signed out', async () => {
    // Two panels at once: one is left alone until it is signed out, the other answers the warning.
    const idleCtx = await panelContext(browser);
    const activeCtx = await panelContext(browser);
    try {
      const idle = await idleCtx.newPage();
      const active = await activeCtx.newPage();
      const issued = stack.google.issuedTokens.length;
      await signInAs(idle, stack.url);
      const idleToken = stack.google.issuedTokens[issued]?.accessToken as string;
      await signInAs(active, stack.url);

      const warning = active.locator('#idle-warning');
      await warning.waitFor({ state: 'visible', timeout: 10_000 });
      expect(await shownText(warning)).toMatch(/You will be signed out in \d+ seconds/);
      await shoot(active, '18-idle-warning');
      await warning.getByRole('button', { name: t('session.stay') }).click();
      await warning.waitFor({ state: 'hidden' });
      expect((await activeCtx.cookies(stack.url)).length).toBe(1);
      expect(active.url()).toBe(`${stack.url}/browse`);

      // The untouched panel: its warning shows, then it signs out and returns to the start page.
      await idle.locator('#idle-warning').waitFor({ state: 'visible' });
      await idle.waitForURL(/\/\?signin=expired/, { timeout: 45_000 });
      expect(await shownText(idle.locator('.notice'))).toBe(t('signin.expired'));
      await idle.locator('#signin').waitFor();
      await shoot(idle, '19-idle-signed-out');
      // Revoked by the page's own sign-out call or, when its cookie expired first, by the server's
      // session reaper (every 5 s).
      const revoked = async () => {
        for (let i = 0; i < 100 && !stack.google.revokedTokens.includes(idleToken); i++)
          await new Promise((r) => setTimeout(r, 100));
        return stack.google.revokedTokens.includes(idleToken);
      };
      expect(await revoked()).toBe(true);
      expect(stack.google.isTokenValid(idleToken)).toBe(false);
      await idle.goto(`${stack.url}/browse`);
      await idle.locator('#signin').waitFor();

      // The panel that stayed is still signed in (its own idle time started again at "Stay").
      await active.reload();
      expect(active.url()).toBe(`${stack.url}/browse`);
      await active.locator('ul.files').waitFor();
    } finally {
      await idleCtx.close();
      await activeCtx.close();
    }
  }, 60_000);
});
