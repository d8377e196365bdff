import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestHost } from '../../support/host.js';
import { emailFor, hostWithPartners, invitationLink, json } from '../../support/relationships.js';

/**
 * Customer names, not GUIDs: Entra ID access tokens carry no tenant name, so the admin who accepts
 * confirms the organization's name on the acceptance page; the partner then sees it next to the
 * tenant id in every view and email.
 */
let t: TestHost;
const partnerTenant = 'a5000000-0000-4000-8000-00000000000a';
const customer = 'c5000000-0000-4000-8000-00000000000c';
const partnerId = 'naming-partners';
const helpdesk = '729827e3-9c14-49f7-bb1b-9608f156bbb8';

beforeAll(async () => {
  t = await hostWithPartners([
    { id: partnerId, tenantId: partnerTenant, displayName: 'Naming Partners', contactEmail: 'deals@naming.test' },
  ]);
});
afterAll(() => t.stop());

const partnerToken = () => t.token('partner', partnerTenant, { name: 'Pat Partner' });
const admin = () => t.token('global-admin', customer, { name: 'Grace Admin', email: 'grace@customer.test' });

async function invite() {
  const response = await t.fetch(`/api/partners/${partnerId}/invitations`, {
    ...json({
      customerTenantId: customer,
      customerAdminEmail: 'grace@customer.test',
      relationshipType: 'delegatedAdministrator',
      roles: [helpdesk],
      duration: 'P90D',
    }),
    token: await partnerToken(),
  });
  expect(response.status).toBe(201);
  const { id } = (await response.json()) as { id: string };
  return { id, code: invitationLink(await emailFor(t, `invitation:${id}:`)).code };
}

const accept = async (id: string, code: string, extra: Record<string, unknown>) =>
  t.fetch(`/api/invitations/${id}/accept`, {
    ...json({ code, acceptAgreement: true, agreementVersion: '2024-10', ...extra }),
    token: await admin(),
  });

describe('the customer’s name, as the accepting admin confirms it', () => {
  it('an empty or overlong name is a 400 naming customerName, and the invitation stays pending', async () => {
    const { id, code } = await invite();
    for (const customerName of ['   ', 'x'.repeat(201)]) {
      const response = await accept(id, code, { customerName });
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { errors: { path: string }[] };
      expect(problem.errors.map((e) => e.path)).toEqual(['customerName']);
    }
    const view = (await (
      await t.fetch(`/api/partners/${partnerId}/invitations/${id}`, { token: await partnerToken() })
    ).json()) as { status: string; customerName: string | null };
    expect(view).toMatchObject({ status: 'pending', customerName: null });
  });

  it('shows next to the tenant id in the partner’s invitation, relationship and eligibility views and the accepted email', async () => {
    const { id, code } = await invite();
    const accepted = await accept(id, code, { customerName: '  Grace Holdings ' });
    expect(accepted.status, await accepted.clone().text()).toBe(200);
    const { relationship } = (await accepted.json()) as {
      relationship: { id: string; customerTenantId: string; customerName: string | null };
    };
    expect(relationship).toMatchObject({ customerTenantId: customer, customerName: 'Grace Holdings' });

    const token = await partnerToken();
    const invitation = await (await t.fetch(`/api/partners/${partnerId}/invitations/${id}`, { token })).json();
    expect(invitation).toMatchObject({ customerTenantId: customer, customerName: 'Grace Holdings' });
    const partnerRelationship = await (
      await t.fetch(`/api/partners/${partnerId}/relationships/${relationship.id}`, { token })
    ).json();
    expect(partnerRelationship).toMatchObject({ customerTenantId: customer, customerName: 'Grace Holdings' });
    const listed = (await (await t.fetch(`/api/partners/${partnerId}/relationships`, { token })).json()) as {
      items: { customerName: string | null }[];
    };
    expect(listed.items.map((r) => r.customerName)).toContain('Grace Holdings');
    const eligibility = await (
      await t.fetch(`/api/partners/${partnerId}/customers/${customer}/eligibility`, { token })
    ).json();
    expect(eligibility).toMatchObject({ customerTenantId: customer, customerName: 'Grace Holdings' });
    const customerView = await (
      await t.fetch(`/api/customers/${customer}/relationships/${relationship.id}`, { token: await admin() })
    ).json();
    expect(customerView).toMatchObject({
      customerName: 'Grace Holdings',
      partner: { id: partnerId, displayName: 'Naming Partners' },
    });

    const email = await emailFor(t, `invitation-accepted:${id}`);
    expect(email.subject).toBe('Grace Holdings accepted your invitation to a delegated administrator relationship');
    expect(email.text).toContain('Customer: Grace Holdings');
    expect(email.text).toContain(`Customer tenant: ${customer}`);
  });

  it('an acceptance without a name merges into the named relationship and keeps its name', async () => {
    const { id, code } = await invite();
    const response = await accept(id, code, {});
    expect(response.status).toBe(200);
    const { relationship } = (await response.json()) as {
      relationship: { customerName: string | null; history?: unknown };
    };
    expect(relationship.customerName).toBe('Grace Holdings');
    const email = await emailFor(t, `invitation-accepted:${id}`);
    expect(email.subject).toContain('Grace Holdings accepted');
  });

  it('the partner’s termination-request email names the customer too', async () => {
    const relationships = (await (
      await t.fetch(`/api/customers/${customer}/relationships`, { token: await admin() })
    ).json()) as { items: { id: string; status: string }[] };
    const active = relationships.items.find((r) => r.status === 'active');
    expect(active).toBeDefined();
    const response = await t.fetch(`/api/customers/${customer}/relationships/${active?.id}/termination-request`, {
      ...json({ reason: 'Moving on.' }),
      token: await admin(),
    });
    expect(response.status).toBe(200);
    const email = await emailFor(t, `termination-requested:${active?.id}`);
    expect(email.subject).toBe('Grace Holdings asks you to end your relationship');
    expect(email.text).toContain(`Customer tenant: ${customer}`);
  });
});
