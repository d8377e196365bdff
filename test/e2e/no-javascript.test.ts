import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHost } from '../support/host.js';
import { emailFor, flipSettings, invitationLink } from '../support/relationships.js';
import { checkStateWithoutScripts } from './audit.js';
import { launchBrowser, startSiteHost, viewports, type Browser } from './browser.js';
import { json } from '../support/relationships.js';
import { devSignIn, invite, putPartner } from './support.js';

/**
 * The invitation decided in a browser with JavaScript off: the server's sign-in sets the session
 * cookie, the page renders on the server and its forms post. axe needs scripts, so each state is
 * audited in a second, scripts-on browser holding the same cookie and loading the same URL.
 */
let t: TestHost;
let noScripts: Browser;
let scripts: Browser;
let partner: { id: string; tenantId: string };

beforeAll(async () => {
  t = await startSiteHost();
  partner = await putPartner(t, 'alpenblick-nojs', {
    displayName: 'Alpenblick IT',
    website: 'https://alpenblick.example',
  });
  [noScripts, scripts] = await Promise.all([launchBrowser({ javaScript: false }), launchBrowser()]);
});

afterAll(async () => {
  await Promise.all([noScripts?.close(), scripts?.close()]);
  await t?.stop();
});

/**
 * The same URL in the scripts-on browser, with the no-script browser's session cookie, checked by axe.
 * `serverHtml`: the page's own scripts are not loaded, so axe sees the HTML the server sent (a page
 * app.js redraws would otherwise be audited as app.js draws it).
 */
const audit = (
  page: Page,
  viewport: (typeof viewports)[number],
  state: string,
  options: { serverHtml?: boolean } = {},
) =>
  checkStateWithoutScripts(
    page,
    { noScripts, twins: scripts },
    viewport,
    state,
    `nojs-${viewport.width}-${state}`,
    options,
  );

describe.each(viewports)('the invitation with JavaScript off at $width px', (viewport) => {
  it('keeps the Secure __Host-session cookie on http://localhost after the server’s sign-in', async () => {
    const customer = randomUUID();
    await noScripts.context.clearCookies();
    const page = await noScripts.newPage(viewport);
    await page.goto(`${t.url}/sign-in?returnTo=/partners`);
    await devSignIn(page, customer, 'global-admin', 'Grace Admin');
    await page.waitForURL(`${t.url}/partners`);
    const session = (await noScripts.context.cookies(t.url)).find((c) => c.name === '__Host-session');
    expect(session?.secure).toBe(true);
    expect(session?.httpOnly).toBe(true);
    await page.close();
  });

  it('signs in, opens the email’s link, accepts; another invitation: Decline, confirmation, Decline', async () => {
    const customer = randomUUID();
    await noScripts.context.clearCookies();
    const page = await noScripts.newPage(viewport);
    await page.goto(`${t.url}/sign-in?returnTo=/partners`);
    await devSignIn(page, customer, 'global-admin', 'Grace Admin');
    await page.waitForURL(`${t.url}/partners`);

    const first = await invite(t, partner, customer);
    await page.goto(invitationLink(await emailFor(t, `invitation:${first.id}:`)).url);
    await page.getByRole('heading', { name: 'Alpenblick IT' }).waitFor();
    await audit(page, viewport, 'invitation-review');
    await page.getByLabel('Your organization’s name').fill('Grace Holdings');
    await page.getByLabel(/I have read the Microsoft Customer Agreement/).check();
    await page.getByRole('button', { name: 'Accept & Authorize' }).click();
    await page.getByRole('heading', { name: 'Alpenblick IT is now authorized' }).waitFor();
    await audit(page, viewport, 'invitation-accepted');

    const second = await invite(t, partner, customer, { relationshipType: 'reseller', roles: [], duration: undefined });
    await page.goto(invitationLink(await emailFor(t, `invitation:${second.id}:`)).url);
    await page.getByRole('link', { name: 'Decline' }).click();
    await page.getByRole('heading', { name: 'Decline this invitation?' }).waitFor();
    await audit(page, viewport, 'invitation-decline-confirmation');
    await page.getByRole('button', { name: 'Decline' }).click();
    await page.getByText('You declined the invitation from Alpenblick IT.').waitFor();
    await audit(page, viewport, 'invitation-declined');
    await page.close();
  });
});

