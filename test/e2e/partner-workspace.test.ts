import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHost } from '../support/host.js';
import { emailFor, invitationLink } from '../support/relationships.js';
import { launchBrowser, screenshot, startSiteHost, watchConsole, type Browser } from './browser.js';
import { devSignIn, invite, putPartner, sendContactRequest } from './support.js';

/**
 * The partner pages as they stand (plain tables; the full pages come on the new admin shell): a
 * person signs in locally as "partner staff of <partner>" and sees the partner's leads, invitations
 * and customers by name; someone who is not staff is told so; the emails' links land here.
 */
let t: TestHost;
let browser: Browser;
const customer = randomUUID();

beforeAll(async () => {
  t = await startSiteHost();
  const partner = await putPartner(t, 'kestrel-works', { displayName: 'Kestrel Works' });
  await sendContactRequest(t, partner.id, 'Rita Requester', 'Mail and files to the cloud.');
  const invitation = await invite(t, partner, customer);
  const { code } = invitationLink(await emailFor(t, `invitation:${invitation.id}:`));
  const accepted = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
    method: 'POST',
    token: await t.token('global-admin', customer, { name: 'Grace Admin' }),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, acceptAgreement: true, agreementVersion: '2024-10', customerName: 'Grace Holdings' }),
  });
  expect(accepted.status).toBe(200);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('partner workspace', () => {
  it('signs in as partner staff of the partner and shows its leads, invitations and customers by name', async () => {
    const page = await browser.newPage();
    const problems = watchConsole(page);
    await page.goto(`${t.url}/partner/leads`);
    await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
    await page.locator('#dev-role option[value="partner-of:kestrel-works"]').waitFor({ state: 'attached' });
    await page.getByLabel('Role').selectOption({ label: 'Partner staff of Kestrel Works' });
    await page.getByLabel('Name (optional)').fill('Kim Staff');
    await page.getByRole('button', { name: 'Sign in (development)' }).click();
    // The tables show skeleton rows while they load: wait for the rows themselves.
    await page.locator('table tbody tr', { hasText: 'Rita Requester' }).first().waitFor();
    await expect(page.locator('table tbody').textContent()).resolves.toContain('Rita Requester');
    await screenshot(page, '40-partner-leads');

    const nav = page.getByRole('navigation', { name: 'Partner' });
    await expect(nav.getByRole('link', { name: 'Leads' }).getAttribute('aria-current')).resolves.toBe('page');
    await nav.getByRole('link', { name: 'Invitations', exact: true }).click();
    await page.locator('table tbody tr', { hasText: 'Grace Holdings' }).first().waitFor();
    await expect(page.locator('table tbody').textContent()).resolves.toContain('Grace Holdings');
    await screenshot(page, '41-partner-invitations');

    await nav.getByRole('link', { name: 'Customers' }).click();
    await page.getByRole('heading', { level: 1, name: 'Customers and relationships' }).waitFor();
    await page.locator('table tbody tr', { hasText: 'Grace Holdings' }).first().waitFor();
    const row = (await page.locator('table tbody tr').first().textContent()) ?? '';
    expect(row).toContain('Grace Holdings');
    expect(row).toContain(customer);
    expect(row).toContain('Helpdesk Administrator');
    await screenshot(page, '42-partner-customers');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('tells someone who is not partner staff that these pages are not for them', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.url}/partner/customers`);
    await devSignIn(page, customer, 'global-admin', 'Grace Admin');
    await page.getByText(/who is not staff of a partner in the directory/).waitFor();
    await expect(page.locator('table').count()).resolves.toBe(0);
    await screenshot(page, '43-partner-pages-not-staff');
    await page.close();
  });
});
