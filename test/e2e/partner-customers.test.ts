import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { resetClock, setClock } from '../../shared/clock.js';
import type { TestHost } from '../support/host.js';
import { emailFor, invitationLink } from '../support/relationships.js';
import { expectNoAxeViolations, tabThrough } from './audit.js';
import { launchBrowser, screenshot, startSiteHost, watchConsole, type Browser } from './browser.js';
import { devSignIn, invite, putPartner } from './support.js';

/**
 * Customers and relationships, the partner's side, at desktop (1366×900) and phone (390×844) width:
 * partner staff see each customer by name with roles and end date; the expiring tiles count and
 * filter (relationships ending in 1, 5 and 20 days, one expired, one a year away); a customer's
 * details panel with eligibility; a customer asks to end a relationship, the partner sees it on
 * top and terminates it, and the customer's side shows it ended; someone who is not staff is
 * refused. axe-core on every state, keyboard only, screenshots as <width>-<state>.png.
 */
let t: TestHost;
let browser: Browser;
let partner: { id: string; tenantId: string };
const day = 86_400_000;
const customers: Record<string, string> = {};
const relationships: Record<string, string> = {};
const viewports = [
  { name: 'desktop', width: 1366, height: 900, leaving: 'Elm Legal' },
  { name: 'phone', width: 390, height: 844, leaving: 'Fir Studios' },
] as const;

/** A customer admin accepts the partner's invitation, confirming the organization's name. */
async function customer(name: string, duration: string): Promise<void> {
  const tenant = randomUUID();
  const invitation = await invite(t, partner, tenant, { duration });
  const { code } = invitationLink(await emailFor(t, `invitation:${invitation.id}:`));
  const accepted = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
    method: 'POST',
    token: await t.token('global-admin', tenant, { name: 'Grace Admin' }),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, acceptAgreement: true, agreementVersion: '2024-10', customerName: name }),
  });
  expect(accepted.status, await accepted.clone().text()).toBe(200);
  customers[name] = tenant;
  relationships[name] = ((await accepted.json()) as { relationship: { id: string } }).relationship.id;
}

beforeAll(async () => {
  t = await startSiteHost();
  partner = await putPartner(t, 'heron-partners', { displayName: 'Heron Partners' });
  setClock(new Date(Date.now() - 3 * day));
  await customer('Dune Retail', 'P1D');
  resetClock();
  await customer('Alder Foods', 'P1D');
  await customer('Birch Logistics', 'P5D');
  await customer('Cedar Clinics', 'P20D');
  for (const { leaving } of viewports) await customer(leaving, 'P365D');
  browser = await launchBrowser();
});

afterAll(async () => {
  resetClock();
  await browser?.close();
  await t?.stop();
});

const rowNames = async (page: Page) =>
  (await page.locator('.data-table tbody tr:not(.skeleton-row) .relationship-partner').allTextContents()).sort();

/** Whether the element has the focus (browser code: the tests compile without the DOM's types). */
const isFocused = (element: { ownerDocument: { activeElement: unknown } }) =>
  element === element.ownerDocument.activeElement;

const tile = (page: Page, label: string) => page.getByRole('button', { name: new RegExp(`${label}$`) });

