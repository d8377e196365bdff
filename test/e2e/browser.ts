import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startTestHost, type TestHost, type TestHostOptions } from '../support/host.js';

/** Debian's Chromium (`apt-get install -y chromium`; .ci/run installs it when missing). */
export const chromiumPath = '/usr/bin/chromium';
export const screenshotDir = resolve('test-results/screenshots');

const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];

export interface Browser {
  context: BrowserContext;
  newPage(options?: { width?: number; height?: number }): Promise<Page>;
  close(): Promise<void>;
}

/** Chromium with a fresh profile of its own; `javaScript: false` is a browser with scripts off. */
export async function launchBrowser(options: { javaScript?: boolean } = {}): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'partner-relationships-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    javaScriptEnabled: options.javaScript ?? true,
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  context.setDefaultTimeout(15_000);
  return {
    context,
    newPage: async ({ width = 1280, height = 900 } = {}) => {
      const page = await context.newPage();
      await page.setViewportSize({ width, height });
      return page;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** The widths every page is checked at: a laptop and a phone. */
export const viewports = [
  { name: 'desktop', width: 1366, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

/** Saves a full-page screenshot as test-results/screenshots/<name>.png (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * The test host on a port PUBLIC_BASE_URL names, so links in emails and the thank-you redirect
 * lead the browser back to it, as they do in a real deployment.
 */
export async function startSiteHost(options: TestHostOptions = {}): Promise<TestHost> {
  const port = await freePort();
  return startTestHost({ ...options, port, env: { PUBLIC_BASE_URL: `http://localhost:${port}`, ...options.env } });
}

/** Fails the test on any script error or CSP violation the page reports. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 4\d\d/.test(message.text()))
      problems.push(`console: ${message.text()}`);
  });
  return problems;
}

/** A site host and a browser started before a file's tests and stopped after them; read them once started. */
export function siteAndBrowserForFile(): { readonly t: TestHost; readonly browser: Browser } {
  let t: TestHost | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startSiteHost(), launchBrowser()]);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), t?.stop()]);
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the site host and browser start in beforeAll');
    return value;
  };
  return {
    get t() {
      return started(t);
    },
    get browser() {
      return started(browser);
    },
  };
}
