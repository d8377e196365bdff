import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { TestHost } from '../support/host.js';
import { emailFor, invitationLink } from '../support/relationships.js';
import { expectNoAxeViolations } from './audit.js';
import { launchBrowser, screenshot, startSiteHost, watchConsole, type Browser } from './browser.js';
import { devSignIn, invite, putPartner, sendContactRequest } from './support.js';

/**
 * Export in the command bar: partner staff download their customers (all, then one expiry tile)
 * and their leads; a customer admin downloads the partners with access and the audit log. Each
 * download is the CSV of what the table shows: parsed back, the same rows. axe-core after each.
 */
let t: TestHost;
let partnerBrowser: Browser;
let customerBrowser: Browser;
let otter: { id: string; tenantId: string };
let pike: { id: string; tenantId: string };
const shared = randomUUID();
const today = new Date().toISOString().slice(0, 10);

/** A customer admin accepts the partner's invitation, confirming the organization's name. */
async function accept(partner: { id: string; tenantId: string }, tenant: string, name: string, duration: string) {
  const invitation = await invite(t, partner, tenant, { duration });
  const { code } = invitationLink(await emailFor(t, `invitation:${invitation.id}:`));
  const accepted = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
    method: 'POST',
    token: await t.token('global-admin', tenant, { name: 'Grace Admin' }),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, acceptAgreement: true, agreementVersion: '2024-10', customerName: name }),
  });
  expect(accepted.status, await accepted.clone().text()).toBe(200);
}

beforeAll(async () => {
  t = await startSiteHost();
  otter = await putPartner(t, 'otter-partners', { displayName: 'Otter Partners' });
  pike = await putPartner(t, 'pike-partners', { displayName: 'Pike Partners' });
  await accept(otter, shared, 'Quill Retail', 'P365D');
  await accept(pike, shared, 'Quill Retail', 'P180D');
  // A name a spreadsheet would run as a formula, ending within a week.
  await accept(otter, randomUUID(), '=1+2 Holdings', 'P5D');
  await accept(otter, randomUUID(), 'Reed Clinics', 'P365D');
  await sendContactRequest(t, otter.id, 'Rita Requester', 'We want to move our mail and files to the cloud.');
  await sendContactRequest(t, otter.id, 'Sam Seeker', 'We need help with licences for fifty people.');
  [partnerBrowser, customerBrowser] = await Promise.all([launchBrowser(), launchBrowser()]);
});

afterAll(async () => {
  await Promise.all([partnerBrowser?.close(), customerBrowser?.close()]);
  await t?.stop();
});

/** Clicks Export in the command bar and reads the file the browser saved, by its header line. */
async function exported(page: Page): Promise<{ name: string; rows: Record<string, string>[] }> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('toolbar', { name: 'Commands' }).getByRole('button', { name: 'Export' }).click(),
  ]);
  const bytes = await readFile(await download.path());
  expect([...bytes.subarray(0, 3)], 'UTF-8 byte-order mark').toEqual([0xef, 0xbb, 0xbf]);
  await page.locator('.status-message').getByText(`${download.suggestedFilename()} is in your downloads`).waitFor();
  const rows: Record<string, string>[] = parse(bytes, { bom: true, columns: true });
  return { name: download.suggestedFilename(), rows };
}

/** `read` of each element the locator finds, in page order. */
async function eachOf<T>(locator: Locator, read: (element: Locator) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: await locator.count() }, (_, i) => read(locator.nth(i))));
}

const check = async (page: Page, state: string) => {
  await expectNoAxeViolations(page, state);
  await screenshot(page, `1366-${state}`);
};