describe.each(viewports)('Partner relationships with JavaScript off at $width px', (viewport) => {
  /** A relationship of `customer` with a partner of its own, from an invitation its admin accepted through the API. */
  async function relationshipWith(customer: string, id: string, displayName: string): Promise<void> {
    const other = await putPartner(t, `${id}-${viewport.width}`, { displayName });
    const invitation = await invite(t, other, customer);
    const { code } = invitationLink(await emailFor(t, `invitation:${invitation.id}:`));
    const accepted = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
      ...json({ code, acceptAgreement: true, agreementVersion: '2024-10' }),
      token: await t.token('global-admin', customer),
    });
    expect(accepted.status, await accepted.clone().text()).toBe(200);
  }

  it('signs in, removes one partner’s roles, requests termination of another, opens a details page', async () => {
    const customer = randomUUID();
    await relationshipWith(customer, 'bergwerk-nojs', 'Bergwerk IT');
    await relationshipWith(customer, 'nordlicht-nojs', 'Nordlicht Systems');
    await noScripts.context.clearCookies();
    const page = await noScripts.newPage(viewport);
    await page.goto(`${t.url}/sign-in?returnTo=/partners`);
    await devSignIn(page, customer, 'global-admin', 'Grace Admin');
    await page.waitForURL(`${t.url}/partners`);
    await page.getByRole('table', { name: /Partner relationships/ }).waitFor();
    await expect(page.locator('.list-count').textContent()).resolves.toBe('2 partners');
    await audit(page, viewport, 'partners-table', { serverHtml: true });

    await page.getByRole('checkbox', { name: 'Select Bergwerk IT' }).check();
    await page.getByRole('button', { name: 'Remove roles' }).click();
    await page.getByRole('heading', { name: 'Remove roles?' }).waitFor();
    await page.getByText('Bergwerk IT loses these admin roles in your organization').waitFor();
    await audit(page, viewport, 'partners-remove-roles-confirmation', { serverHtml: true });
    await page.getByRole('button', { name: 'Remove roles' }).click();
    await page.getByText('Admin roles removed. Bergwerk IT is still your partner.').waitFor();
    const bergwerk = page.getByRole('row', { name: /Bergwerk IT/ });
    await expect(bergwerk.locator('.roles-cell').textContent()).resolves.toBe('None');
    await audit(page, viewport, 'partners-roles-removed', { serverHtml: true });

    await page.getByRole('checkbox', { name: 'Select Nordlicht Systems' }).check();
    await page.getByRole('button', { name: 'Request termination' }).click();
    await page.getByRole('heading', { name: 'Request termination?' }).waitFor();
    await page.getByLabel('Reason (optional)').fill('We moved our IT in-house.');
    await audit(page, viewport, 'partners-termination-confirmation', { serverHtml: true });
    await page.getByRole('button', { name: 'Request termination' }).click();
    await page.getByText('Nordlicht Systems was asked to end the relationship.').waitFor();
    const nordlicht = page.getByRole('row', { name: /Nordlicht Systems/ });
    await expect(nordlicht.locator('.status-cell').textContent()).resolves.toBe('Termination requested');
    await audit(page, viewport, 'partners-termination-requested', { serverHtml: true });

    await page.getByRole('link', { name: 'Bergwerk IT' }).click();
    await page.getByRole('heading', { name: 'Bergwerk IT' }).waitFor();
    await page.getByText(/Admin roles removed .* by Grace Admin/).waitFor();
    await audit(page, viewport, 'partners-details', { serverHtml: true });

    // With JavaScript on, app.js takes the server's table over: the address's search stays, one table only.
    await scripts.context.clearCookies();
    await scripts.context.addCookies(await noScripts.context.cookies());
    const enhanced = await scripts.newPage(viewport);
    await enhanced.goto(`${t.url}/partners?q=nord`);
    await enhanced.locator('.data-table .relationship-item').first().waitFor();
    await expect(enhanced.locator('#relationships-form').count()).resolves.toBe(0);
    await expect(enhanced.locator('table.data-table').count()).resolves.toBe(1);
    await expect(enhanced.getByRole('searchbox', { name: 'Search partners' }).inputValue()).resolves.toBe('nord');
    await expect(enhanced.locator('.data-table tbody tr').allTextContents()).resolves.toEqual([
      expect.stringContaining('Nordlicht Systems'),
    ]);
    await enhanced.getByRole('button', { name: 'Export' }).waitFor();
    await enhanced.close();
    await page.close();
  });
});

