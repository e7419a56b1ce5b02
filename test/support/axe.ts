import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';

/** One axe-core finding, as much of it as a failing test needs to say what and where. */
export interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  targets: string[];
}

let source: string | null = null;

/**
 * Runs axe-core (WCAG 2.x A and AA rules plus best practices) in the page and returns its violations.
 * The script comes from node_modules, so the page loads nothing from elsewhere.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  source ??= readFileSync(path.resolve('node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  // Evaluated rather than added with addScriptTag: the page's CSP (script-src 'self') refuses inline
  // scripts, and the test must not loosen the CSP it also checks.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(source);
  return page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is a global the injected script defines
    const axe = (window as any).axe;
    const result = await axe.run(document, {
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
      },
      resultTypes: ['violations'],
    });
    // biome-ignore lint/suspicious/noExplicitAny: axe's result shape
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      // biome-ignore lint/suspicious/noExplicitAny: axe's node shape
      targets: v.nodes.map((n: any) => String(n.target.join(' '))),
    }));
  });
}

/** Serious and critical violations only: the ones that stop a person from using the page. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  return (await axeViolations(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export interface SmallTarget {
  element: string;
  text: string;
  width: number;
  height: number;
}

/**
 * Every visible interactive element (link, button, input, select, summary, label of a control, or an
 * element with a role that is clicked) whose box is under `min` px in either direction. Elements
 * scrolled out of a scrolling box still count; hidden ones (display none, hidden, zero size) do not.
 * A checkbox or radio inside a label counts as the label (the label is what a finger hits).
 */
export async function smallTouchTargets(page: Page, min = 44): Promise<SmallTarget[]> {
  return page.evaluate((min) => {
    const selector = [
      'a[href]',
      'button',
      'input:not([type=hidden])',
      'select',
      'textarea',
      'summary',
      '[role=button]',
      '[role=tab]',
      '[role=link]',
      '[tabindex]:not([tabindex="-1"])',
    ].join(',');
    const small: SmallTarget[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>(selector))) {
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none') continue;
      if (el.closest('[hidden]') || el.closest('details:not([open]) > :not(summary)')) continue;
      let box = el.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      const label = el.closest('label');
      if (label && el instanceof HTMLInputElement && ['checkbox', 'radio'].includes(el.type)) {
        box = label.getBoundingClientRect();
      }
      if (box.width < min - 0.5 || box.height < min - 0.5) {
        const id = el.id ? `#${el.id}` : '';
        const cls =
          el.className && typeof el.className === 'string'
            ? `.${el.className.trim().split(/\s+/).join('.')}`
            : '';
        small.push({
          element: `${el.tagName.toLowerCase()}${id}${cls}`,
          text: (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 40),
          width: Math.round(box.width),
          height: Math.round(box.height),
        });
      }
    }
    return small;
  }, min);
}

/** Visible text set smaller than `min` px (details may be 14 px; nothing a person must read is smaller). */
export async function smallText(
  page: Page,
  min = 14,
): Promise<Array<{ element: string; text: string; size: number }>> {
  return page.evaluate((min) => {
    const found: Array<{ element: string; text: string; size: number }> = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = (node.textContent ?? '').trim();
      const el = node.parentElement;
      if (!text || !el || el.closest('script, style, [hidden], .sr-only')) continue;
      const style = getComputedStyle(el);
      if (style.display === 'none' || style.visibility === 'hidden' || el.getClientRects().length === 0)
        continue;
      const size = Number.parseFloat(style.fontSize);
      if (size < min - 0.01) found.push({ element: el.tagName.toLowerCase(), text: text.slice(0, 40), size });
    }
    return found;
  }, min);
}
