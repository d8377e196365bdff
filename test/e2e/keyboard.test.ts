import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { allFunctions } from '../../functions/all.js';
import { emailFor, invitationLink } from '../support/relationships.js';
import { expectDialogKeepsFocus, walkWithKeyboard } from './audit.js';
import { siteAndBrowserForFile, viewports, watchConsole } from './browser.js';
import { devSignIn, invite, putPartner, roleIds, sendContactRequest } from './support.js';

/**
 * Keyboard only, at desktop and phone width, on every page a person opens (read from the app's
 * own page list, so a new page fails here until it is walked): Tab from the top round the whole
 * page and Shift+Tab back, each stop with a visible focus indicator and not covered by the top
 * bar, Find a partner's sticky selection bar or anything else; every dialog and panel keeps the
 * focus inside while open and gives it back to the control that opened it, on Escape and on its
 * Cancel (or Close) button.
 */
const site = siteAndBrowserForFile();
const customer = randomUUID();
let staffTenant = '';
const ids = { relationship: '', invitation: '', lead: '', batch: '', customerBatch: '' };

/** Each GET page of the app (by its function name) and the address walked; null: not a page a person stays on, and why. */
const pageAddresses = (): Record<string, string | null> => ({
  'page-find-partner': '/?country=DE&q=backup',
  'page-partner-profile': '/directory/alpenblick-it',
  'page-contact': '/contact?partnerIds=alpenblick-it&partnerIds=isar-cloud',
  'page-contact-thank-you': `/contact/thank-you?id=${ids.lead}`,
  'page-not-found': '/no-such-page',
  'page-sign-in': '/sign-in?returnTo=/partners',
  'page-partners': '/partners',
  'page-relationship': `/relationships/${ids.relationship}`,
  'page-pending-invitations': '/invitations',
  'page-invitation': `/invitations/${ids.invitation}`,
  'page-agreement': '/agreement',
  'page-settings': '/settings',
  'page-audit': '/audit',
  'page-partner-home': '/partner',
  'page-partner-leads': '/partner/leads',
  'page-partner-invitations': '/partner/invitations',
  'page-partner-invite': '/partner/invitations/new',
  'page-partner-invitation-batch': `/partner/invitations/batches/${ids.batch}`,
  'page-partner-customers': '/partner/customers',
  'page-partner-customer-batch': `/partner/customers/batches/${ids.customerBatch}`,
  // With JavaScript it opens Customers with that relationship's details panel (walked below).
  'page-partner-relationship': null,
  'page-partner-webhooks': '/partner/webhooks',
  // Not pages: the favicon and the scripts and styles.
  'page-favicon': null,
  'web-assets': null,
});

beforeAll(async () => {
  const { t } = site;
  const alpenblick = await putPartner(t, 'alpenblick-it', {
    displayName: 'Alpenblick IT',
    locations: [{ country: 'DE' }],
    description: 'Backup and security for Microsoft 365.',
  });
  staffTenant = alpenblick.tenantId;
  await putPartner(t, 'isar-cloud', { displayName: 'Isar Cloud Services', locations: [{ country: 'DE' }] });
  const wolke = await putPartner(t, 'wolke-sieben', { displayName: 'Wolke Sieben Digital' });
  const invitation = await invite(t, alpenblick, customer);
  const { code } = invitationLink(await emailFor(t, `invitation:${invitation.id}:`));
  const accepted = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
    method: 'POST',
    token: await t.token('global-admin', customer, { name: 'Grace Admin' }),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, acceptAgreement: true, agreementVersion: '2024-10', customerName: 'Grace Holdings' }),
  });
  expect(accepted.status).toBe(200);
  const listed = await t.fetch(`/api/customers/${customer}/relationships`, {
    token: await t.token('global-admin', customer),
  });
  ids.relationship = ((await listed.json()) as { items: { id: string }[] }).items[0]?.id ?? '';
  ids.invitation = (await invite(t, wolke, customer)).id;
  await invite(t, alpenblick, randomUUID());
  ids.lead = await sendContactRequest(t, alpenblick.id, 'Rita Requester', 'Mail and files to the cloud, by spring.');
  const batch = await t.fetch(`/api/partners/${alpenblick.id}/invitation-batches`, {
    method: 'POST',
    token: await t.token('partner', alpenblick.tenantId),
    headers: { 'content-type': 'application/json', 'Idempotency-Key': randomUUID() },
    body: JSON.stringify({
      relationshipType: 'delegatedAdministrator',
      roles: [roleIds.helpdesk],
      duration: 'P90D',
      rows: [{ customerTenantId: randomUUID(), customerAdminEmail: 'admin@batch.example' }],
    }),
  });
  expect(batch.status).toBe(202);
  ids.batch = ((await batch.json()) as { id: string }).id;
  const changes = await t.fetch(`/api/partners/${alpenblick.id}/relationship-batches`, {
    method: 'POST',
    token: await t.token('partner', alpenblick.tenantId),
    headers: { 'content-type': 'application/json', 'Idempotency-Key': randomUUID() },
    body: JSON.stringify({ action: 'setAutoExtend', autoExtend: true, relationshipIds: [ids.relationship] }),
  });
  expect(changes.status).toBe(202);
  ids.customerBatch = ((await changes.json()) as { id: string }).id;
});