/**
 * Find a partner with JavaScript off: the search is a GET form, the selection rides in the query
 * across pages, the contact form posts and a refused field comes back as the form with its sentence.
 * axe audits the HTML the no-script browser got, replayed at its URL under the real CSP.
 */
describe.each(viewports)('Find a partner with JavaScript off at $width px', (viewport) => {
  const partners = Array.from({ length: 22 }, (_, i) => `Kalkspat Systems ${String(i + 1).padStart(2, '0')}`);

  beforeAll(async () => {
    for (const [i, displayName] of partners.entries())
      await putPartner(t, `kalkspat-${viewport.width}-${i + 1}`, {
        displayName,
        description: `Kalkspat${viewport.width}: backup and Teams rollouts for growing firms.`,
      });
  });

  async function auditFind(page: Page, state: string): Promise<void> {
    const csp = (await t.fetch('/')).headers.get('content-security-policy') ?? '';
    await checkStateWithoutScripts(
      page,
      { noScripts, twins: scripts },
      viewport,
      state,
      `nojs-find-${viewport.width}-${state}`,
      {
        replay: { status: 200, csp },
      },
    );
  }

  it('searches, selects across two pages, refuses a sixth, contacts them: a bad email shows its sentence, then the thank-you page', async () => {
    const page = await noScripts.newPage(viewport);
    await page.goto(`${t.url}/`);
    await page.getByLabel('Keywords').fill(`kalkspat${viewport.width}`);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('heading', { name: 'Partners that match' }).waitFor();
    await expect(page.locator('.result-count').textContent()).resolves.toMatch(
      /^20 partners on this page, more on the next/,
    );
    await auditFind(page, 'results');

    const firstPage = await page.locator('.result-name label').allTextContents();
    for (const name of firstPage.slice(0, 5)) await page.getByLabel(name, { exact: true }).check();
    await page.getByRole('button', { name: 'More partners' }).click();
    await page.getByRole('group', { name: 'Selected on earlier pages' }).waitFor();
    const secondPage = await page.locator('.result-name label').allTextContents();
    expect(secondPage).toHaveLength(2);
    expect(secondPage.some((name) => firstPage.includes(name))).toBe(false);
    const [sixth = ''] = secondPage;
    await expect(page.locator('.earlier-selection label').allTextContents()).resolves.toEqual(firstPage.slice(0, 5));

    // A sixth partner: the results again, saying why, every box as it was.
    await page.getByLabel(sixth, { exact: true }).check();
    await page.getByRole('button', { name: 'Contact selected providers' }).click();
    await page
      .getByText(
        'You selected 6 partners, and one request goes to at most 5. Clear one of them, then contact the others.',
      )
      .waitFor();
    await auditFind(page, 'six-selected');
    for (const name of firstPage.slice(2, 5)) await page.getByLabel(name, { exact: true }).uncheck();
    await page.getByRole('button', { name: 'Contact selected providers' }).click();

    const chosen = [...firstPage.slice(0, 2), sixth].sort();
    await page.getByRole('heading', { name: 'Contact these 3 partners' }).waitFor();
    expect((await page.locator('.chosen-partners li').allTextContents()).sort()).toEqual(chosen);
    await auditFind(page, 'contact');

    await page.getByLabel('What do you need help with?').fill('We want our backups in the cloud before the summer.');
    await page.getByLabel('Your name').fill('Erika Mustermann');
    // The browser takes it (no dot needed there); the service asks for a full address.
    await page.getByLabel('Work email').fill('erika@mustermann');
    await page.getByLabel('Organization', { exact: true }).fill('Mustermann GmbH');
    await page.getByLabel('Country').selectOption('DE');
    await page.getByLabel('Organization size').selectOption('10-49');
    await page.getByLabel('The selected partners may contact me about my request.').check();
    await page.getByLabel('Share these details with the selected partners.').check();
    await page.getByRole('button', { name: 'Send request' }).click();

    const sentence = 'Enter your work email address, like name@example.com.';
    await page.getByRole('heading', { name: 'Please check your request' }).waitFor();
    await expect(page.locator('#email-error').textContent()).resolves.toBe(sentence);
    await expect(page.getByRole('link', { name: `Work email: ${sentence}` }).count()).resolves.toBe(1);
    await expect(page.getByLabel('Your name').inputValue()).resolves.toBe('Erika Mustermann');
    await expect(page.getByLabel('Work email').inputValue()).resolves.toBe('erika@mustermann');
    await expect(page.getByLabel('Share these details with the selected partners.').isChecked()).resolves.toBe(true);
    expect((await page.locator('.chosen-partners li').allTextContents()).sort()).toEqual(chosen);
    await auditFind(page, 'contact-bad-email');

    await page.getByLabel('Work email').fill('erika@mustermann.example');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByRole('heading', { name: 'Thank you — your request is on its way' }).waitFor();
    expect((await page.locator('.chosen-partners li').allTextContents()).sort()).toEqual(chosen);
    await auditFind(page, 'thank-you');
    await page.close();
  });
});