describe('Export on the partner pages', () => {
  let page: Page;
  let problems: string[];
  beforeAll(async () => {
    page = await partnerBrowser.newPage({ width: 1366, height: 900 });
    problems = watchConsole(page);
  });
  afterAll(() => page.close());
  const loaded = () => page.locator('.data-table:not([aria-busy])').waitFor();

  /** The table's rows by relationship id: customer and roles as the page shows them. */
  const tableRows = () =>
    eachOf(page.locator('.data-table tbody tr[data-relationship-id]'), async (row) => ({
      id: await row.getAttribute('data-relationship-id'),
      customer: await row.locator('.relationship-partner').textContent(),
      roles: await row.locator('.roles-cell').textContent(),
    }));

  it('downloads every customer the table shows, then only the chosen tile’s, as CSV with names for type and roles', async () => {
    await page.goto(`${t.url}/partner/customers`);
    await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
    await page.locator(`#dev-role option[value="partner-of:${otter.id}"]`).waitFor({ state: 'attached' });
    await page.getByLabel('Role').selectOption({ label: 'Partner staff of Otter Partners' });
    await page.getByRole('button', { name: 'Sign in (development)' }).click();
    await loaded();
    const shown = await tableRows();
    expect(shown).toHaveLength(3);

    const all = await exported(page);
    expect(all.name).toBe(`relationships-${otter.id}-${today}.csv`);
    const byId = new Map(all.rows.map((r) => [r.relationshipId, r]));
    expect([...byId.keys()].sort()).toEqual(shown.map((r) => r.id).sort());
    for (const row of shown) {
      const line = byId.get(row.id ?? '');
      // The spreadsheet shows the formula-looking name as text: an apostrophe first.
      expect(line?.customerName?.replace(/^'(?=[=+\-@])/, '')).toBe(row.customer);
      expect(line?.roles?.replaceAll('; ', ', ')).toBe(row.roles);
      expect(line).toMatchObject({ type: 'Delegated administrator', partnerName: 'Otter Partners', status: 'active' });
    }
    expect(all.rows.map((r) => r.customerName)).toContain("'=1+2 Holdings");
    await check(page, '70-partner-customers-exported');

    await page.getByRole('button', { name: /Ending in 7 days$/ }).click();
    await loaded();
    const ending = await exported(page);
    expect(ending.rows.map((r) => r.relationshipId)).toEqual((await tableRows()).map((r) => r.id));
    expect(ending.rows.map((r) => r.customerName)).toEqual(["'=1+2 Holdings"]);
    expect(problems).toEqual([]);
  });

  it('downloads the leads the table shows, with what a sales person needs', async () => {
    await page.goto(`${t.url}/partner/leads`);
    const names = page.locator('.data-table tbody tr[data-id] th button');
    await names.first().waitFor();
    const shown = await names.allTextContents();
    const { name, rows } = await exported(page);
    expect(name).toBe(`leads-${otter.id}-${today}.csv`);
    expect(rows.map((r) => r.contactName)).toEqual(shown);
    expect(rows[0]).toMatchObject({
      contactName: 'Sam Seeker',
      organization: 'Fabrikam Foods',
      email: 'rita@fabrikam.example',
      status: 'new',
      needs: 'We need help with licences for fifty people.',
      partnersContacted: '1',
    });
    await check(page, '71-partner-leads-exported');
    expect(problems).toEqual([]);
  });
});

describe('Export on the customer pages', () => {
  let page: Page;
  let problems: string[];
  beforeAll(async () => {
    page = await customerBrowser.newPage({ width: 1366, height: 900 });
    problems = watchConsole(page);
  });
  afterAll(() => page.close());

  it('downloads the partners with access to the organization, as the table lists them', async () => {
    await page.goto(`${t.url}/partners`);
    await devSignIn(page, shared, 'global-admin', 'Grace Admin');
    const rows = page.locator('.data-table tbody tr[data-relationship-id]');
    await rows.first().waitFor();
    const shown = await eachOf(rows, async (tr) => [
      await tr.getAttribute('data-relationship-id'),
      await tr.locator('.relationship-partner').textContent(),
    ]);
    const { name, rows: lines } = await exported(page);
    expect(name).toBe(`partner-relationships-${shared}-${today}.csv`);
    expect(lines.map((l) => [l.relationshipId, l.partnerName]).sort()).toEqual(shown.sort());
    expect(lines.map((l) => l.partnerName).sort()).toEqual(['Otter Partners', 'Pike Partners']);
    expect(lines.every((l) => l.customerName === 'Quill Retail' && l.customerTenantId === shared)).toBe(true);
    await check(page, '72-customer-partners-exported');
    expect(problems).toEqual([]);
  });

  it('downloads the audit log of the chosen dates, event for event as the table shows them', async () => {
    await page.goto(`${t.url}/audit`);
    const times = page.locator('table.audit tbody tr time');
    await times.first().waitFor();
    const shown = await eachOf(times, (time) => time.getAttribute('datetime'));
    expect(shown.length).toBeGreaterThan(2);
    const all = await exported(page);
    expect(all.name).toBe(`audit-${shared}-${today}.csv`);
    expect(all.rows.map((r) => r.time)).toEqual(shown);
    expect(all.rows.map((r) => r.action)).toContain('agreement.accepted');
    await check(page, '73-audit-exported');

    // A range that ends before today: nothing in the table, nothing in the file.
    await page.locator('#audit-to').fill('2020-01-31');
    await page.getByText('No event matches the filters. Change or clear them.').waitFor();
    expect((await exported(page)).rows).toEqual([]);
    await page.locator('#audit-to').fill('');
    await page.locator('#audit-from').fill(today);
    const fromToday = await exported(page);
    expect(fromToday.rows.map((r) => r.time)).toEqual(shown.filter((s) => (s ?? '').slice(0, 10) >= today));
    expect(problems).toEqual([]);
  });
});
