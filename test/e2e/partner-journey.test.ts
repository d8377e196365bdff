import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { checkState } from './audit.js';
import { siteAndBrowserForFile, viewports, watchConsole } from './browser.js';
import { devSignIn, putPartner, sendContactRequest } from './support.js';

/**
 * The partner's whole journey in one walk, through the pages only, at desktop (1366×900) and phone
 * (390×844) width: partner staff sign in, accept a new lead from a contact request, invite that
 * customer with the roles picker for 30 days and copy the link; the customer's admin opens it,
 * accepts and authorizes; the partner finds the customer by name with roles and end date in the
 * "Ending in 30 days" tile; the customer requests termination on Partner relationships; the partner
 * sees it on top and terminates, and the customer sees it ended. axe-core finds nothing at any step;
 * screenshots as test-results/screenshots/journey-<width>-<step>.png.
 */
const site = siteAndBrowserForFile();

const day = 86_400_000;
const customerName = 'Fabrikam Foods';

describe.each(viewports)('the partner journey at $name width ($width×$height)', (viewport) => {
  const partner = { id: `osprey-${viewport.name}`, displayName: `Osprey IT ${viewport.name}` };
  const requester = `Rita Journey ${viewport.name}`;
  const tenant = randomUUID();
  let staff: Page;
  let admin: Page;
  let problems: { staff: string[]; admin: string[] };
  let copied = '';

  const step = (page: Page, state: string) => checkState(page, viewport, state, `journey-${viewport.width}-${state}`);
  const commands = (page: Page) => page.getByRole('toolbar', { name: 'Commands' });
  const navigateTo = async (link: string) => {
    if (viewport.name === 'phone') await staff.getByRole('button', { name: 'Navigation' }).click();
    await staff.getByRole('navigation', { name: 'Partner' }).getByRole('link', { name: link, exact: true }).click();
  };
  const customerRow = () => staff.locator('.data-table tbody tr', { hasText: customerName });
  const tableLoaded = () => staff.locator('.data-table:not([aria-busy])').waitFor();

  beforeAll(async () => {
    const { t, browser } = site;
    const { tenantId } = await putPartner(t, partner.id, { displayName: partner.displayName });
    await sendContactRequest(t, partner.id, requester, 'Licences and password resets for 80 people.');
    staff = await browser.newPage({ width: viewport.width, height: viewport.height });
    admin = await browser.newPage({ width: viewport.width, height: viewport.height });
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    problems = { staff: watchConsole(staff), admin: watchConsole(admin) };
    await staff.goto(`${t.url}/partner/leads`);
    await devSignIn(staff, tenantId, `partner-of:${partner.id}`, 'Kim Staff');
  });
  afterAll(async () => {
    await staff.close();
    await admin.close();
  });

  it('partner staff see the new lead from the contact request and accept it', async () => {
    const lead = staff.locator('tbody tr', { hasText: requester });
    const facts = (await lead.textContent()) ?? '';
    for (const fact of [customerName, 'New']) expect(facts).toContain(fact);
    await step(staff, '01-new-lead');
    await lead.getByRole('radio', { name: `Select ${requester}` }).check();
    await commands(staff).getByRole('button', { name: 'Accept' }).click();
    await staff.getByText(`The lead from ${requester} (${customerName}) is accepted.`).waitFor();
    await expect(lead.textContent()).resolves.toContain('Accepted');
    await step(staff, '02-lead-accepted');
  });

  it('invites the customer with the roles picker for 30 days and copies the link', async () => {
    await navigateTo('Invitations');
    await commands(staff).getByRole('button', { name: 'Invite a customer' }).click();
    await staff.getByRole('heading', { level: 1, name: 'Invite a customer' }).waitFor();
    await staff.getByLabel('Customer tenant ID').fill(tenant);
    await staff.getByLabel('Customer admin email').fill('it@fabrikam.example');
    // The recommended, least-privileged role of two tasks.
    for (const [task, role] of [
      ['Reset passwords', 'Helpdesk Administrator'],
      ['Manage licences', 'License Administrator'],
    ] as const)
      await staff
        .getByRole('group', { name: task })
        .getByRole('checkbox', { name: new RegExp(`^${role}`) })
        .check();
    // The shortest duration the form offers: the relationship lands in the 30-day tile.
    await staff.getByLabel('Duration').selectOption('P30D');
    await step(staff, '03-invite-roles-picked');
    await staff.getByRole('button', { name: 'Send invitation' }).click();
    await staff.getByRole('heading', { name: 'Invitation sent' }).waitFor();
    await staff.getByRole('button', { name: 'Copy link' }).click();
    await staff.getByText('Link copied.').waitFor();
    copied = await staff.evaluate<string>('navigator.clipboard.readText()');
    expect(copied).toMatch(new RegExp(`^${site.t.url}/invitations/[^?]+\\?code=`));
    await step(staff, '04-invitation-link-copied');
  });

  it('the customer’s admin opens the copied link, names the organization and accepts & authorizes', async () => {
    await admin.goto(copied);
    await devSignIn(admin, tenant, 'global-admin', 'Grace Admin');
    await admin.getByRole('heading', { name: partner.displayName }).waitFor();
    await expect(admin.locator('.roles li strong').allTextContents()).resolves.toEqual([
      'Helpdesk Administrator',
      'License Administrator',
    ]);
    await expect(admin.locator('.facts').textContent()).resolves.toMatch(/Admin roles for\s*30 days/);
    await admin.getByLabel('Your organization’s name').fill(customerName);
    await admin.getByLabel(/I have read the Microsoft Customer Agreement/).check();
    await step(admin, '05-invitation-review');
    await admin.getByRole('button', { name: 'Accept & Authorize' }).click();
    await admin.getByRole('heading', { name: `${partner.displayName} is now authorized` }).waitFor();
    await step(admin, '06-invitation-accepted');
  });

  it('the partner sees the customer by name with roles and end date, in the “Ending in 30 days” tile', async () => {
    await navigateTo('Customers');
    await tableLoaded();
    const row = (await customerRow().textContent()) ?? '';
    const ends = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(
      new Date(Date.now() + 30 * day),
    );
    for (const fact of [tenant, 'Helpdesk Administrator', 'License Administrator', 'Active', ends])
      expect(row).toContain(fact);
    const tile = (label: string) => staff.getByRole('button', { name: new RegExp(`${label}$`) });
    const counts = await Promise.all(
      ['Ending in 1 day', 'Ending in 7 days', 'Ending in 30 days', 'Expired in the last year'].map((label) =>
        tile(label).locator('.tile-count').textContent(),
      ),
    );
    expect(counts).toEqual(['0', '0', '1', '0']);
    await tile('Ending in 30 days').click();
    await tableLoaded();
    await expect(tile('Ending in 30 days').getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(
      staff.locator('.data-table tbody tr:not(.skeleton-row) .relationship-partner').allTextContents(),
    ).resolves.toEqual([customerName]);
    await step(staff, '07-customer-in-30-day-tile');
    // Chosen again, the tile shows every customer.
    await tile('Ending in 30 days').click();
    await tableLoaded();
  });

  it('the customer requests termination on their Partner relationships page', async () => {
    await admin.getByRole('link', { name: 'Manage partner relationships' }).click();
    await admin.getByRole('table', { name: /Partner relationships/ }).waitFor();
    await admin.getByRole('checkbox', { name: `Select ${partner.displayName}` }).check();
    await commands(admin).getByRole('button', { name: 'Request termination' }).click();
    const ask = admin.getByRole('dialog', { name: 'Request termination?' });
    await ask.waitFor();
    await ask.getByLabel('Reason (optional)').fill('We moved our IT in house.');
    await step(admin, '08-request-termination-question');
    await ask.getByRole('button', { name: 'Request termination' }).click();
    await admin.getByText(`${partner.displayName} was asked to end the relationship.`).waitFor();
    const theirs = admin.getByRole('row', { name: new RegExp(partner.displayName) });
    await expect(theirs.locator('.status-cell').textContent()).resolves.toBe('Termination requested');
    await step(admin, '09-termination-requested');
  });

  it('the partner sees the request on top and terminates; the customer sees it ended', async () => {
    await commands(staff).getByRole('button', { name: 'Refresh' }).click();
    const requests = staff.locator('.termination-requests');
    await requests.getByRole('heading', { name: '1 customer asks you to end the relationship' }).waitFor();
    await expect(requests.textContent()).resolves.toContain(customerName);
    await step(staff, '10-termination-request-on-top');
    await requests.getByRole('button', { name: `Terminate the relationship with ${customerName}` }).click();
    const question = staff.getByRole('dialog', { name: 'Terminate relationship?' });
    await question.waitFor();
    await step(staff, '11-terminate-question');
    await question.getByRole('button', { name: 'Terminate' }).click();
    await staff.getByText(`The relationship with ${customerName} is terminated.`).waitFor();
    await expect(requests.isVisible()).resolves.toBe(false);
    await expect(customerRow().locator('.status-cell').textContent()).resolves.toBe('Ended');
    await step(staff, '12-terminated');

    await commands(admin).getByRole('button', { name: 'Refresh' }).click();
    const theirs = admin.getByRole('row', { name: new RegExp(partner.displayName) });
    await expect.poll(() => theirs.locator('.status-cell').textContent()).toBe('Ended');
    await step(admin, '13-customer-sees-ended');
    expect(problems).toEqual({ staff: [], admin: [] });
  });
});