describe.each(viewports)('Settings, Audit log and Pending invitations with JavaScript off at $width px', (viewport) => {
  it('changes a setting, filters the audit log and follows a page link, opens Pending invitations and follows Review', async () => {
    const customer = randomUUID();
    await noScripts.context.clearCookies();
    const page = await noScripts.newPage(viewport);
    await page.goto(`${t.url}/sign-in?returnTo=/settings`);
    await devSignIn(page, customer, 'global-admin', 'Grace Admin');
    await page.waitForURL(`${t.url}/settings`);

    const box = page.getByLabel('MPSA partners may see purchases made through my other MPSA partners');
    await audit(page, viewport, 'settings-form');
    await expect(box.isChecked()).resolves.toBe(false);
    await box.check();
    await page.getByRole('button', { name: 'Save setting' }).click();
    await page.getByText('Setting saved.').waitFor();
    await expect(box.isChecked()).resolves.toBe(true);
    await audit(page, viewport, 'settings-saved');

    // More than a page of events: 26 changes through the API on top of the form's one.
    const admin = await t.token('global-admin', customer, { name: 'Ada Api' });
    await flipSettings(t, customer, admin, 26);
    await page.getByRole('navigation', { name: 'Customer' }).getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await audit(page, viewport, 'audit-log');
    await page.getByLabel('Action').selectOption('settings.updated');
    await page.getByLabel('Who').fill('grace');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/\/audit\?action=settings.updated&who=grace/);
    await page.getByText('1 event matches the filters').waitFor();
    await expect(page.locator('table.audit tbody tr').allInnerTexts()).resolves.toEqual([
      expect.stringMatching(/Settings changed\s+—\s+MPSA purchase visibility: off → on\s+Grace Admin/),
    ]);
    await audit(page, viewport, 'audit-filtered');
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await page.getByRole('link', { name: 'Older events' }).click();
    await page.getByRole('link', { name: 'Newest events' }).waitFor();
    // The form's change and 25 of the API's (its first saved what the form had) fill the first page.
    await expect(page.locator('table.audit tbody tr').count()).resolves.toBe(1);
    await audit(page, viewport, 'audit-older');

    const invitation = await invite(t, partner, customer);
    await page.getByRole('navigation', { name: 'Customer' }).getByRole('link', { name: 'Pending invitations' }).click();
    await page.getByRole('heading', { level: 1, name: 'Pending invitations' }).waitFor();
    await audit(page, viewport, 'invitations');
    await page.getByRole('link', { name: 'Review the invitation from Alpenblick IT' }).click();
    await page.waitForURL(`${t.url}/invitations/${invitation.id}`);
    await page.getByRole('heading', { name: 'Alpenblick IT' }).waitFor();
    await expect(page.getByRole('button', { name: 'Accept & Authorize' }).isVisible()).resolves.toBe(true);
    await audit(page, viewport, 'invitations-review');
    await page.close();
  });
});
