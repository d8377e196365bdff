import axe from 'axe-core';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshot, type Browser } from './browser.js';

/** WCAG 2.2 A and AA rules (axe-core tags). */
const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

/**
 * axe-core on the page as it stands, under the page's own CSP: the engine is evaluated through the
 * DevTools protocol (as a person's browser extension would run), not added as a script the CSP
 * would have to allow. Fails naming each violation, its rule and the elements.
 */
export async function expectNoAxeViolations(page: Page, state: string): Promise<void> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(axe.source);
  // Browser code as a string: the tests compile without the DOM's types.
  const violations = await page.evaluate<{ id: string; help: string; nodes: { target: unknown[] }[] }[]>(`
    window.axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(wcagTags)} }, resultTypes: ['violations'] })
      .then((result) => result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))
  `);
  expect(
    violations.map(
      (v) => `${state}: ${v.id} (${v.help}) at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`,
    ),
  ).toEqual([]);
}

/**
 * Keyboard only: presses Tab `presses` times (or until the focus comes back to the start) and
 * checks each focused element shows a focus indicator and is not hidden under a sticky or fixed
 * element (what is at its centre is it, or inside it). Returns what received the focus, in order.
 */
export async function tabThrough(page: Page, presses: number): Promise<string[]> {
  const visited: string[] = [];
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate<{ name: string; uncovered: boolean; indicator: boolean } | null>(`(() => {
      const element = document.activeElement;
      if (!element || element === document.body) return null;
      const rect = element.getBoundingClientRect();
      const x = Math.min(Math.max(rect.left + rect.width / 2, 0), innerWidth - 1);
      const y = Math.min(Math.max(rect.top + rect.height / 2, 0), innerHeight - 1);
      const top = document.elementFromPoint(x, y);
      const style = getComputedStyle(element);
      const text = (element.textContent || '').trim().slice(0, 40) || element.getAttribute('aria-label') || element.getAttribute('name') || '';
      return {
        name: element.tagName.toLowerCase() + (element.id ? '#' + element.id : '') + ' “' + text + '”',
        uncovered: top !== null && (top === element || element.contains(top) || top.contains(element) || Boolean(element.shadowRoot && element.shadowRoot.contains(top))),
        indicator: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
      };
    })()`);
    if (!focus) continue;
    expect(focus.indicator, `focus indicator on ${focus.name}`).toBe(true);
    expect(focus.uncovered, `${focus.name} is covered by another element`).toBe(true);
    visited.push(focus.name);
  }
  return visited;
}

/**
 * One state of a page at one width: axe-core finds nothing, nothing scrolls sideways, and its
 * screenshot lands in test-results/screenshots/<file>.png (by default <width>-<state>).
 */
export async function checkState(
  page: Page,
  viewport: { name: string; width: number },
  state: string,
  file = `${viewport.width}-${state}`,
): Promise<void> {
  await expectNoAxeViolations(page, `${viewport.name} ${state}`);
  await expect(
    page.evaluate<number>('document.documentElement.scrollWidth'),
    `${state} scrolls sideways`,
  ).resolves.toBeLessThanOrEqual(viewport.width);
  await screenshot(page, file);
}

/**
 * One state of a page a browser with JavaScript off shows, checked by axe (which needs scripts) in
 * the scripts-on `twins` browser holding the same cookies, at the same URL. `serverHtml`: the page's
 * own scripts are not loaded, so axe sees the HTML the server sent, not what app.js would draw.
 * `replay`: the page is a form post's answer, which loading its URL would not show, so the twin gets
 * the same document with that status, under the CSP the server sends at `replay.cspPath`.
 */
export async function checkStateWithoutScripts(
  page: Page,
  browsers: { noScripts: Browser; twins: Browser },
  viewport: { name: string; width: number; height: number },
  state: string,
  file: string,
  options: { serverHtml?: boolean; replay?: { status: number; csp: string } } = {},
): Promise<void> {
  await browsers.twins.context.clearCookies();
  await browsers.twins.context.addCookies(await browsers.noScripts.context.cookies());
  const twin = await browsers.twins.newPage(viewport);
  try {
    if (options.serverHtml) await twin.route(/\.js(\?|$)/, (route) => route.abort());
    const { replay } = options;
    if (replay) {
      expect(replay.csp).toMatch(/script-src 'self'/);
      const body = await page.content();
      await twin.route(page.url(), (route) =>
        route.fulfill({
          status: replay.status,
          contentType: 'text/html',
          headers: { 'content-security-policy': replay.csp },
          body,
        }),
      );
    }
    await twin.goto(page.url());
    await checkState(twin, viewport, state, file);
  } finally {
    await twin.close();
  }
}
