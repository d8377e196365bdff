import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetClock, setClock } from '../../../shared/clock.js';
import { customerInvitationViewSchema } from '../../../shared/domain/views.js';
import { type TestHost } from '../../support/host.js';
import { emailFor, hostWithPartners, invitationLink, json } from '../../support/relationships.js';

/**
 * Pending invitations on the customer side: a customer admin lists those addressed to the tenant
 * (by tenant id, or by a domain Entra ID says it owns) and opens one without the email's code.
 */
let t: TestHost;
const partnerTenant = 'a6000000-0000-4000-8000-00000000000a';
const customer = 'c6000000-0000-4000-8000-00000000000c';
const other = 'd6000000-0000-4000-8000-00000000000d';
const partnerId = 'pending-partners';
const helpdesk = '729827e3-9c14-49f7-bb1b-9608f156bbb8';

beforeAll(async () => {
  t = await hostWithPartners([
    { id: partnerId, tenantId: partnerTenant, displayName: 'Pending Partners', contactEmail: 'deals@pending.test' },
  ]);
  t.discovery.owners.set('customer-six.test', customer);
  t.discovery.owners.set('elsewhere.test', other);
});
afterAll(() => {
  resetClock();
  return t.stop();
});

const partnerToken = () => t.token('partner', partnerTenant, { name: 'Pat Partner' });
const admin = (tenant = customer, email = 'ada@customer-six.test') =>
  t.token('global-admin', tenant, { name: 'Ada Admin', email });

async function invite(to: { customerTenantId: string } | { customerDomain: string }, message: string) {
  const response = await t.fetch(`/api/partners/${partnerId}/invitations`, {
    ...json({
      ...to,
      customerAdminEmail: 'ada@customer-six.test',
      relationshipType: 'delegatedAdministrator',
      roles: [helpdesk],
      duration: 'P90D',
      message,
    }),
    token: await partnerToken(),
  });
  expect(response.status).toBe(201);
  const { id } = (await response.json()) as { id: string };
  return { id, code: invitationLink(await emailFor(t, `invitation:${id}:`)).code };
}

async function list(token: string, query = '', tenant = customer) {
  const response = await t.fetch(`/api/customers/${tenant}/invitations${query}`, { token });
  return {
    response,
    items:
      response.status === 200
        ? ((await response.json()) as { items: unknown[] }).items.map((i) => customerInvitationViewSchema.parse(i))
        : [],
  };
}

describe('the customer’s pending invitations', () => {
  let byTenant: { id: string; code: string };
  let byDomain: { id: string; code: string };

  it('lists those addressed to the tenant id and to a domain it owns, newest first, with the partner’s name and a link without the code', async () => {
    byTenant = await invite({ customerTenantId: customer }, 'By tenant id.');
    byDomain = await invite({ customerDomain: 'customer-six.test' }, 'By domain.');
    await invite({ customerTenantId: other }, 'For someone else.');
    await invite({ customerDomain: 'elsewhere.test' }, 'For another domain.');
    const { response, items } = await list(await admin());
    expect(response.status).toBe(200);
    expect(items.map((i) => i.id)).toEqual([byDomain.id, byTenant.id]);
    expect(items[0]).toMatchObject({
      partner: { id: partnerId, displayName: 'Pending Partners' },
      customerDomain: 'customer-six.test',
      message: 'By domain.',
      url: `http://localhost:7071/invitations/${byDomain.id}`,
    });
    expect(items[1]).toMatchObject({
      customerTenantId: customer,
      roles: [{ id: helpdesk, name: 'Helpdesk Administrator' }],
    });
    expect(JSON.stringify(items)).not.toContain(byTenant.code);
  });

  it('a domain invitation shows only when Entra ID names the tenant as the domain’s owner: a sign-in name elsewhere lists it when the domain is named', async () => {
    const elsewhere = await admin(customer, 'ada@gmail.example');
    expect((await list(elsewhere)).items.map((i) => i.id)).toEqual([byTenant.id]);
    expect((await list(elsewhere, '?domain=customer-six.test')).items.map((i) => i.id)).toEqual([
      byDomain.id,
      byTenant.id,
    ]);
    // A domain the tenant does not own lists nothing of it: 404.
    expect((await list(elsewhere, '?domain=elsewhere.test')).response.status).toBe(404);
    // A sign-in name in someone else's domain does not bring that domain's invitations.
    expect((await list(await admin(customer, 'ada@elsewhere.test'))).items.map((i) => i.id)).toEqual([byTenant.id]);
  });

  it('is for the tenant’s own Global or Billing administrators: another tenant gets 404, a user 403', async () => {
    expect((await list(await admin(other, 'x@elsewhere.test'))).response.status).toBe(404);
    expect((await list(await t.token('user', customer, { email: 'u@customer-six.test' }))).response.status).toBe(403);
    expect(
      (await list(await t.token('billing-admin', customer, { email: 'b@customer-six.test' }))).response.status,
    ).toBe(200);
  });

  it('each opens without the email’s code for the invited tenant, and for no one else', async () => {
    for (const { id } of [byTenant, byDomain]) {
      const opened = `/api/customers/${customer}/invitations/${id}`;
      const page = await t.fetch(opened, { token: await admin() });
      expect(page.status).toBe(200);
      expect(await page.json()).toMatchObject({
        id,
        status: 'pending',
        canDecide: true,
        partner: { displayName: 'Pending Partners' },
      });
      // Another tenant, under its own tenant id or the invited one, finds nothing.
      expect(
        (await t.fetch(`/api/customers/${other}/invitations/${id}`, { token: await admin(other, 'x@elsewhere.test') }))
          .status,
      ).toBe(404);
      expect((await t.fetch(opened, { token: await admin(other, 'x@elsewhere.test') })).status).toBe(404);
      // The email's link still needs its code.
      expect((await t.fetch(`/api/invitations/${id}?code=wrong`, { token: await admin() })).status).toBe(404);
    }
  });

  it('is accepted without the code; accepted, declined, revoked and expired ones leave the list', async () => {
    expect(
      (
        await t.fetch(`/api/customers/${customer}/invitations/${byTenant.id}/accept`, {
          ...json({ acceptAgreement: true, agreementVersion: '2024-10' }),
          token: await t.token('user', customer),
        })
      ).status,
    ).toBe(403);
    const accepted = await t.fetch(`/api/customers/${customer}/invitations/${byTenant.id}/accept`, {
      ...json({ acceptAgreement: true, agreementVersion: '2024-10', customerName: 'Customer Six' }),
      token: await admin(),
    });
    expect(accepted.status, await accepted.clone().text()).toBe(200);
    const declined = await t.fetch(`/api/customers/${customer}/invitations/${byDomain.id}/decline`, {
      method: 'POST',
      token: await admin(),
    });
    expect(declined.status, await declined.clone().text()).toBe(200);
    const revoked = await invite({ customerTenantId: customer }, 'Withdrawn.');
    expect(
      (
        await t.fetch(`/api/partners/${partnerId}/invitations/${revoked.id}/revoke`, {
          method: 'POST',
          token: await partnerToken(),
        })
      ).status,
    ).toBe(200);
    const open = await invite({ customerTenantId: customer }, 'Still open.');
    expect((await list(await admin())).items.map((i) => i.id)).toEqual([open.id]);
    setClock(new Date(Date.now() + 31 * 24 * 3600 * 1000));
    try {
      expect((await list(await admin())).items).toEqual([]);
    } finally {
      resetClock();
    }
  });
});