describe.each(viewports)('Customers and relationships at $name width ($width×$height)', (viewport) => {
  let page: Page;
  let problems: string[];
  const check = async (state: string) => {
    await expectNoAxeViolations(page, `${viewport.name} ${state}`);
    await expect(
      page.evaluate<number>('document.documentElement.scrollWidth'),
      `${state} scrolls sideways`,
    ).resolves.toBeLessThanOrEqual(viewport.width);
    await screenshot(page, `${viewport.width}-${state}`);
  };
  const loaded = () => page.locator('.data-table:not([aria-busy])').waitFor();

  beforeAll(async () => {
    page = await browser.newPage({ width: viewport.width, height: viewport.height });
    problems = watchConsole(page);
  });
  afterAll(() => page.close());

  it('shows partner staff every customer by name with type, roles, status and roles end date, and the expiring tiles with their counts', async () => {
    await page.goto(`${t.url}/partner/customers`);
    await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
    await page.locator('#dev-role option[value="partner-of:heron-partners"]').waitFor({ state: 'attached' });
    await page.getByLabel('Role').selectOption({ label: 'Partner staff of Heron Partners' });
    await page.getByLabel('Name (optional)').fill('Kim Staff');
    await page.getByRole('button', { name: 'Sign in (development)' }).click();
    await loaded();
    expect(await rowNames(page)).toEqual(
      ['Alder Foods', 'Birch Logistics', 'Cedar Clinics', 'Dune Retail', 'Elm Legal', 'Fir Studios'].sort(),
    );
    const cedar =
      (await page.locator(`tr[data-relationship-id="${relationships['Cedar Clinics']}"]`).textContent()) ?? '';
    expect(cedar).toContain(customers['Cedar Clinics']);
    expect(cedar).toContain('Helpdesk Administrator');
    expect(cedar).toContain('User Administrator');
    expect(cedar).toContain('Active');
    const ends = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(
      new Date(Date.now() + 20 * day),
    );
    expect(cedar).toContain(ends);
    const dune = (await page.locator(`tr[data-relationship-id="${relationships['Dune Retail']}"]`).textContent()) ?? '';
    expect(dune).toContain('Admin roles expired');

    const counts = Object.fromEntries(
      await Promise.all(
        ['Ending in 1 day', 'Ending in 7 days', 'Ending in 30 days', 'Expired in the last year'].map(
          async (label) => [label, await tile(page, label).locator('.tile-count').textContent()] as const,
        ),
      ),
    );
    expect(counts).toEqual({
      'Ending in 1 day': '1',
      'Ending in 7 days': '2',
      'Ending in 30 days': '3',
      'Expired in the last year': '1',
    });
    // Terminate waits for a selection, and says so.
    const terminate = page.getByRole('toolbar', { name: 'Commands' }).getByRole('button', { name: 'Terminate' });
    await expect(terminate.getAttribute('aria-disabled')).resolves.toBe('true');
    await check('50-partner-customers');

    // Keyboard only: from the top, through the navigation to the tiles and the table; nothing covers the focus.
    await page.locator('body').focus();
    const visited = await tabThrough(page, 16);
    expect(visited.some((v) => v.includes('Ending in 7 days'))).toBe(true);
    expect(visited.some((v) => v.includes('Terminate'))).toBe(true);
    expect(problems).toEqual([]);
  });

  it('filters the table by a tile, keeps the filter in the address to link it, and shows all again', async () => {
    await tile(page, 'Ending in 7 days').click();
    await loaded();
    await expect(tile(page, 'Ending in 7 days').getAttribute('aria-pressed')).resolves.toBe('true');
    expect(new URL(page.url()).searchParams.get('expiry')).toBe('7d');
    expect(await rowNames(page)).toEqual(['Alder Foods', 'Birch Logistics']);
    await check('51-partner-customers-ending-in-7-days');

    await tile(page, 'Expired in the last year').click();
    await loaded();
    expect(await rowNames(page)).toEqual(['Dune Retail']);
    await tile(page, 'Expired in the last year').click();
    await loaded();
    expect(new URL(page.url()).searchParams.has('expiry')).toBe(false);
    expect(await rowNames(page)).toHaveLength(6);

    // The link a 30-day reminder email sends.
    await page.goto(`${t.url}/partner/customers?expiry=30d`);
    await loaded();
    await expect(tile(page, 'Ending in 30 days').getAttribute('aria-pressed')).resolves.toBe('true');
    expect(await rowNames(page)).toEqual(['Alder Foods', 'Birch Logistics', 'Cedar Clinics']);
    await page.goto(`${t.url}/partner/customers?expiry=1d`);
    await loaded();
    expect(await rowNames(page)).toEqual(['Alder Foods']);
    expect(problems).toEqual([]);
  });

  it('opens a customer’s details with eligibility, roles and history in a panel that keeps the focus and gives it back', async () => {
    await page.goto(`${t.url}/partner/customers`);
    await loaded();
    const opener = page.locator(`tr[data-relationship-id="${relationships['Cedar Clinics']}"] .relationship-item`);
    await opener.click();
    const details = page.locator('.relationship-details');
    await details.getByRole('heading', { name: 'Cedar Clinics' }).waitFor();
    const overview = (await details.textContent()) ?? '';
    expect(overview).toContain(customers['Cedar Clinics']);
    // Delegated administration manages with admin roles; it does not sell.
    expect(overview).toContain('May purchase subscriptions');
    expect(overview).toContain('No: the relationship type does not allow it.');
    expect(overview).toContain('May manage subscriptions and servicesYes');
    await check('52-customer-details-overview');
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      await expect(page.evaluate('Boolean(document.activeElement?.closest("dialog.flyout"))')).resolves.toBe(true);
    }
    await details.getByRole('tab', { name: /^Roles/ }).click();
    await details.locator('#tabpanel-roles strong', { hasText: 'Helpdesk Administrator' }).waitFor();
    await check('53-customer-details-roles');
    await details.getByRole('tab', { name: /^History/ }).click();
    await check('54-customer-details-history');
    await page.keyboard.press('Escape');
    await expect(page.locator('dialog.flyout').isVisible()).resolves.toBe(false);
    await expect(opener.evaluate(isFocused)).resolves.toBe(true);
    expect(problems).toEqual([]);
  });

  it('puts a customer’s termination request on top; the partner terminates it and the customer sees it ended', async () => {
    const leaving = viewport.leaving;
    const tenant = customers[leaving]!;
    const asked = await t.fetch(
      `/api/customers/${tenant}/relationships/${relationships[leaving]}/termination-request`,
      {
        method: 'POST',
        token: await t.token('global-admin', tenant, { name: 'Grace Admin' }),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'We moved our IT in house.' }),
      },
    );
    expect(asked.status, await asked.clone().text()).toBe(200);
    // The email's link opens the customer's details, Terminate at hand.
    const email = await emailFor(t, `termination-requested:${relationships[leaving]}`);
    const link = /https?:\/\/\S+\/partner\/customers\?relationship=[\w-]+/.exec(email.text)?.[0];
    expect(link, email.text).toBe(`${t.url}/partner/customers?relationship=${relationships[leaving]}`);
    await page.goto(link!);
    const details = page.locator('.relationship-details');
    await details.getByRole('heading', { name: leaving }).waitFor();
    await details.getByRole('button', { name: 'Terminate' }).waitFor();
    await page.keyboard.press('Escape');
    await loaded();
    const requests = page.locator('.termination-requests');
    await requests.getByRole('heading', { name: '1 customer asks you to end the relationship' }).waitFor();
    await expect(requests.textContent()).resolves.toContain(leaving);
    await check('55-termination-request-on-top');

    // The question: verbs, focus on the safe answer and kept inside, Escape closes and gives the focus back.
    const end = requests.getByRole('button', { name: `Terminate the relationship with ${leaving}` });
    await end.click();
    const dialog = page.getByRole('dialog', { name: 'Terminate relationship?' });
    await dialog.waitFor();
    await expect(page.evaluate('document.activeElement?.textContent')).resolves.toBe('Cancel');
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      await expect(page.evaluate('Boolean(document.activeElement?.closest("dialog"))')).resolves.toBe(true);
    }
    await check('56-terminate-question');
    await page.keyboard.press('Escape');
    await expect(dialog.count()).resolves.toBe(0);
    await expect(end.evaluate(isFocused)).resolves.toBe(true);

    await end.click();
    await dialog.getByRole('button', { name: 'Terminate' }).click();
    await page.getByText(`The relationship with ${leaving} is terminated.`).waitFor();
    await expect(requests.isVisible()).resolves.toBe(false);
    const row = page.locator(`tr[data-relationship-id="${relationships[leaving]}"]`);
    await expect(row.locator('.status-cell').textContent()).resolves.toBe('Ended');
    await check('57-terminated');
    expect(problems).toEqual([]);

    const customerPage = await browser.newPage({ width: viewport.width, height: viewport.height });
    try {
      await customerPage.goto(`${t.url}/partners`);
      await devSignIn(customerPage, tenant, 'global-admin', 'Grace Admin');
      const theirs = customerPage.locator(`tr[data-relationship-id="${relationships[leaving]}"]`);
      await theirs.waitFor();
      await expect(theirs.textContent()).resolves.toContain('Heron Partners');
      await expect(theirs.locator('.status-cell').textContent()).resolves.toBe('Ended');
    } finally {
      await customerPage.close();
    }
  });

  it('refuses someone who is not the partner’s staff', async () => {
    const stranger = await browser.newPage({ width: viewport.width, height: viewport.height });
    const staff = page;
    try {
      page = stranger;
      await stranger.goto(`${t.url}/partner/customers`);
      await devSignIn(stranger, customers['Alder Foods']!, 'global-admin', 'Grace Admin');
      await stranger.getByText(/who is not staff of a partner in the directory/).waitFor();
      await expect(stranger.locator('table').count()).resolves.toBe(0);
      await check('58-partner-customers-not-staff');
    } finally {
      page = staff;
      await stranger.close();
    }
  });
});

describe('the Customers and relationships page itself', () => {
  it('runs no inline script under the strict CSP', async () => {
    const response = await t.fetch('/partner/customers');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self';");
    const html = await response.text();
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toMatch(/<script type="module" src="\/assets\/app\.js\?v=[\w-]{12}"><\/script>/);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/i);
  });
});
