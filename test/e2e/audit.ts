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
 * Where the keyboard focus is, as a browser expression (the tests compile without the DOM's
 * types): its name, whether it shows a focus indicator (an outline, or a box-shadow it lacks
 * unfocused; inside a component, its shadow root's focused part counts), whether nothing covers it
 * (what is at its centre is it or inside it: the top bar, Find a partner's sticky selection bar and
 * the backdrop of an open dialog all count as covering), and whether it is inside the topmost open
 * dialog. Null when nothing has the focus.
 */
const focusNow = `(() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const part = (element.shadowRoot && element.shadowRoot.activeElement) || element;
  const rect = element.getBoundingClientRect();
  const x = Math.min(Math.max(rect.left + rect.width / 2, 0), innerWidth - 1);
  const y = Math.min(Math.max(rect.top + rect.height / 2, 0), innerHeight - 1);
  const top = document.elementFromPoint(x, y);
  const shows = (e) => { const s = getComputedStyle(e); return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0; };
  let indicator = shows(part) || shows(element);
  if (!indicator) {
    const focused = getComputedStyle(part).boxShadow;
    part.blur();
    const unfocused = getComputedStyle(part).boxShadow;
    part.focus();
    indicator = focused !== 'none' && focused !== unfocused;
  }
  const text = (element.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40) || element.getAttribute('aria-label') || element.getAttribute('name') || '';
  const dialogs = [...document.querySelectorAll('dialog[open]')];
  const dialog = dialogs[dialogs.length - 1];
  return {
    name: element.tagName.toLowerCase() + (element.id ? '#' + element.id : '') + ' “' + text + '”',
    uncovered: top !== null && (top === element || element.contains(top) || top.contains(element) || Boolean(element.shadowRoot && element.shadowRoot.contains(top))),
    indicator,
    style: [getComputedStyle(part).outlineStyle, getComputedStyle(part).outlineWidth, part.matches(':focus'), part.matches(':focus-visible'), getComputedStyle(part).boxShadow].join(' '),
    inDialog: dialog ? dialog.contains(element) : null,
  };
})()`;

/**
 * Waits until a browser expression is true. Through the DevTools protocol, as `page.evaluate` is:
 * Playwright's `waitForFunction` evaluates a string with `eval`, which the pages' CSP refuses.
 */
export async function until(page: Page, expression: string, what: string): Promise<void> {
  await expect.poll(() => page.evaluate<boolean>(expression), { message: what, timeout: 15_000 }).toBe(true);
}

type Focus = { name: string; style: string; uncovered: boolean; indicator: boolean; inDialog: boolean | null };

/** Presses `key` and checks what then has the focus shows it and is not covered; null when nothing has it. */
async function pressAndCheck(page: Page, key: string): Promise<Focus | null> {
  await page.keyboard.press(key);
  const focus = await page.evaluate<Focus | null>(focusNow);
  if (!focus) return null;
  expect(focus.indicator, `focus indicator on ${focus.name} (${focus.style})`).toBe(true);
  expect(focus.uncovered, `${focus.name} is covered by another element`).toBe(true);
  return focus;
}

/**
 * Keyboard only: presses Tab `presses` times and checks each focused element shows a focus
 * indicator and is not hidden under a sticky or fixed element. Returns what received the focus, in order.
 */
export async function tabThrough(page: Page, presses: number): Promise<string[]> {
  const visited: string[] = [];
  for (let i = 0; i < presses; i++) {
    const focus = await pressAndCheck(page, 'Tab');
    if (focus) visited.push(focus.name);
  }
  return visited;
}

/**
 * The whole page by keyboard, from the top: Tab until the focus comes round to where it started
 * (at most `limit` presses), then Shift+Tab back through the same number of stops; every stop
 * shows its focus and nothing covers it. Returns the stops going forward.
 */
export async function walkWithKeyboard(page: Page, limit = 150): Promise<string[]> {
  // From the top of the page, wherever the page put the focus: a stop before everything, taken away once left.
  await page.evaluate(
    "(() => { const start = document.createElement('span'); start.id = 'keyboard-start'; start.tabIndex = -1; document.body.prepend(start); start.focus(); window.scrollTo(0, 0); })()",
  );
  const visited: string[] = [];
  for (let i = 0; i < limit; i++) {
    const focus = await pressAndCheck(page, 'Tab');
    if (i === 0) await page.evaluate("document.getElementById('keyboard-start').remove()");
    if (!focus) continue;
    if (visited.length > 1 && focus.name === visited[0]) break;
    visited.push(focus.name);
  }
  expect(visited.length, 'the keyboard reaches something on the page').toBeGreaterThan(0);
  for (let i = 0; i < Math.min(visited.length, 12); i++) await pressAndCheck(page, 'Shift+Tab');
  return visited;
}

/**
 * A dialog or panel opened from the focused element with `open` (a key, e.g. Enter): the focus is
 * inside it; Tab and Shift+Tab go round its controls and never leave it (from the last Tab goes to
 * the first, from the first Shift+Tab to the last); `close` (Escape, or a key press on a button
 * such as Cancel) shuts it and the focus is back on the control that opened it.
 */
export async function expectDialogKeepsFocus(
  page: Page,
  what: string,
  options: { open: string; close: { key: 'Escape' } | { button: string } },
): Promise<void> {
  const opener = await page.evaluate<Focus | null>(focusNow);
  expect(opener, `${what}: the opener has the focus`).not.toBeNull();
  await page.keyboard.press(options.open);
  // The dialog may move the focus in after drawing what it loaded.
  await until(
    page,
    '(() => { const d = [...document.querySelectorAll("dialog[open]")].pop(); return Boolean(d && d.contains(document.activeElement) && !d.querySelector(".loading, .skeleton")); })()',
    `${what} opens with the focus inside`,
  );
  // Tab until the first stop comes round again (so from the last it went to the first), then
  // Shift+Tab as many times: every press leaves the focus inside.
  const forward: string[] = [];
  for (let i = 0; i < 60; i++) {
    const focus = await pressAndCheck(page, 'Tab');
    expect(focus?.inDialog, `${what}: Tab keeps the focus in the dialog (${focus?.name ?? 'nothing'})`).toBe(true);
    if (focus && focus.name === forward[0]) break;
    if (focus) forward.push(focus.name);
  }
  expect(forward.length, `${what}: Tab goes round ${forward.join(', ')}`).toBeLessThan(60);
  for (let i = 0; i <= forward.length; i++) {
    const focus = await pressAndCheck(page, 'Shift+Tab');
    expect(focus?.inDialog, `${what}: Shift+Tab keeps the focus in the dialog (${focus?.name ?? 'nothing'})`).toBe(
      true,
    );
  }
  const close = options.close;
  if ('key' in close) await page.keyboard.press(close.key);
  else {
    for (let i = 0; i <= forward.length; i++) {
      const focus = await page.evaluate<Focus | null>(focusNow);
      if (focus?.name.includes(`“${close.button}”`)) break;
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
  }
  // Some panels draw their list again on closing, then give the focus back.
  await expect
    .poll(async () => (await page.evaluate<Focus | null>(focusNow))?.name, {
      message: `${what}: closing gives the focus back to its opener`,
    })
    .toBe(opener?.name);
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
