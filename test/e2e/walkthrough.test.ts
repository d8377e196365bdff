import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { TestHost } from '../support/host.js';
import { emailFor, invitationLink } from '../support/relationships.js';
import { checkState, tabThrough } from './audit.js';
import { launchBrowser, startSiteHost, viewports, watchConsole, type Browser } from './browser.js';
import { devSignIn, invite, putPartner } from './support.js';

/**
 * Every customer page and every public page, in each of their states, at desktop (1366×900) and
 * phone (390×844) width: axe-core (WCAG 2.2 A/AA) finds nothing, the keyboard reaches everything
 * with a visible focus that nothing covers, and a screenshot of each state lands in
 * test-results/screenshots/<width>-<state>.png.
 */
let t: TestHost;
let browser: Browser;
const customer = randomUUID();
const newcomer = randomUUID();
let pendingLink = '';

beforeAll(async () => {
  t = await startSiteHost();
  const alpenblick = await putPartner(t, 'alpenblick-it', { displayName: 'Alpenblick IT', certified: true });
  const isar = await putPartner(t, 'isar-cloud', { displayName: 'Isar Cloud Services' });
  await putPartner(t, 'wolke-sieben', {
    displayName: 'Wolke Sieben Digital',
    locations: [{ country: 'DE' }],
    description: 'Backup, security and Teams rollouts across Germany.',
  });
  for (const partner of [alpenblick, isar]) {
    const invitation = await invite(t, partner, customer);
    const { code } = invitationLink(await emailFor(t, `invitation:${invitation.id}:`));
    const accepted = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
      method: 'POST',
      token: await t.token('global-admin', customer, { name: 'Grace Admin' }),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, acceptAgreement: true, agreementVersion: '2024-10' }),
    });
    expect(accepted.status).toBe(200);
  }
  const pending = await invite(t, alpenblick, newcomer);
  pendingLink = invitationLink(await emailFor(t, `invitation:${pending.id}:`)).url;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe.each(viewports)('every page at $name width ($width×$height)', (viewport) => {
  let page: Page;
  let problems: string[];
  const check = (state: string) => checkState(page, viewport, state);

  beforeAll(async () => {
    page = await browser.newPage({ width: viewport.width, height: viewport.height });
    problems = watchConsole(page);
  });
  afterAll(() => page.close());

  it('the public pages: Find a partner (first visit, results, errors), the contact form (and its errors), thank you, Page not found', async () => {
    await page.goto(`${t.url}/`);
    await check('01-find-partner-first-visit');
    await page.goto(`${t.url}/?country=DE&q=backup`);
    await page.getByRole('heading', { name: 'Partners that match' }).waitFor();
    await check('02-find-partner-results');
    // Keyboard only: from the top through the form and the results; nothing covers the focus.
    await page.locator('body').focus();
    const visited = await tabThrough(page, 20);
    expect(visited[0]).toContain('Skip to content');
    expect(visited.some((v) => v.includes('Search'))).toBe(true);
    for (const name of ['Alpenblick IT', 'Isar Cloud Services']) await page.getByLabel(name).check();
    await check('03-find-partner-selected');
    await page.goto(`${t.url}/?country=Germany`);
    await check('04-find-partner-field-error');

    await page.goto(`${t.url}/contact?partnerIds=alpenblick-it&partnerIds=isar-cloud`);
    await check('05-contact-form');
    await page.getByLabel('What do you need help with?').fill('Backups');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.locator('#form-errors').waitFor();
    await check('06-contact-form-errors');

    const sent = await t.fetch('/api/contact-requests', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        partnerIds: ['alpenblick-it'],
        businessNeeds: 'Daily backups of Microsoft 365 for 30 people.',
        name: 'Erika',
        email: 'erika@example.test',
        company: 'Muster GmbH',
        country: 'DE',
        organizationSize: '10-49',
        consentToContact: true,
        consentToShareDetails: true,
      }),
    });
    const { id } = (await sent.json()) as { id: string };
    await page.goto(`${t.url}/contact/thank-you?id=${id}`);
    await check('07-thank-you');
    await page.goto(`${t.url}/directory/alpenblick-it`);
    await page.getByRole('heading', { level: 1, name: /Alpenblick IT/ }).waitFor();
    await check('09-partner-profile');
    await page.goto(`${t.url}/no-such-page`);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await check('08-page-not-found');
    expect(problems).toEqual([]);
  });

  it('the customer pages in the admin shell: sign-in, Partner relationships (table, selection, details panel and its tabs, a question), Pending invitations, Customer Agreement, Settings, Audit log, an invitation', async () => {
    await page.goto(`${t.url}/partners`);
    await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
    await check('20-sign-in');
    await devSignIn(page, customer, 'global-admin', 'Grace Admin');
    await page.locator('.data-table .relationship-item').first().waitFor();
    await check('21-partner-relationships');
    if (viewport.name === 'phone') {
      await page.getByRole('button', { name: 'Navigation' }).click();
      await check('22-navigation-open');
      await page.keyboard.press('Escape');
      await expect(page.getByRole('navigation', { name: 'Customer' }).isVisible()).resolves.toBe(false);
    }
    await page.getByRole('checkbox', { name: 'Select Isar Cloud Services' }).check();
    await check('23-partner-relationships-selected');
    await page.getByRole('button', { name: /^Alpenblick IT$/ }).click();
    const details = page.locator('.relationship-details');
    await details.getByRole('heading', { name: 'Alpenblick IT' }).waitFor();
    await check('24-details-overview');
    // The panel keeps the focus inside: Tab cycles through its controls only.
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      await expect(page.evaluate('Boolean(document.activeElement?.closest("dialog.flyout"))')).resolves.toBe(true);
    }
    await details.getByRole('tab', { name: /^Roles/ }).click();
    await check('25-details-roles');
    await details.getByRole('tab', { name: /^History/ }).click();
    await check('26-details-history');
    await details.getByRole('tab', { name: /^Overview/ }).click();
    await details.getByRole('button', { name: 'Remove roles' }).click();
    await page.getByRole('dialog', { name: 'Remove roles?' }).waitFor();
    await check('27-remove-roles-question');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');

    for (const [link, state] of [
      ['Pending invitations', '28-pending-invitations'],
      ['Customer Agreement', '29-customer-agreement'],
      ['Settings', '30-settings'],
      ['Audit log', '31-audit-log'],
    ] as const) {
      if (viewport.name === 'phone') await page.getByRole('button', { name: 'Navigation' }).click();
      await page.getByRole('navigation', { name: 'Customer' }).getByRole('link', { name: link }).click();
      await page.getByRole('heading', { level: 1, name: link }).waitFor();
      await page.locator('#content > .loading').waitFor({ state: 'detached' });
      if (link === 'Audit log') await page.locator('table.audit tbody tr:not(.skeleton-row)').first().waitFor();
      await check(state);
    }
    expect(problems).toEqual([]);
  });

  it('an invitation to review, and a Customer Agreement not yet accepted', async () => {
    const fresh = await browser.newPage({ width: viewport.width, height: viewport.height });
    const freshProblems = watchConsole(fresh);
    try {
      page = fresh;
      await fresh.goto(pendingLink);
      await devSignIn(fresh, newcomer, 'global-admin', 'Nina Newcomer');
      await fresh.getByRole('button', { name: 'Accept & Authorize' }).waitFor();
      await check('40-invitation-review');
      await fresh.goto(`${t.url}/agreement`);
      await fresh.getByRole('button', { name: 'Accept', exact: true }).waitFor();
      await check('41-customer-agreement-missing');
      await fresh.goto(`${t.url}/partners`);
      await fresh.getByText('Your organization does not work with any partner yet.').waitFor();
      await check('42-partner-relationships-empty');
      expect(freshProblems).toEqual([]);
    } finally {
      await fresh.close();
    }
  });
});
