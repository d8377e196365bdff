import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetClock, setClock } from '../../shared/clock.js';
import type { TestHost } from '../support/host.js';
import { emailFor, invitationLink } from '../support/relationships.js';
import { launchBrowser, screenshot, startSiteHost, watchConsole, type Browser } from './browser.js';
import { devSignIn, invite, putPartner } from './support.js';

let t: TestHost;
let browser: Browser;
const customer = randomUUID();

/** A relationship made through the API: the partner invites, the customer's Global administrator accepts. */
async function relationshipWith(
  partner: { id: string; tenantId: string },
  tenantId = customer,
  body: Record<string, unknown> = {},
): Promise<void> {
  const invitation = await invite(t, partner, tenantId, body);
  const { code } = invitationLink(await emailFor(t, `invitation:${invitation.id}:`));
  const accepted = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
    method: 'POST',
    token: await t.token('global-admin', tenantId, { name: 'Grace Admin' }),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, acceptAgreement: true, agreementVersion: '2024-10' }),
  });
  expect(accepted.status).toBe(200);
}

beforeAll(async () => {
  t = await startSiteHost();
  await relationshipWith(await putPartner(t, 'alpenblick-it', { displayName: 'Alpenblick IT' }));
  await relationshipWith(await putPartner(t, 'isar-cloud', { displayName: 'Isar Cloud Services' }));
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('Partner relationships', () => {
  it('lists the partners, shows one, removes its roles after the "Remove roles?" confirmation, and requests termination', async () => {
    const page = await browser.newPage();
    const problems = watchConsole(page);
    await page.goto(`${t.url}/partners`);
    await devSignIn(page, customer, 'global-admin', 'Grace Admin');
    await page.getByRole('table', { name: /Partner relationships/ }).waitFor();
    const items = page.locator('.data-table .relationship-item .relationship-partner');
    await items.first().waitFor();
    await expect(items.allTextContents()).resolves.toEqual(
      expect.arrayContaining(['Alpenblick IT', 'Isar Cloud Services']),
    );
    await screenshot(page, '20-partners-list');
    // The left navigation leads to the agreement and the audit log, signed in still.
    await page.getByRole('navigation', { name: 'Customer' }).getByRole('link', { name: 'Customer Agreement' }).click();
    await page.getByText(/Your organization accepted the Microsoft Customer Agreement.* \(version 2024-10\)/).waitFor();
    await page.getByRole('navigation', { name: 'Customer' }).getByRole('link', { name: 'Audit log' }).click();
    await page.locator('table.audit tbody tr').first().waitFor();
    await page
      .getByRole('navigation', { name: 'Customer' })
      .getByRole('link', { name: 'Partner relationships' })
      .click();
    await items.first().waitFor();

    // Nothing selected: the command bar's actions say why they cannot be used yet.
    const commands = page.getByRole('toolbar', { name: 'Commands' });
    await expect(commands.getByRole('button', { name: 'Remove roles' }).getAttribute('aria-disabled')).resolves.toBe(
      'true',
    );
    await page.getByRole('checkbox', { name: 'Select Isar Cloud Services' }).check();
    await expect(
      commands.getByRole('button', { name: 'Remove roles' }).getAttribute('aria-disabled'),
    ).resolves.toBeNull();
    await expect(
      commands.getByRole('button', { name: 'Request termination' }).getAttribute('aria-disabled'),
    ).resolves.toBeNull();
    await screenshot(page, '20-partners-selected');
    await page.getByRole('checkbox', { name: 'Select Isar Cloud Services' }).uncheck();

    await page.getByRole('button', { name: /Alpenblick IT/ }).click();
    const details = page.locator('.relationship-details');
    await details.getByRole('heading', { name: 'Alpenblick IT' }).waitFor();
    await screenshot(page, '21-partners-details');
    const tab = (name: RegExp) => details.getByRole('tab', { name }).click();

    // "Cancel" changes nothing.
    await details.getByRole('button', { name: 'Remove roles' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove roles?' });
    await dialog.waitFor();
    await expect(dialog.textContent()).resolves.toContain('The relationship stays');
    // The safe answer has the focus; Tab reaches "Remove roles".
    await expect(page.evaluate<string | undefined>('document.activeElement?.textContent')).resolves.toBe('Cancel');
    await screenshot(page, '22-remove-roles-confirmation');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog.count()).resolves.toBe(0);
    await expect(details.locator('.roles li').count()).resolves.toBe(2);
    // By keyboard: Enter opens the question again, Escape cancels and gives the focus back.
    await details.getByRole('button', { name: 'Remove roles' }).focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await expect(dialog.count()).resolves.toBe(0);
    await expect(page.evaluate<string | undefined>('document.activeElement?.textContent')).resolves.toBe(
      'Remove roles',
    );
    await expect(details.locator('.roles li').count()).resolves.toBe(2);

    await details.getByRole('button', { name: 'Remove roles' }).click();
    await page.getByRole('dialog', { name: 'Remove roles?' }).getByRole('button', { name: 'Remove roles' }).click();
    await page.getByText('Admin roles removed. Alpenblick IT is still your partner.').waitFor();
    await tab(/^Roles/);
    await details.getByText('No admin roles.').waitFor();
    await tab(/^Overview/);
    await expect(details.locator('.facts').textContent()).resolves.toMatch(/Status\s*Active/);
    const row = page.getByRole('row', { name: /Alpenblick IT/ });
    await expect(row.locator('.status-cell').textContent()).resolves.toBe('Active');
    await expect(row.locator('.roles-cell').textContent()).resolves.toBe('None');
    await expect(details.getByRole('button', { name: 'Remove roles' }).count()).resolves.toBe(0);
    await screenshot(page, '23-roles-removed');

    await details.getByRole('button', { name: 'Request termination' }).click();
    const ask = page.getByRole('dialog', { name: 'Request termination?' });
    await ask.getByLabel('Reason (optional)').fill('We are consolidating partners.');
    await ask.getByRole('button', { name: 'Request termination' }).click();
    await page.getByText('Alpenblick IT was asked to end the relationship.').waitFor();
    await tab(/^History/);
    await details.getByText(/Termination requested by Grace Admin \(“We are consolidating partners.”\)/).waitFor();
    // Escape closes the panel and gives the focus back to the partner it was opened from.
    await page.keyboard.press('Escape');
    await expect(page.evaluate<string | undefined>('document.activeElement?.textContent')).resolves.toBe(
      'Alpenblick IT',
    );

    // The audit log shows what happened, newest first.
    await page.goto(`${t.url}/audit`);
    await page.locator('table.audit tbody tr').first().waitFor();
    const actions = await page.locator('table.audit tbody tr td:nth-child(2)').allTextContents();
    expect(actions.slice(0, 2)).toEqual(['Termination requested', 'Admin roles removed']);
    expect(actions).toContain('Customer Agreement accepted');
    // Each event names the partner and what changed; the filters narrow the log.
    await page.getByLabel('Action').selectOption({ label: 'Admin roles removed' });
    const removal = page.locator('table.audit tbody tr');
    await expect(removal.count()).resolves.toBe(1);
    await expect(removal.locator('td').allTextContents()).resolves.toEqual([
      expect.any(String),
      'Admin roles removed',
      'Alpenblick IT',
      'Admin roles: Helpdesk Administrator, User Administrator → none',
      'Grace Admin',
    ]);
    await page.getByLabel('Who').fill('nobody of that name');
    await page.getByText('No event matches the filters. Change or clear them.').waitFor();
    await screenshot(page, '26-audit-log-filtered');
    // Everything fits one page: no button for older events.
    await expect(page.getByRole('button', { name: 'Show older events' }).isVisible()).resolves.toBe(false);
    expect(problems).toEqual([]);
  });

  it('draws the details panel tabs as a row of tabs before the Fluent components are defined, and in the same place after', async () => {
    const page = await browser.newPage();
    const problems = watchConsole(page);
    // Hold the components' chunk back, as a slow network would.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/assets\/chunks\/fluent-[\w-]+\.js$/, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${t.url}/partners`, { waitUntil: 'domcontentloaded' });
    await devSignIn(page, customer, 'global-admin', 'Grace Admin');
    await page.getByRole('button', { name: /Isar Cloud Services/ }).click();
    const details = page.locator('.relationship-details');
    await details.getByRole('heading', { name: 'Isar Cloud Services' }).waitFor();
    const boxes = () =>
      page.evaluate<{ top: number; height: number }[]>(
        `[...document.querySelectorAll('.relationship-details fluent-tab')].map((tab) => {
          const box = tab.getBoundingClientRect();
          return { top: Math.round(box.top), height: Math.round(box.height) };
        })`,
      );
    await expect(page.evaluate('customElements.get("fluent-tab") === undefined')).resolves.toBe(true);
    const before = await boxes();
    expect(before).toHaveLength(3);
    expect(new Set(before.map((b) => b.top)).size).toBe(1); // one row, not run-together text
    expect(before.every((b) => b.height >= 40)).toBe(true);
    await screenshot(page, '21a-partners-details-before-components');

    release();
    // Defined, a tab has its role (the fallback has none), the first one selected.
    await details.getByRole('tab', { name: 'Overview', selected: true }).waitFor();
    const after = await boxes();
    // Nothing jumps when they upgrade: the row keeps its place, each tab within a few pixels.
    for (const [i, b] of after.entries()) {
      expect(Math.abs(b.top - (before[i]?.top ?? 0))).toBeLessThanOrEqual(4);
      expect(Math.abs(b.height - (before[i]?.height ?? 0))).toBeLessThanOrEqual(4);
    }
    await screenshot(page, '21b-partners-details-components');
    expect(problems).toEqual([]);
  });

  it('shows the roles of an expired relationship as ended, offering nothing to remove', async () => {
    const lapsed = randomUUID();
    await relationshipWith(await putPartner(t, 'lechwiese-it', { displayName: 'Lechwiese IT' }), lapsed, {
      duration: 'P1D',
    });
    setClock(() => new Date(Date.now() + 2 * 86_400_000));
    try {
      const page = await browser.newPage();
      const problems = watchConsole(page);
      await page.goto(`${t.url}/partners`);
      await devSignIn(page, lapsed, 'global-admin', 'Grace Admin');
      const row = page.getByRole('row', { name: /Lechwiese IT/ });
      await expect(row.locator('.status-cell').textContent()).resolves.toBe('Admin roles expired');
      await expect(row.locator('.roles-cell').textContent()).resolves.toBe('None');
      await page.getByRole('button', { name: /Lechwiese IT/ }).click();
      const details = page.locator('.relationship-details');
      await details.getByRole('tab', { name: /^Roles/ }).click();
      await details.getByText(/^Admin roles ended /).waitFor();
      await details.getByText('No admin roles.').waitFor();
      await expect(details.locator('.ended-roles li').allTextContents()).resolves.toEqual([
        expect.stringContaining('Helpdesk Administrator'),
        expect.stringContaining('User Administrator'),
      ]);
      const facts = (await details.locator('.facts').textContent()) ?? '';
      expect(facts).not.toContain('with the admin roles below');
      expect(facts).toContain('it holds none now');
      await expect(details.getByRole('button', { name: 'Remove roles' }).count()).resolves.toBe(0);
      await screenshot(page, '25-partners-expired-roles');
      expect(problems).toEqual([]);
    } finally {
      resetClock();
    }
  });

  it('shows a Helpdesk administrator the actions disabled, with the reason, instead of refusing them', async () => {
    const page = await browser.newPage();
    const problems = watchConsole(page);
    await page.goto(`${t.url}/partners`);
    await devSignIn(page, customer, 'helpdesk-admin', 'Hal Helpdesk');
    await page
      .getByText(
        'You can see your partners. Only a Global or Billing administrator can remove roles or request termination.',
      )
      .waitFor();
    await page.getByRole('checkbox', { name: 'Select Isar Cloud Services' }).check();
    const remove = page.getByRole('toolbar', { name: 'Commands' }).getByRole('button', { name: 'Remove roles' });
    await expect(remove.getAttribute('aria-disabled')).resolves.toBe('true');
    const reasonId = (await remove.getAttribute('aria-describedby')) ?? '';
    await expect(page.locator(`[id="${reasonId}"]`).textContent()).resolves.toBe(
      'Only a Global or Billing administrator can do this.',
    );
    // Clicking it does nothing: no question is asked.
    await remove.click({ force: true });
    await expect(page.getByRole('dialog', { name: 'Remove roles?' }).count()).resolves.toBe(0);
    await page.getByRole('button', { name: /Isar Cloud Services/ }).click();
    const details = page.locator('.relationship-details');
    await expect(details.getByRole('button', { name: 'Remove roles' }).getAttribute('aria-disabled')).resolves.toBe(
      'true',
    );
    await details.getByText('Only a Global or Billing administrator can do this.').waitFor();
    await screenshot(page, '27-partners-helpdesk-disabled');
    await page.keyboard.press('Escape');

    await page.getByRole('navigation', { name: 'Customer' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByText('Only a Global or Billing administrator can change this setting.').waitFor();
    await expect(page.getByRole('button', { name: 'Save setting' }).isDisabled()).resolves.toBe(true);
    await page.getByRole('navigation', { name: 'Customer' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByText('Only a Global or Billing administrator can see the audit log.').waitFor();
    expect(problems).toEqual([]);
  });

  it('changes the MPSA visibility setting', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.url}/settings`);
    await devSignIn(page, customer, 'billing-admin', 'Bill Admin');
    const setting = page.getByLabel('MPSA partners may see purchases made through my other MPSA partners');
    await setting.waitFor();
    const before = await setting.isChecked();
    await setting.setChecked(!before);
    await page.getByRole('button', { name: 'Save setting' }).click();
    await page.getByText('Setting saved.').waitFor();
    const saved = (await (
      await t.fetch(`/api/customers/${customer}/settings`, { token: await t.token('user', customer) })
    ).json()) as { mpsaPurchaseVisibility: boolean };
    expect(saved.mpsaPurchaseVisibility).toBe(!before);
  });

  it('offers Accept when the organization has not accepted the Customer Agreement, and reads on a phone', async () => {
    const newcomer = randomUUID();
    const page = await browser.newPage({ width: 375, height: 812 });
    const problems = watchConsole(page);
    await page.goto(`${t.url}/partners`);
    await devSignIn(page, newcomer, 'global-admin', 'Nina Newcomer');
    await page.getByText('Your organization does not work with any partner yet.').waitFor();
    // On a phone the navigation is behind the menu button.
    const nav = page.getByRole('navigation', { name: 'Customer' });
    await expect(nav.isVisible()).resolves.toBe(false);
    await page.getByRole('button', { name: 'Navigation' }).click();
    await nav.getByRole('link', { name: 'Customer Agreement' }).click();
    await page.getByText('Your organization has not accepted the Customer Agreement yet.', { exact: false }).waitFor();
    const accept = page.getByRole('button', { name: 'Accept', exact: true });
    await expect(accept.isDisabled()).resolves.toBe(true);
    await expect(page.evaluate<number>('document.documentElement.scrollWidth')).resolves.toBeLessThanOrEqual(375);
    await screenshot(page, '24-partners-agreement-missing-phone');
    await page.getByLabel(/I have read the Customer Agreement \(version 2024-10\)/).check();
    await accept.click();
    await page
      .getByText(
        /Your organization accepted the Microsoft Customer Agreement.* \(version 2024-10\) on .* — Nina Newcomer/,
      )
      .waitFor();
    expect(problems).toEqual([]);
  });

  it('lists an invitation waiting for a decision on Pending invitations and opens it without the email’s code', async () => {
    const partner = await putPartner(t, 'waldkirch-it', { displayName: 'Waldkirch IT' });
    const invitation = await invite(t, partner, customer);
    const page = await browser.newPage();
    const problems = watchConsole(page);
    await page.goto(`${t.url}/invitations`);
    await devSignIn(page, customer, 'global-admin', 'Grace Admin');
    const waiting = page.getByRole('region', { name: 'Invitations waiting for you' });
    await waiting.locator('tbody tr').first().waitFor();
    await expect(waiting.locator('tbody tr td').first().textContent()).resolves.toBe('Waldkirch IT');
    await screenshot(page, '26-partners-pending-invitation');
    await waiting.getByRole('link', { name: /Review/ }).click();
    await page.waitForURL(`${t.url}/invitations/${invitation.id}`);
    await page.getByRole('heading', { name: 'Waldkirch IT' }).waitFor();
    await page.getByLabel('Your organization’s name').fill('Grace Holdings');
    await page.getByLabel(/I have read the Microsoft Customer Agreement/).check();
    await page.getByRole('button', { name: 'Accept & Authorize' }).click();
    await page.getByRole('heading', { name: 'Waldkirch IT is now authorized' }).waitFor();
    await screenshot(page, '27-invitation-accepted-from-list');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('says in a sentence for the case, not the API’s detail, why roles could not be removed: the partner ended the relationship meanwhile', async () => {
    const partner = await putPartner(t, 'feldberg-it', { displayName: 'Feldberg IT' });
    await relationshipWith(partner);
    const page = await browser.newPage();
    await page.goto(`${t.url}/partners`);
    await devSignIn(page, customer, 'global-admin', 'Grace Admin');
    const select = page.getByRole('checkbox', { name: 'Select Feldberg IT' });
    await select.waitFor();
    const listed = await t.fetch(`/api/customers/${customer}/relationships`, {
      token: await t.token('global-admin', customer),
    });
    const { items } = (await listed.json()) as { items: { id: string; partner: { id: string } }[] };
    const relationship = items.find((r) => r.partner.id === partner.id);
    const ended = await t.fetch(`/api/partners/${partner.id}/relationships/${relationship?.id ?? ''}/terminate`, {
      method: 'POST',
      token: await t.token('partner', partner.tenantId),
    });
    expect(ended.status).toBe(200);
    await select.check();
    await page.getByRole('toolbar', { name: 'Commands' }).getByRole('button', { name: 'Remove roles' }).click();
    await page.getByRole('dialog', { name: 'Remove roles?' }).getByRole('button', { name: 'Remove roles' }).click();
    const said = page.getByText('This relationship has ended, so it can no longer be changed.');
    await said.waitFor();
    await expect(page.getByText('The relationship was terminated; it can no longer change.').count()).resolves.toBe(0);
    await screenshot(page, '28-partners-relationship-ended-meanwhile');
    await page.close();
  });
});
