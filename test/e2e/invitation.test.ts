import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHost } from '../support/host.js';
import { emailFor, invitationLink } from '../support/relationships.js';
import { launchBrowser, screenshot, startSiteHost, watchConsole, type Browser } from './browser.js';
import { devSignIn, invite, putPartner } from './support.js';

let t: TestHost;
let browser: Browser;
let partner: { id: string; tenantId: string };
const customer = randomUUID();

beforeAll(async () => {
  t = await startSiteHost();
  partner = await putPartner(t, 'alpenblick-it', {
    displayName: 'Alpenblick IT',
    website: 'https://alpenblick.example',
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('Accept agreement & authorize partner', () => {
  it('opens the link from the invitation email, signs in, accepts once the box is ticked, then lists the partners and their details', async () => {
    const invitation = await invite(t, partner, customer);
    const link = invitationLink(await emailFor(t, `invitation:${invitation.id}:`));
    expect(link.url.startsWith(`${t.url}/invitations/`)).toBe(true);

    const page = await browser.newPage();
    const problems = watchConsole(page);
    await page.goto(link.url);
    await page.locator('.dev-badge').first().waitFor();
    await screenshot(page, '10-invitation-sign-in');
    await devSignIn(page, customer, 'global-admin', 'Grace Admin');

    await page.getByRole('heading', { name: 'Alpenblick IT' }).waitFor();
    await expect(page.locator('#session').textContent()).resolves.toContain('Signed in as Grace Admin');
    const facts = (await page.locator('.facts').textContent()) ?? '';
    expect(facts).toContain('Delegated administrator');
    expect(facts).toContain('Manage products and services for your organization');
    // P365D, as people say it.
    expect(facts).toMatch(/Admin roles for\s*1 year(?!s)/);
    await expect(page.locator('.roles li strong').allTextContents()).resolves.toEqual([
      'Helpdesk Administrator',
      'User Administrator',
    ]);
    await expect(page.getByRole('link', { name: /Microsoft Customer Agreement/ }).getAttribute('href')).resolves.toBe(
      'https://agreements.example.test/customer-agreement',
    );
    const accept = page.getByRole('button', { name: 'Accept & Authorize' });
    await expect(accept.isDisabled()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Decline' }).isEnabled()).resolves.toBe(true);
    await screenshot(page, '11-invitation-review');

    await page.getByLabel(/I have read the Microsoft Customer Agreement/).check();
    await expect(accept.isEnabled()).resolves.toBe(true);
    // Without the organization's name: a sentence at the field, which takes the focus, and nothing sent.
    await accept.click();
    await expect(page.locator('#customer-name-error').textContent()).resolves.toBe(
      'Enter your organization’s name, as your partners should see it.',
    );
    await expect(page.locator('#customer-name').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.evaluate<string | undefined>('document.activeElement?.id')).resolves.toBe('customer-name');
    await screenshot(page, '11a-invitation-name-missing');
    await page.getByLabel('Your organization’s name').fill('Grace Holdings');
    await accept.click();

    await page.getByRole('heading', { name: 'Alpenblick IT is now authorized' }).waitFor();
    await page.getByRole('heading', { name: 'Partners your organization works with' }).waitFor();
    const item = page.getByRole('button', { name: /Alpenblick IT/ });
    await expect(item.textContent()).resolves.toContain('Delegated administrator · Active · 2 admin roles');
    await screenshot(page, '12-invitation-accepted-partner-list');

    await item.click();
    await expect(item.getAttribute('aria-expanded')).resolves.toBe('true');
    const details = page.locator('.relationship-details');
    await details.getByRole('heading', { name: 'Alpenblick IT' }).waitFor();
    await expect(details.locator('.facts').textContent()).resolves.toMatch(
      /Status\s*Active[\s\S]*Helpdesk Administrator[\s\S]*Customer Agreement\s*Version 2024-10, accepted .* by Grace Admin/,
    );
    await expect(details.locator('.facts').textContent()).resolves.toMatch(/Admin roles for\s*1 year(?!s)/);
    await expect(details.locator('.history li').first().textContent()).resolves.toContain('Relationship created');
    // Focus moved to the details, so keyboard and screen reader users land there.
    await expect(page.evaluate<string | undefined>('document.activeElement?.id')).resolves.toBe(
      'relationship-details-heading',
    );
    await screenshot(page, '13-invitation-relationship-details');

    // The link again: used, and the page says so plainly.
    await page.goto(link.url);
    await page.getByText('This invitation from Alpenblick IT has already been accepted.').waitFor();
    expect(problems).toEqual([]);
  });

  it('says plainly when an invitation was withdrawn, or the link is not for this organization', async () => {
    const invitation = await invite(t, partner, customer, {
      relationshipType: 'reseller',
      roles: [],
      duration: undefined,
    });
    const link = invitationLink(await emailFor(t, `invitation:${invitation.id}:`));
    const revoked = await t.fetch(`/api/partners/${partner.id}/invitations/${invitation.id}/revoke`, {
      method: 'POST',
      token: await t.token('partner', partner.tenantId),
    });
    expect(revoked.status).toBe(200);

    const page = await browser.newPage();
    await page.goto(link.url);
    // A new tab: the session lives in sessionStorage, per tab.
    await devSignIn(page, customer, 'global-admin', 'Grace Admin');
    await page.getByText('Alpenblick IT withdrew this invitation. Nothing was changed in your organization.').waitFor();
    await screenshot(page, '14-invitation-withdrawn');

    await page.goto(`${t.url}/invitations/${invitation.id}?code=not-the-code`);
    await page.getByText(/This invitation link is not valid for your organization/).waitFor();
  });

  it('lets the organization that owns an invited domain accept it, and tells another organization the link is not for it', async () => {
    const owner = randomUUID();
    t.discovery.owners.set('fabrikam-e2e.example', owner);
    const invitation = await invite(
      t,
      partner,
      { domain: 'fabrikam-e2e.example' },
      { relationshipType: 'reseller', roles: [], duration: undefined },
    );
    const link = invitationLink(await emailFor(t, `invitation:${invitation.id}:`));

    const other = await launchBrowser();
    try {
      const page = await other.newPage();
      await page.goto(link.url);
      await devSignIn(page, randomUUID(), 'global-admin', 'Eve Elsewhere');
      await page.getByText(/This invitation link is not valid for your organization/).waitFor();
    } finally {
      await other.close();
    }

    const page = await browser.newPage();
    await page.goto(link.url);
    await devSignIn(page, owner, 'global-admin', 'Fay Fabrikam');
    await page.getByRole('heading', { name: 'Alpenblick IT' }).waitFor();
    await page.getByLabel('Your organization’s name').fill('Fabrikam');
    await page.getByLabel(/I have read the Microsoft Customer Agreement/).check();
    await page.getByRole('button', { name: 'Accept & Authorize' }).click();
    await page.getByRole('heading', { name: 'Alpenblick IT is now authorized' }).waitFor();
    await screenshot(page, '16-domain-invitation-accepted');
  });

  it('tells a signed-in person without an admin role that only an administrator can decide', async () => {
    const other = randomUUID();
    const invitation = await invite(t, partner, other);
    const link = invitationLink(await emailFor(t, `invitation:${invitation.id}:`));
    const context = await launchBrowser();
    try {
      const page = await context.newPage({ width: 375, height: 812 });
      await page.goto(link.url);
      await devSignIn(page, other, 'user', 'Una User');
      await page
        .getByText(/Only a Global administrator or Billing administrator of your organization can accept or decline/)
        .waitFor();
      await expect(page.getByRole('button', { name: 'Accept & Authorize' }).count()).resolves.toBe(0);
      await expect(page.evaluate<number>('document.documentElement.scrollWidth')).resolves.toBeLessThanOrEqual(375);
      await screenshot(page, '15-invitation-not-admin-phone');
    } finally {
      await context.close();
    }
  });
});
