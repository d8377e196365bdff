import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryRoles } from '../../../shared/domain/roles.js';
import { resetClock, setClock } from '../../../shared/clock.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import { emailFor, invitationLink, json, seedPartner } from '../../support/relationships.js';

/**
 * Lists have a defined order: a partner's invitations and every relationship list are newest
 * first, page after page; the partner's relationship list filters by (derived) status.
 */
let t: TestHost;
const partnerId = 'fabrikam-solutions';
const partnerTenant = 'f0000000-0000-4000-8000-00000000000f';
const customer = 'c1000000-0000-4000-8000-000000000001';
const shortCustomer = 'c2000000-0000-4000-8000-000000000002';
const helpdesk = directoryRoles.helpdeskAdministrator;

beforeAll(async () => {
  t = await startTestHost();
  await seedPartner({
    id: partnerId,
    tenantId: partnerTenant,
    displayName: 'Fabrikam Solutions',
    contactEmail: 'team@fabrikam.test',
  });
});
afterAll(async () => {
  resetClock();
  await t.stop();
});

const partnerToken = () => t.token('partner', partnerTenant);
const admin = (tenant: string) => t.token('global-admin', tenant, { email: `admin@${tenant.slice(0, 8)}.test` });

interface Listed {
  id: string;
  type?: string;
  relationshipType?: string;
  customerTenantId: string;
  status: string;
}

/** Every item of a list, following continuation tokens `top` at a time. */
async function listAll(path: string, token: string, top = 2): Promise<Listed[]> {
  const items: Listed[] = [];
  let continuationToken: string | null = null;
  do {
    const query = new URLSearchParams({ top: String(top), ...(continuationToken ? { continuationToken } : {}) });
    const response = await t.fetch(`${path}${path.includes('?') ? '&' : '?'}${query}`, { token });
    expect(response.status, await response.clone().text()).toBe(200);
    const page = (await response.json()) as { items: Listed[]; continuationToken: string | null };
    items.push(...page.items);
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return items;
}

async function invite(tenant: string, relationshipType: string, grant: Record<string, unknown> = {}) {
  const response = await t.fetch(`/api/partners/${partnerId}/invitations`, {
    ...json({
      customerTenantId: tenant,
      customerAdminEmail: `admin@${tenant.slice(0, 8)}.test`,
      relationshipType,
      ...grant,
    }),
    token: await partnerToken(),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  const { id } = (await response.json()) as { id: string };
  return { relationshipType, tenant, ...invitationLink(await emailFor(t, `invitation:${id}:`)) };
}

async function accept(invitation: Awaited<ReturnType<typeof invite>>): Promise<string> {
  const response = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
    ...json({ code: invitation.code, acceptAgreement: true, agreementVersion: '2024-10' }),
    token: await admin(invitation.tenant),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { relationship: { id: string } }).relationship.id;
}

const withRoles = (duration: string) => ({ roles: [helpdesk], duration });

describe('lists are newest first', () => {
  /** Relationship ids by type, in the order they were made. */
  const made: { id: string; type: string; tenant: string }[] = [];

  beforeAll(async () => {
    // Five types that never merge, invited in one order and accepted in another: the lists follow
    // when each relationship was made, not when it was invited.
    const invited = [
      await invite(customer, 'delegatedAdministrator', withRoles('P365D')),
      await invite(customer, 'partner'),
      await invite(customer, 'advisor', withRoles('P365D')),
      await invite(customer, 'mpsaPartner'),
      await invite(customer, 'lineOfBusinessPartner'),
      await invite(shortCustomer, 'delegatedAdministrator', withRoles('P1D')),
    ];
    for (const index of [4, 2, 0, 3, 1, 5]) {
      const invitation = invited[index]!;
      made.push({ id: await accept(invitation), type: invitation.relationshipType, tenant: invitation.tenant });
    }
  }, 60_000);

  const newestFirst = () => made.map((r) => r.id).reverse();
  const ofType = (type: string, tenant = customer) => made.find((r) => r.type === type && r.tenant === tenant)!.id;

  it('the partner’s invitations, page after page, with or without a status filter', async () => {
    const created: string[] = [];
    for (const tenant of [
      'c3000000-0000-4000-8000-000000000003',
      'c4000000-0000-4000-8000-000000000004',
      'c5000000-0000-4000-8000-000000000005',
    ]) {
      created.push((await invite(tenant, 'reseller')).id);
    }
    const all = await listAll(`/api/partners/${partnerId}/invitations`, await partnerToken());
    expect(all).toHaveLength(9);
    expect(all.slice(0, 3).map((i) => i.id)).toEqual(created.reverse());
    const pending = await listAll(`/api/partners/${partnerId}/invitations?status=pending`, await partnerToken(), 1);
    expect(pending.map((i) => i.id)).toEqual(created);
    const accepted = await listAll(`/api/partners/${partnerId}/invitations?status=accepted`, await partnerToken());
    expect(accepted.map((i) => i.relationshipType)).toEqual(
      [
        'delegatedAdministrator',
        'partner',
        'advisor',
        'mpsaPartner',
        'lineOfBusinessPartner',
        'delegatedAdministrator',
      ].reverse(),
    );
  });

  it('the customer’s relationships, by when each was made', async () => {
    const listed = await listAll(`/api/customers/${customer}/relationships`, await admin(customer));
    expect(listed.map((r) => r.id)).toEqual(
      newestFirst().filter((id) => id !== ofType('delegatedAdministrator', shortCustomer)),
    );
  });

  it('the partner’s relationships, across customers', async () => {
    const listed = await listAll(`/api/partners/${partnerId}/relationships`, await partnerToken());
    expect(listed.map((r) => r.id)).toEqual(newestFirst());
  });

  it('the partner’s relationships filter by status, the derived expired among them, newest first', async () => {
    const requested = await t.fetch(
      `/api/customers/${customer}/relationships/${ofType('partner')}/termination-request`,
      { method: 'POST', token: await admin(customer) },
    );
    expect(requested.status).toBe(200);
    const terminated = await t.fetch(`/api/partners/${partnerId}/relationships/${ofType('mpsaPartner')}/terminate`, {
      method: 'POST',
      token: await partnerToken(),
    });
    expect(terminated.status).toBe(200);
    // The one-day roles of the second customer have run out two days later.
    setClock(new Date(Date.now() + 2 * 86_400_000));
    const byStatus = async (status: string, top = 1) =>
      (await listAll(`/api/partners/${partnerId}/relationships?status=${status}`, await partnerToken(), top)).map(
        (r) => [r.id, r.status],
      );
    expect(await byStatus('active')).toEqual(
      [ofType('delegatedAdministrator'), ofType('advisor'), ofType('lineOfBusinessPartner')].map((id) => [
        id,
        'active',
      ]),
    );
    expect(await byStatus('terminationRequested')).toEqual([[ofType('partner'), 'terminationRequested']]);
    expect(await byStatus('terminated')).toEqual([[ofType('mpsaPartner'), 'terminated']]);
    expect(await byStatus('expired', 20)).toEqual([[ofType('delegatedAdministrator', shortCustomer), 'expired']]);
    resetClock();
    expect(await byStatus('expired', 20)).toEqual([]);
    expect(await byStatus('active', 20)).toHaveLength(4);

    const bad = await t.fetch(`/api/partners/${partnerId}/relationships?status=ended`, { token: await partnerToken() });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['status']);
  });
});