it('walks every page the app serves: a page added without an address here fails this test', () => {
  const pages = allFunctions.flatMap((f) => (f.kind === 'http' && f.page && f.methods.includes('GET') ? [f.name] : []));
  expect(pages.sort()).toEqual(Object.keys(pageAddresses()).sort());
});

/** Waits until the page has drawn what it loads (no skeleton or loading line left). */
async function settled(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await expect
    .poll(
      () =>
        page.evaluate<string>(
          '[...document.querySelectorAll(".loading, .skeleton-row, .skeleton")].filter((e) => e.getClientRects().length > 0).map((e) => e.outerHTML.slice(0, 80)).join(" ")',
        ),
      { message: `${page.url()} has drawn what it loads`, timeout: 15_000 },
    )
    .toBe('');
}

describe.each(viewports)('keyboard only at $name width ($width×$height)', (viewport) => {
  const open = async (role: 'customer' | 'partner' | 'public') => {
    const page = await site.browser.newPage({ width: viewport.width, height: viewport.height });
    const problems = watchConsole(page);
    if (role === 'customer') {
      await page.goto(`${site.t.url}/agreement`);
      await devSignIn(page, customer, 'global-admin', 'Grace Admin');
    } else if (role === 'partner') {
      await page.goto(`${site.t.url}/partner/leads`);
      await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
      await page.locator('#dev-role option[value="partner-of:alpenblick-it"]').waitFor({ state: 'attached' });
      await devSignIn(page, staffTenant, 'partner-of:alpenblick-it', 'Kim Staff');
    }
    await settled(page);
    return { page, problems };
  };
  const walk = async (page: Page, path: string) => {
    await page.goto(`${site.t.url}${path}`);
    await settled(page);
    const visited = await walkWithKeyboard(page);
    expect(visited[0], `${path}: the first stop`).toContain('Skip to');
  };

  it('the public pages, Find a partner with partners selected (its sticky bar covers no focus) and the sign-in', async () => {
    const { page, problems } = await open('public');
    for (const name of ['page-partner-profile', 'page-contact', 'page-contact-thank-you', 'page-not-found'])
      await walk(page, pageAddresses()[name] ?? '');
    await page.goto(`${site.t.url}/sign-in?returnTo=/partners`);
    await settled(page);
    expect(await walkWithKeyboard(page)).not.toHaveLength(0);
    await walk(page, pageAddresses()['page-find-partner'] ?? '');
    for (const name of ['Alpenblick IT', 'Isar Cloud Services']) {
      await page.getByLabel(name).focus();
      await page.keyboard.press('Space');
    }
    await page.locator('.results-actions').waitFor();
    await walkWithKeyboard(page);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('the customer pages, the details panel with its tabs, "Remove roles?" and "Request termination?"', async () => {
    const { page, problems } = await open('customer');
    for (const name of [
      'page-relationship',
      'page-pending-invitations',
      'page-invitation',
      'page-agreement',
      'page-settings',
      'page-audit',
      'page-partners',
    ])
      await walk(page, pageAddresses()[name] ?? '');

    if (viewport.name === 'phone') {
      const menu = page.getByRole('button', { name: 'Navigation' });
      await menu.focus();
      await page.keyboard.press('Enter');
      await expect(menu.getAttribute('aria-expanded')).resolves.toBe('true');
      await expect(page.evaluate('document.activeElement.closest("nav#side-nav") !== null')).resolves.toBe(true);
      await page.keyboard.press('Tab');
      await expect(page.evaluate('document.activeElement.closest("nav#side-nav") !== null')).resolves.toBe(true);
      await page.keyboard.press('Escape');
      await expect(menu.getAttribute('aria-expanded')).resolves.toBe('false');
      await expect(page.evaluate('document.activeElement.id')).resolves.toBe('menu-button');
    }

    const partnerName = page.getByRole('button', { name: /^Alpenblick IT$/ });
    for (const close of [{ key: 'Escape' } as const, { button: '✕' }]) {
      await partnerName.focus();
      await expectDialogKeepsFocus(page, 'the details panel', { open: 'Enter', close });
    }
    // In the panel: the tabs by arrow keys, then "Remove roles?" from its Overview, answered Cancel.
    await partnerName.focus();
    await page.keyboard.press('Enter');
    const details = page.getByRole('dialog', { name: /Alpenblick IT/ });
    await details.getByRole('tab', { name: /^Overview/ }).focus();
    await page.keyboard.press('ArrowRight');
    await expect(details.getByRole('tab', { name: /^Roles/ }).getAttribute('aria-selected')).resolves.toBe('true');
    await page.keyboard.press('ArrowLeft');
    await details.getByRole('button', { name: 'Remove roles' }).focus();
    await expectDialogKeepsFocus(page, 'Remove roles? in the panel', { open: 'Enter', close: { button: 'Cancel' } });
    await page.keyboard.press('Escape');

    await page.getByRole('checkbox', { name: 'Select Alpenblick IT' }).focus();
    await page.keyboard.press('Space');
    const commands = page.getByRole('toolbar', { name: 'Commands' });
    for (const [command, close] of [
      ['Remove roles', { key: 'Escape' }],
      ['Remove roles', { button: 'Cancel' }],
      ['Request termination', { key: 'Escape' }],
      ['Request termination', { button: 'Cancel' }],
    ] as const) {
      await commands.getByRole('button', { name: command }).focus();
      await expectDialogKeepsFocus(page, `${command} from the command bar`, { open: 'Enter', close });
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('the partner pages and their panels and questions', async () => {
    const { page, problems } = await open('partner');
    for (const name of [
      'page-partner-home',
      'page-partner-invite',
      'page-partner-invitation-batch',
      'page-partner-customers',
      'page-partner-customer-batch',
      'page-partner-webhooks',
      'page-partner-invitations',
      'page-partner-leads',
    ])
      await walk(page, pageAddresses()[name] ?? '');
    const commands = page.getByRole('toolbar', { name: 'Commands' });

    // A relationship's own page, signed in in the browser, opens Customers at its details panel.
    await page.goto(`${site.t.url}/partner/relationships/${ids.relationship}`);
    await page.waitForURL(/\/partner\/customers\?relationship=/);
    await page.getByRole('dialog', { name: /Grace Holdings/ }).waitFor();

    await walk(page, '/partner/leads');
    // Leads: a lead's details panel.
    await page.getByRole('button', { name: /Rita Requester/ }).focus();
    await expectDialogKeepsFocus(page, 'a lead’s details', { open: 'Enter', close: { key: 'Escape' } });

    await walk(page, '/partner/invitations');
    const invitationName = page.locator('tbody tr button').first();
    await invitationName.focus();
    await expectDialogKeepsFocus(page, 'an invitation’s details', { open: 'Enter', close: { button: '✕' } });
    await page.locator('tbody tr input[type="radio"]').first().focus();
    await page.keyboard.press('Space');
    await commands.getByRole('button', { name: 'Revoke' }).focus();
    await expectDialogKeepsFocus(page, 'Revoke invitation?', { open: 'Enter', close: { button: 'Cancel' } });

    await walk(page, '/partner/customers');
    await page.getByRole('button', { name: 'Grace Holdings' }).focus();
    await expectDialogKeepsFocus(page, 'a customer’s details', { open: 'Enter', close: { key: 'Escape' } });
    await page.getByRole('checkbox', { name: /Select Grace Holdings/ }).focus();
    await page.keyboard.press('Space');
    await commands.getByRole('button', { name: 'Terminate' }).focus();
    await expectDialogKeepsFocus(page, 'Terminate relationship?', { open: 'Enter', close: { button: 'Cancel' } });

    await walk(page, '/partner/webhooks');
    await commands.getByRole('button', { name: 'Add webhook' }).focus();
    await expectDialogKeepsFocus(page, 'Add webhook', { open: 'Enter', close: { key: 'Escape' } });
    expect(problems).toEqual([]);
    await page.close();
  });
});
