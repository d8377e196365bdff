import type { Page } from 'playwright-core';
import type { TestHost } from '../support/host.js';
import { emailFor } from '../support/relationships.js';

export { putPartner } from '../support/relationships.js';

export const roleIds = {
  helpdesk: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
  userAdmin: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
};

/**
 * A partner invites a customer tenant (or the owner of a domain) to a delegated-admin relationship, through the API.
 */
export async function invite(
  t: TestHost,
  partner: { id: string; tenantId: string },
  customer: string | { domain: string },
  body: Record<string, unknown> = {},
): Promise<{ id: string }> {
  const invited =
    typeof customer === 'string'
      ? { customerTenantId: customer, customerAdminEmail: `admin@${customer.slice(0, 8)}.example` }
      : { customerDomain: customer.domain, customerAdminEmail: `it@${customer.domain}` };
  const response = await t.fetch(`/api/partners/${partner.id}/invitations`, {
    method: 'POST',
    token: await t.token('partner', partner.tenantId),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ...invited,
      relationshipType: 'delegatedAdministrator',
      roles: [roleIds.helpdesk, roleIds.userAdmin],
      duration: 'P365D',
      message: 'We look forward to looking after your Microsoft 365.',
      ...body,
    }),
  });
  if (response.status !== 201) throw new Error(`invite: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string };
}

/** The development sign-in on a page, as a developer fills it in. */
export async function devSignIn(page: Page, tenantId: string, role: string, name: string): Promise<void> {
  await page.getByRole('heading', { name: 'Development sign-in' }).waitFor();
  await page.getByLabel('Tenant ID').fill(tenantId);
  await page.getByLabel('Role').selectOption(role);
  await page.getByLabel('Name (optional)').fill(name);
  await page.getByRole('button', { name: 'Sign in (development)' }).click();
}

/** A customer sends a contact request to one partner from the contact form (as its script posts it); resolves once the partner's email is out. */
export async function sendContactRequest(
  t: TestHost,
  partnerId: string,
  name: string,
  businessNeeds: string,
): Promise<string> {
  const response = await t.fetch('/api/contact-requests', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      partnerIds: [partnerId],
      name,
      email: 'rita@fabrikam.example',
      company: 'Fabrikam Foods',
      country: 'DE',
      organizationSize: '50-249',
      businessNeeds,
      consentToContact: true,
      consentToShareDetails: true,
    }),
  });
  if (response.status !== 202) throw new Error(`contact request: ${response.status} ${await response.text()}`);
  const { id } = (await response.json()) as { id: string };
  await emailFor(t, `contact-request:${id}:`);
  return id;
}
