import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { TestHost } from '../support/host.js';
import { checkState, tabThrough } from './audit.js';
import { launchBrowser, startSiteHost, viewports, watchConsole, type Browser } from './browser.js';
import { devSignIn, putPartner, sendContactRequest } from './support.js';

/**
 * The partner's Leads, Invite a customer and Invitations pages, at desktop (1366×900) and phone
 * (390×844) width: partner staff sign in, accept a new lead from a contact request, meet a
 * colleague's change (412), invite a customer with the roles picker, copy the link the customer
 * then opens, send it again (the old link is refused, the new one opens) and revoke it after the
 * question. axe-core finds nothing in any state, the keyboard reaches everything, the dialogs keep
 * the focus and give it back, no script is inline; screenshots in test-results/screenshots/.
 */
let t: TestHost;
let browser: Browser;

beforeAll(async () => {
  t = await startSiteHost();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** The page's HTML as served: scripts only from files (the CSP allows no inline script), and the CSP says so. */
async function expectNoInlineScript(path: string): Promise<void> {
  const response = await t.fetch(path);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-security-policy') ?? '').toMatch(/script-src 'self'/);
  const html = await response.text();
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  expect(html).not.toMatch(/\son[a-z]+="/);
}

describe.each(viewports)('the partner pages at $name width ($width×$height)', (viewport) => {
  const partnerId = `kestrel-${viewport.name}`;
  const displayName = `Kestrel Works ${viewport.name === 'desktop' ? 'Desktop' : 'Phone'}`;
  const requester = `Rita ${viewport.name}`;
  const customer = randomUUID();
  let partner: { id: string; tenantId: string };
  let leadId = '';
  let page: Page;
  let problems: string[];
  let firstLink = '';
  let secondLink = '';

  const check = (state: string) => checkState(page, viewport, state);
  const commands = () => page.getByRole('toolbar', { name: 'Commands' });
  const rowOf = (text: string) => page.locator('tbody tr', { hasText: text });

  beforeAll(async () => {
    partner = await putPartner(t, partnerId, { displayName });
    leadId = await sendContactRequest(
      t,
      partnerId,
      requester,
      'Mail and files to the cloud, and someone to call when it breaks.',
    );
    page = await browser.newPage({ width: viewport.width, height: viewport.height });
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    problems = watchConsole(page);
  });
  afterAll(() => page.close());

  it('serves every partner page without inline script, under the CSP', async () => {
    for (const path of ['/partner/leads', '/partner/invitations', '/partner/invitations/new'])
      await expectNoInlineScript(path);
  });

  it('partner staff sign in, see the new lead from the contact request, open its details and accept it', async () => {
    await page.goto(`${t.url}/partner/leads`);
    await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
    await page.locator(`#dev-role option[value="partner-of:${partnerId}"]`).waitFor({ state: 'attached' });
    await page.getByLabel('Role').selectOption({ label: `Partner staff of ${displayName}` });
    await page.getByLabel('Name (optional)').fill('Kim Staff');
    await page.getByRole('button', { name: 'Sign in (development)' }).click();
    const row = rowOf(requester);
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('New');
    await expect(row.textContent()).resolves.toContain('Fabrikam Foods');
    // Nothing selected: the status commands say why they cannot be used.
    await expect(commands().getByRole('button', { name: 'Accept' }).getAttribute('aria-disabled')).resolves.toBe(
      'true',
    );
    await check('50-partner-leads');

    // Keyboard only: the filter, the row's radio button and its details are all reached by Tab.
    await page.locator('#main').focus();
    const visited = await tabThrough(page, 12);
    expect(visited.some((v) => v.startsWith('select#leads-status'))).toBe(true);
    expect(visited.some((v) => v.includes(requester))).toBe(true);

    // The details panel: requester, organization, size, needs, consents, date; the focus stays inside; Escape closes.
    const open = row.getByRole('button', { name: requester });
    await open.click();
    const panel = page.getByRole('dialog', { name: `${requester}, Fabrikam Foods` });
    await panel.waitFor();
    const facts = (await panel.textContent()) ?? '';
    for (const fact of [
      'rita@fabrikam.example',
      'Fabrikam Foods',
      '50-249 employees',
      'Mail and files to the cloud',
      'Agreed on',
    ])
      expect(facts).toContain(fact);
    await check('51-partner-lead-details');
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      await expect(page.evaluate('document.activeElement?.closest("dialog.flyout") !== null')).resolves.toBe(true);
    }
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
    await expect(page.evaluate('document.activeElement?.textContent')).resolves.toBe(requester);

    await row.getByRole('radio', { name: `Select ${requester}` }).check();
    await commands().getByRole('button', { name: 'Accept' }).click();
    await page.getByText(`The lead from ${requester} (Fabrikam Foods) is accepted.`).waitFor();
    await expect(rowOf(requester).textContent()).resolves.toContain('Accepted');
    await check('52-partner-lead-accepted');
  });

  it('a stale lead update: a colleague marked it won first, so the page says so and changes nothing', async () => {
    const colleague = await t.fetch(`/api/partners/${partnerId}/contact-requests/${leadId}`, {
      method: 'PATCH',
      token: await t.token('partner', partner.tenantId, { name: 'Colleague' }),
      headers: { 'content-type': 'application/json', 'if-match': '*' },
      body: JSON.stringify({ status: 'won' }),
    });
    expect(colleague.status).toBe(200);
    // The page still shows the lead as accepted, and offers the moves from there.
    await commands().getByRole('button', { name: 'Mark as lost' }).click();
    await page.getByText(/Lead changed by someone else\. Someone else changed this lead first/).waitFor();
    await page.getByText(/It now reads “Won”/).waitFor();
    await expect(rowOf(requester).textContent()).resolves.toContain('Won');
    const lead = await t.fetch(`/api/partners/${partnerId}/contact-requests/${leadId}`, {
      token: await t.token('partner', partner.tenantId),
    });
    expect(((await lead.json()) as { status: string }).status).toBe('won');
    await check('53-partner-lead-conflict');
  });

  it('invites a customer with the roles picker: field errors in words, Global Administrator warned and never renewing, then the link to copy', async () => {
    const nav = page.getByRole('navigation', { name: 'Partner' });
    if (viewport.name === 'phone') await page.getByRole('button', { name: 'Navigation' }).click();
    await nav.getByRole('link', { name: 'Invitations', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Invitations' }).waitFor();
    await page.getByText('No invitations sent yet.').waitFor();
    await check('54-partner-invitations-empty');
    await commands().getByRole('button', { name: 'Invite a customer' }).click();
    await page.getByRole('heading', { level: 1, name: 'Invite a customer' }).waitFor();
    await page.getByRole('group', { name: 'Admin roles', exact: true }).waitFor();
    await check('55-partner-invite-form');

    // The type says what it lets the partner do; a reseller carries no roles, so the picker goes.
    await page.getByLabel('Relationship type').selectOption('reseller');
    await page.getByText('What it lets you do: Sell products to your organization.').waitFor();
    await expect(page.getByRole('group', { name: 'Admin roles', exact: true }).isVisible()).resolves.toBe(false);
    await page.getByLabel('Relationship type').selectOption('delegatedAdministrator');

    // Grouped by task, the least-privileged role recommended; Global Administrator warned about.
    const resetPasswords = page.getByRole('group', { name: 'Reset passwords' });
    await expect(resetPasswords.locator('.role-choice').first().textContent()).resolves.toMatch(
      /^Helpdesk AdministratorRecommended/,
    );
    const global = page
      .getByRole('group', { name: 'Assign admin roles' })
      .getByRole('checkbox', { name: /Global Administrator/ });
    await global.check();
    await expect(page.getByLabel('Renew automatically every 180 days').isDisabled()).resolves.toBe(true);
    await page.getByText(/Not available with Global Administrator/).waitFor();
    await expect(page.getByText(/Warning:/).count()).resolves.toBeGreaterThanOrEqual(2);
    await check('56-partner-invite-global-administrator');
    await global.uncheck();
    await expect(page.getByLabel('Renew automatically every 180 days').isEnabled()).resolves.toBe(true);

    // Sent with mistakes: each field says in words what to fix.
    await page.getByLabel('Customer tenant ID').fill('not-a-tenant');
    await page.getByLabel('Customer admin email').fill('nobody');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByRole('heading', { name: 'Check the invitation' }).waitFor();
    const summary = (await page.locator('.error-summary').textContent()) ?? '';
    expect(summary).toContain('Customer tenant ID');
    expect(summary).toContain('Enter the email address of an administrator at the customer');
    expect(summary).not.toMatch(/expected|Invalid|must be/);
    await check('57-partner-invite-errors');

    await page.getByLabel('Customer tenant ID').fill(customer);
    await page.getByLabel('Customer admin email').fill('grace@customer.example');
    await resetPasswords.getByRole('checkbox', { name: /Helpdesk Administrator/ }).check();
    await page.getByLabel('Duration').selectOption('P180D');
    await page.getByLabel('Renew automatically every 180 days').check();
    await page.getByLabel('Message to the customer (optional)').fill('We look after your passwords from Monday.');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByRole('heading', { name: 'Invitation sent' }).waitFor();
    firstLink = await page.getByLabel('Invitation link').inputValue();
    expect(firstLink).toMatch(new RegExp(`^${t.url}/invitations/[^?]+\\?code=`));
    await page.getByRole('button', { name: 'Copy link' }).click();
    await page.getByText('Link copied.').waitFor();
    await expect(page.evaluate('navigator.clipboard.readText()')).resolves.toBe(firstLink);
    await check('58-partner-invite-sent');
  });

  it('the customer admin opens the copied link and sees the invitation', async () => {
    const customerPage = await browser.newPage({ width: viewport.width, height: viewport.height });
    await customerPage.goto(firstLink);
    await devSignIn(customerPage, customer, 'global-admin', 'Grace Admin');
    await customerPage.getByRole('heading', { name: displayName }).waitFor();
    await customerPage.getByText('Helpdesk Administrator').first().waitFor();
    await expect(customerPage.getByRole('button', { name: 'Decline' }).isEnabled()).resolves.toBe(true);
    await customerPage.close();
  });

  it('sends the invitation again: the new link to copy, the old link refused and the new one opening', async () => {
    await page.getByRole('link', { name: 'See invitations' }).click();
    const row = rowOf(customer);
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('Pending');
    await expect(row.textContent()).resolves.toContain('Delegated administrator');
    await expect(commands().getByRole('button', { name: 'Send again' }).getAttribute('aria-disabled')).resolves.toBe(
      'true',
    );
    await row.getByRole('radio').check();
    await commands().getByRole('button', { name: 'Send again' }).click();
    await page.getByText(/Sent again to grace@customer.example\. The earlier link no longer works/).waitFor();
    secondLink = await page.getByLabel('New invitation link').inputValue();
    expect(secondLink).not.toBe(firstLink);
    await check('59-partner-invitation-sent-again');

    const customerPage = await browser.newPage({ width: viewport.width, height: viewport.height });
    await customerPage.goto(firstLink);
    await devSignIn(customerPage, customer, 'global-admin', 'Grace Admin');
    await customerPage.getByText(/This invitation link is not valid for your organization/).waitFor();
    await customerPage.goto(secondLink);
    await customerPage.getByRole('heading', { name: displayName }).waitFor();
    await expect(customerPage.getByRole('button', { name: 'Decline' }).isEnabled()).resolves.toBe(true);
    await customerPage.close();
  });

  it('revokes it after the question: verbs as buttons, the focus kept inside, Escape cancels and gives the focus back', async () => {
    const revoke = commands().getByRole('button', { name: 'Revoke' });
    await revoke.click();
    const dialog = page.getByRole('dialog', { name: 'Revoke invitation?' });
    await dialog.waitFor();
    await expect(page.evaluate('document.activeElement?.textContent')).resolves.toBe('Cancel');
    await check('60-partner-invitation-revoke-question');
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      await expect(page.evaluate('document.activeElement?.closest("dialog") !== null')).resolves.toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect(page.evaluate('document.activeElement?.textContent')).resolves.toBe('Revoke');
    await expect(rowOf(customer).textContent()).resolves.toContain('Pending');

    await revoke.click();
    await dialog.getByRole('button', { name: 'Revoke invitation' }).click();
    await page.getByText(/The invitation to .* is revoked\./).waitFor();
    await expect(rowOf(customer).textContent()).resolves.toContain('Revoked');
    await page.getByLabel('Status').selectOption('revoked');
    await expect(page.evaluate<string>('location.search')).resolves.toBe('?status=revoked');
    await rowOf(customer).waitFor();
    await check('61-partner-invitations-revoked');
    expect(problems).toEqual([]);
  });

  it('refuses someone who is not staff of a partner', async () => {
    const other = await browser.newPage({ width: viewport.width, height: viewport.height });
    await other.goto(`${t.url}/partner/invitations/new`);
    await devSignIn(other, customer, 'global-admin', 'Grace Admin');
    await other.getByText(/who is not staff of a partner in the directory/).waitFor();
    await expect(other.locator('form.invite-form').count()).resolves.toBe(0);
    await checkState(other, viewport, '62-partner-pages-not-staff');
    await other.close();
  });
});
