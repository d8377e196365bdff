import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryRoles } from '../../../shared/domain/roles.js';
import {
  acceptancePageSchema,
  agreementStateSchema,
  auditEventSchema,
  eligibilityViewSchema,
  pageSchema,
  partnerInvitationViewSchema,
  relationshipViewSchema,
} from '../../../shared/domain/views.js';
import { newestFirstRowKey } from '../../../shared/storage/keys.js';
import { tableNames } from '../../../shared/storage/names.js';
import { eventually, type TestHost } from '../../support/host.js';
import { resetClock, setClock } from '../../../shared/clock.js';
import {
  emailFor,
  hostWithPartners,
  invitationLink,
  json,
  outbox,
  runReminderTimer,
  type SeededPartner,
} from '../../support/relationships.js';

let t: TestHost;
let partner: SeededPartner;
const partnerTenant = 'a0000000-0000-0000-0000-00000000000a';
const customerA = 'c1000000-0000-0000-0000-000000000001';
const customerB = 'c2000000-0000-0000-0000-000000000002';
const outsider = 'e0000000-0000-0000-0000-00000000000e';
const { globalAdministrator: ga, helpdeskAdministrator: helpdesk } = directoryRoles;
const userAdmin = 'fe930be7-5e62-47db-91af-98c3a49a38b1';

beforeAll(async () => {
  partner = {
    id: 'contoso-partners',
    tenantId: partnerTenant,
    displayName: 'Contoso Partners',
    contactEmail: 'deals@contoso-partners.test',
  };
  const other = {
    id: 'other-partner',
    tenantId: outsider,
    displayName: 'Other Partner',
    contactEmail: 'hello@other.test',
  };
  t = await hostWithPartners([partner, other]);
});
afterAll(() => t.stop());

const partnerToken = () => t.token('partner', partnerTenant, { name: 'Pat Partner' });
const adminOf = (tenant: string, name = 'Ada Admin') =>
  t.token('global-admin', tenant, { name, email: `ada@${tenant.slice(0, 8)}.test` });
const invitationsPath = (p = partner.id) => `/api/partners/${p}/invitations`;

interface Invitation {
  id: string;
  status: string;
  relationshipType: string;
  roles: { id: string; name: string; description: string }[];
  expiresAt: string;
  relationshipId: string | null;
}
interface Relationship {
  id: string;
  type: string;
  status: string;
  roles: { id: string; name: string }[];
  partner: { id: string; displayName: string };
  endsAt: string | null;
  history?: { action: string }[];
  agreement?: { version: string; acceptedBy: { name: string } } | null;
}

/** Sends an invitation and returns it with the id and code from the link in its email. */
async function invite(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await t.fetch(invitationsPath(), { ...json(body, headers), token: await partnerToken() });
  expect(response.status, await response.clone().text()).toBe(201);
  const invitation = (await response.json()) as Invitation;
  const email = await emailFor(t, `invitation:${invitation.id}:`);
  return { invitation, email, link: invitationLink(email), location: response.headers.get('location') };
}

/** How many invitations storage holds (to show a refused request stored none). */
async function storedInvitations(): Promise<number> {
  let count = 0;
  for await (const _ of t.storage.table(tableNames.invitations).listEntities()) count++;
  return count;
}

const accept = async (id: string, code: string, token: string, extra: Record<string, unknown> = {}) =>
  t.fetch(`/api/invitations/${id}/accept`, {
    ...json({ code, acceptAgreement: true, agreementVersion: '2024-10', ...extra }),
    token,
  });

const delegated = (tenant: string, roles = [helpdesk, userAdmin]) => ({
  customerTenantId: tenant,
  customerAdminEmail: `admin@${tenant.slice(0, 8)}.test`,
  relationshipType: 'delegatedAdministrator',
  roles,
  duration: 'P365D',
  message: 'We look forward to working with you.',
});

describe('a partner invites, a customer reviews and accepts, and the relationship runs its course', () => {
  let first: Awaited<ReturnType<typeof invite>>;
  let relationshipId: string;

  it('creates the invitation (201, Location, no code in the answer) and emails the customer admin a working link', async () => {
    first = await invite(delegated(customerA));
    expect(first.location).toBe(`/api/partners/${partner.id}/invitations/${first.invitation.id}`);
    expect(first.invitation).toMatchObject({
      status: 'pending',
      relationshipType: 'delegatedAdministrator',
      customerTenantId: customerA,
      duration: 'P365D',
    });
    expect(first.invitation.roles.map((r) => r.name)).toEqual(['Helpdesk Administrator', 'User Administrator']);
    expect(JSON.stringify(first.invitation)).not.toContain(first.link.code);
    expect(first.email.to).toEqual([{ address: `admin@${customerA.slice(0, 8)}.test` }]);
    expect(first.link.url).toBe(
      `http://localhost:7071/invitations/${first.invitation.id}?code=${encodeURIComponent(first.link.code)}`,
    );
    expect(first.email.text).toContain('Contoso Partners');

    const review = await t.fetch(`/api/invitations/${first.link.id}?code=${encodeURIComponent(first.link.code)}`, {
      token: await adminOf(customerA),
    });
    expect(review.status).toBe(200);
    expect(await review.json()).toMatchObject({
      id: first.invitation.id,
      status: 'pending',
      partner: { id: partner.id, displayName: 'Contoso Partners', website: 'https://partner.example.test' },
      relationshipType: 'delegatedAdministrator',
      relationshipDescription: expect.stringContaining('Manage products and services'),
      roles: [
        { id: helpdesk, name: 'Helpdesk Administrator', description: expect.stringContaining('reset passwords') },
        { id: userAdmin, name: 'User Administrator', description: expect.any(String) },
      ],
      customerAgreement: { url: 'https://agreements.example.test/customer-agreement', version: '2024-10' },
      expiresAt: first.invitation.expiresAt,
      message: 'We look forward to working with you.',
      canDecide: true,
    });
    const days = (Date.parse(first.invitation.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
  });

  it('shows the page to a plain user of the tenant without letting them decide, and hides it from other tenants and wrong codes', async () => {
    const path = `/api/invitations/${first.link.id}?code=${encodeURIComponent(first.link.code)}`;
    const asUser = await t.fetch(path, { token: await t.token('user', customerA) });
    expect(((await asUser.json()) as { canDecide: boolean }).canDecide).toBe(false);
    expect((await t.fetch(path, { token: await adminOf(outsider) })).status).toBe(404);
    expect(
      (await t.fetch(`/api/invitations/${first.link.id}?code=wrong`, { token: await adminOf(customerA) })).status,
    ).toBe(404);
    expect((await t.fetch(`/api/invitations/${first.link.id}`, { token: await adminOf(customerA) })).status).toBe(400);
    expect((await t.fetch(`/api/invitations/not%23an-id?code=x`, { token: await adminOf(customerA) })).status).toBe(
      404,
    );
    expect((await t.fetch(`${invitationsPath()}/a%2Fb%23c`, { token: await partnerToken() })).status).toBe(404);
    expect(
      (await t.fetch(`/api/customers/${customerA}/relationships/x%23y`, { token: await adminOf(customerA) })).status,
    ).toBe(404);
  });

  it('refuses accepts that are not allowed, changing nothing', async () => {
    const { id, code } = first.link;
    const cases: [string, Promise<Response>, number][] = [
      ['helpdesk admin', accept(id, code, await t.token('helpdesk-admin', customerA)), 403],
      ['plain user', accept(id, code, await t.token('user', customerA)), 403],
      ['another tenant', accept(id, code, await adminOf(outsider)), 404],
      ['wrong code', accept(id, 'not-the-code', await adminOf(customerA)), 404],
      ['agreement not ticked', accept(id, code, await adminOf(customerA), { acceptAgreement: false }), 400],
      ['old agreement version', accept(id, code, await adminOf(customerA), { agreementVersion: '2023-01' }), 409],
      [
        'no token',
        t.fetch(`/api/invitations/${id}/accept`, json({ code, acceptAgreement: true, agreementVersion: '2024-10' })),
        401,
      ],
    ];
    for (const [what, pending, status] of cases) {
      const response = await pending;
      expect(response.status, what).toBe(status);
      expect(response.headers.get('content-type'), what).toBe('application/problem+json');
    }
    const unticked = (await (await accept(id, code, await adminOf(customerA), { acceptAgreement: false })).json()) as {
      errors: { path: string }[];
    };
    expect(unticked.errors.map((e) => e.path)).toEqual(['acceptAgreement']);
    const list = await t.fetch(`/api/customers/${customerA}/relationships`, { token: await adminOf(customerA) });
    expect(((await list.json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('accepts as Global administrator: relationship with roles, agreement recorded, partner emailed', async () => {
    const response = await accept(first.link.id, first.link.code, await adminOf(customerA, 'Ada Admin'));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; relationship: Relationship };
    expect(body.status).toBe('accepted');
    relationshipId = body.relationship.id;
    expect(body.relationship).toMatchObject({
      type: 'delegatedAdministrator',
      status: 'active',
      partner: { id: partner.id, displayName: 'Contoso Partners' },
    });

    const email = await emailFor(t, `invitation-accepted:${first.invitation.id}`);
    expect(email.to).toEqual([{ address: partner.contactEmail, displayName: 'Contoso Partners' }]);
    expect(email.text).toContain('Ada Admin');

    const list = (await (
      await t.fetch(`/api/customers/${customerA}/relationships`, { token: await t.token('user', customerA) })
    ).json()) as { items: Relationship[] };
    expect(list.items).toHaveLength(1);
    expect(list.items[0]!.roles.map((r) => r.id)).toEqual([helpdesk, userAdmin]);
    expect(Date.parse(list.items[0]!.endsAt!) - Date.now()).toBeGreaterThan(364 * 86_400_000);

    const details = await t.fetch(`/api/customers/${customerA}/relationships/${relationshipId}`, {
      token: await adminOf(customerA),
    });
    expect(details.headers.get('etag')).toBeTruthy();
    expect(await details.json()).toMatchObject({
      agreement: { version: '2024-10', acceptedBy: { name: 'Ada Admin' } },
      history: [{ action: 'created', invitationId: first.invitation.id }],
    });
    const agreement = await t.fetch(`/api/customers/${customerA}/agreement`, { token: await adminOf(customerA) });
    expect(await agreement.json()).toMatchObject({
      acceptedCurrentVersion: true,
      latest: { version: '2024-10', invitationId: first.invitation.id },
    });

    const partnerList = (await (
      await t.fetch(`/api/partners/${partner.id}/relationships`, { token: await partnerToken() })
    ).json()) as { items: Relationship[] };
    expect(partnerList.items.map((r) => r.id)).toContain(relationshipId);
    const invitation = await t.fetch(`${invitationsPath()}/${first.invitation.id}`, { token: await partnerToken() });
    expect(await invitation.json()).toMatchObject({ status: 'accepted', relationshipId });
  });

  it('answers a second accept with 409 and keeps one relationship', async () => {
    const again = await accept(first.link.id, first.link.code, await adminOf(customerA));
    expect(again.status).toBe(409);
    const list = (await (
      await t.fetch(`/api/customers/${customerA}/relationships`, { token: await adminOf(customerA) })
    ).json()) as { items: unknown[] };
    expect(list.items).toHaveLength(1);
  });

  it('accepts as Billing administrator too', async () => {
    const { link } = await invite({ ...delegated(customerB), relationshipType: 'resellerAndDelegatedAdministrator' });
    const response = await accept(
      link.id,
      link.code,
      await t.token('billing-admin', customerB, { name: 'Bill Billing' }),
    );
    expect(response.status).toBe(200);
    expect(((await response.json()) as { relationship: Relationship }).relationship.type).toBe(
      'resellerAndDelegatedAdministrator',
    );
  });

  it('merges a reseller invitation into the existing delegated administrator relationship', async () => {
    const { link } = await invite({
      customerTenantId: customerA,
      customerAdminEmail: 'admin@a.test',
      relationshipType: 'reseller',
    });
    const response = await accept(link.id, link.code, await adminOf(customerA));
    const merged = ((await response.json()) as { relationship: Relationship }).relationship;
    expect(merged).toMatchObject({ id: relationshipId, type: 'resellerAndDelegatedAdministrator' });
    expect(merged.roles.map((r) => r.id)).toEqual([helpdesk, userAdmin]);
  });

  it('removes all admin roles: the relationship stays, as a reseller with none', async () => {
    const path = `/api/customers/${customerA}/relationships/${relationshipId}/roles`;
    expect((await t.fetch(path, { method: 'DELETE', token: await t.token('helpdesk-admin', customerA) })).status).toBe(
      403,
    );
    expect(
      (
        await t.fetch(`/api/customers/${outsider}/relationships/${relationshipId}/roles`, {
          method: 'DELETE',
          token: await adminOf(outsider),
        })
      ).status,
    ).toBe(404);
    const stale = await t.fetch(path, {
      method: 'DELETE',
      token: await adminOf(customerA),
      headers: { 'if-match': 'W/"datetime\'2000-01-01T00%3A00%3A00Z\'"' },
    });
    expect(stale.status).toBe(412);
    const removed = await t.fetch(path, { method: 'DELETE', token: await adminOf(customerA) });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toMatchObject({ type: 'reseller', roles: [], status: 'active', endsAt: null });
    const list = (await (
      await t.fetch(`/api/customers/${customerA}/relationships`, { token: await adminOf(customerA) })
    ).json()) as { items: Relationship[] };
    expect(list.items).toMatchObject([{ id: relationshipId, type: 'reseller', roles: [] }]);
  });

  it('sends the partner a termination request, and the partner terminates', async () => {
    const request = await t.fetch(`/api/customers/${customerA}/relationships/${relationshipId}/termination-request`, {
      ...json({ reason: 'We are moving to another provider.' }),
      token: await adminOf(customerA),
    });
    expect(request.status).toBe(200);
    expect(await request.json()).toMatchObject({ status: 'terminationRequested' });
    const email = await emailFor(t, `termination-requested:${relationshipId}`);
    expect(email.to[0]!.address).toBe(partner.contactEmail);
    expect(email.text).toContain('We are moving to another provider.');
    const twice = await t.fetch(`/api/customers/${customerA}/relationships/${relationshipId}/termination-request`, {
      method: 'POST',
      token: await adminOf(customerA),
    });
    expect(twice.status).toBe(409);

    expect(
      (
        await t.fetch(`/api/partners/other-partner/relationships/${relationshipId}/terminate`, {
          method: 'POST',
          token: await t.token('partner', outsider),
        })
      ).status,
    ).toBe(404);
    const terminated = await t.fetch(`/api/partners/${partner.id}/relationships/${relationshipId}/terminate`, {
      method: 'POST',
      token: await partnerToken(),
    });
    expect(terminated.status).toBe(200);
    expect(await terminated.json()).toMatchObject({ status: 'terminated', terminatedAt: expect.any(String) });
    const told = await emailFor(t, `relationship-terminated:${relationshipId}`);
    expect(told.to[0]!.address).toBe(`ada@${customerA.slice(0, 8)}.test`);
    expect(
      (
        await t.fetch(`/api/partners/${partner.id}/relationships/${relationshipId}/terminate`, {
          method: 'POST',
          token: await partnerToken(),
        })
      ).status,
    ).toBe(409);

    const details = (await (
      await t.fetch(`/api/customers/${customerA}/relationships/${relationshipId}`, { token: await adminOf(customerA) })
    ).json()) as Relationship;
    expect(details.history!.map((h) => h.action)).toEqual([
      'created',
      'merged',
      'rolesRemoved',
      'terminationRequested',
      'terminated',
    ]);
  });

  it('writes an audit trail of all of it, newest first and paged, for customer and partner', async () => {
    const customerLog = await t.fetch(`/api/customers/${customerA}/audit?top=50`, { token: await adminOf(customerA) });
    const events = (
      (await customerLog.json()) as {
        items: {
          action: string;
          actor: { tenantId: string; name: string };
          invocationId: string;
          before: unknown;
          after: unknown;
        }[];
      }
    ).items;
    expect(events.map((e) => e.action)).toEqual([
      'relationship.terminated',
      'relationship.terminationRequested',
      'relationship.rolesRemoved',
      expect.stringMatching(/^(invitation\.accepted|relationship\.merged|agreement\.accepted)$/),
      expect.any(String),
      expect.any(String),
      'invitation.created',
      expect.any(String),
      expect.any(String),
      expect.any(String),
      'invitation.created',
    ]);
    expect(events.filter((e) => e.action === 'invitation.accepted')).toHaveLength(2);
    const removed = events.find((e) => e.action === 'relationship.rolesRemoved')!;
    expect(removed.before).toMatchObject({ type: 'resellerAndDelegatedAdministrator', roles: [helpdesk, userAdmin] });
    expect(removed.after).toMatchObject({ type: 'reseller', roles: [] });
    expect(removed.actor).toMatchObject({ tenantId: customerA, name: 'Ada Admin' });
    expect(removed.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(events.find((e) => e.action === 'relationship.terminated')!.actor.tenantId).toBe(partnerTenant);

    const page1 = (await (
      await t.fetch(`/api/customers/${customerA}/audit?top=4`, { token: await adminOf(customerA) })
    ).json()) as { items: unknown[]; continuationToken: string };
    expect(page1.items).toEqual(events.slice(0, 4));
    const page2 = (await (
      await t.fetch(`/api/customers/${customerA}/audit?top=4&continuationToken=${page1.continuationToken}`, {
        token: await adminOf(customerA),
      })
    ).json()) as { items: unknown[] };
    expect(page2.items).toEqual(events.slice(4, 8));

    expect(
      (await t.fetch(`/api/customers/${customerA}/audit`, { token: await t.token('user', customerA) })).status,
    ).toBe(403);
    expect((await t.fetch(`/api/customers/${customerA}/audit`, { token: await adminOf(outsider) })).status).toBe(404);

    const partnerLog = (await (
      await t.fetch(`/api/partners/${partner.id}/audit?top=50`, { token: await partnerToken() })
    ).json()) as { items: { action: string }[] };
    expect(partnerLog.items.filter((e) => e.action === 'invitation.created').length).toBeGreaterThanOrEqual(3);
    expect(partnerLog.items[0]!.action).toBe('relationship.terminated');
  });
});

describe('answers match the schemas the OpenAPI document shows', () => {
  it('for invitations, the acceptance page, relationships, agreement, eligibility and audit', async () => {
    const { invitation, link } = await invite(delegated(customerB, [helpdesk]));
    const same = <T>(schema: { parse(v: unknown): T }, value: unknown) => expect(schema.parse(value)).toEqual(value);
    same(partnerInvitationViewSchema, invitation);
    same(
      acceptancePageSchema,
      await (
        await t.fetch(`/api/invitations/${link.id}?code=${encodeURIComponent(link.code)}`, {
          token: await adminOf(customerB),
        })
      ).json(),
    );
    const relationships = (await (
      await t.fetch(`/api/customers/${customerA}/relationships`, { token: await adminOf(customerA) })
    ).json()) as { items: Relationship[] };
    same(pageSchema(relationshipViewSchema), relationships);
    same(
      relationshipViewSchema,
      await (
        await t.fetch(`/api/customers/${customerA}/relationships/${relationships.items[0]!.id}`, {
          token: await adminOf(customerA),
        })
      ).json(),
    );
    same(
      agreementStateSchema,
      await (await t.fetch(`/api/customers/${customerA}/agreement`, { token: await adminOf(customerA) })).json(),
    );
    same(
      eligibilityViewSchema,
      await (
        await t.fetch(`/api/partners/${partner.id}/customers/${customerA}/eligibility`, { token: await partnerToken() })
      ).json(),
    );
    same(
      pageSchema(auditEventSchema),
      await (await t.fetch(`/api/partners/${partner.id}/audit`, { token: await partnerToken() })).json(),
    );
    same(
      pageSchema(partnerInvitationViewSchema),
      await (await t.fetch(invitationsPath(), { token: await partnerToken() })).json(),
    );
  });
});

describe('what partners may and may not send', () => {
  it('refuses roles the type does not allow, and auto-extend with Global Administrator, storing nothing', async () => {
    const [emailsBefore, invitationsBefore] = [(await outbox(t)).length, await storedInvitations()];
    const cases: [Record<string, unknown>, string[]][] = [
      [{ ...delegated(customerA), relationshipType: 'advisor', roles: [userAdmin] }, ['roles.0']],
      [{ ...delegated(customerA), relationshipType: 'reseller' }, ['roles.0', 'roles.1', 'duration']],
      [{ ...delegated(customerA), roles: [ga], autoExtend: 'P180D' }, ['autoExtend']],
      [{ ...delegated(customerA), duration: 'P731D' }, ['duration']],
      [{ ...delegated(customerA), expiresInDays: 91 }, ['expiresInDays']],
    ];
    for (const [body, paths] of cases) {
      const response = await t.fetch(invitationsPath(), { ...json(body), token: await partnerToken() });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(paths);
    }
    await t.host.drain();
    expect(await storedInvitations()).toBe(invitationsBefore);
    expect((await outbox(t)).length).toBe(emailsBefore);
  });

  it('lets only the partner’s own staff invite: 403 without Partner.Manage, 404 from another tenant', async () => {
    expect(
      (await t.fetch(invitationsPath(), { ...json(delegated(customerA)), token: await adminOf(partnerTenant) })).status,
    ).toBe(403);
    expect(
      (await t.fetch(invitationsPath(), { ...json(delegated(customerA)), token: await t.token('partner', outsider) }))
        .status,
    ).toBe(404);
    expect(
      (
        await t.fetch(invitationsPath('no-such-partner'), {
          ...json(delegated(customerA)),
          token: await partnerToken(),
        })
      ).status,
    ).toBe(404);
    expect((await t.fetch(invitationsPath(), { token: await t.token('partner', outsider) })).status).toBe(404);
  });

  it('returns the same invitation for a retried request with the same Idempotency-Key, and 409 for another body', async () => {
    const key = { 'idempotency-key': 'retry-me-1' };
    const firstTry = await t.fetch(invitationsPath(), {
      ...json(delegated(customerB), key),
      token: await partnerToken(),
    });
    const secondTry = await t.fetch(invitationsPath(), {
      ...json(delegated(customerB), key),
      token: await partnerToken(),
    });
    expect([firstTry.status, secondTry.status]).toEqual([201, 201]);
    const [a, b] = (await Promise.all([firstTry.json(), secondTry.json()])) as Invitation[];
    expect(b!.id).toBe(a!.id);
    expect(secondTry.headers.get('idempotency-replayed')).toBe('true');
    await emailFor(t, `invitation:${a!.id}:`);
    expect((await outbox(t)).filter((e) => e.jobId.startsWith(`invitation:${a!.id}:`))).toHaveLength(1);
    const other = await t.fetch(invitationsPath(), {
      ...json({ ...delegated(customerB), message: 'changed' }, key),
      token: await partnerToken(),
    });
    expect(other.status).toBe(409);
  });
});

describe('decline and revoke', () => {
  it('declines: the partner is told, and the invitation lists as declined', async () => {
    const { link, invitation } = await invite(delegated(customerB));
    expect(
      (
        await t.fetch(`/api/invitations/${link.id}/decline`, {
          ...json({ code: link.code }),
          token: await t.token('user', customerB),
        })
      ).status,
    ).toBe(403);
    const declined = await t.fetch(`/api/invitations/${link.id}/decline`, {
      ...json({ code: link.code }),
      token: await t.token('billing-admin', customerB, { name: 'Bill' }),
    });
    expect(declined.status).toBe(200);
    const email = await emailFor(t, `invitation-declined:${invitation.id}`);
    expect(email.to[0]!.address).toBe(partner.contactEmail);
    expect((await accept(link.id, link.code, await adminOf(customerB))).status).toBe(409);
    const list = (await (
      await t.fetch(`${invitationsPath()}?status=declined`, { token: await partnerToken() })
    ).json()) as { items: Invitation[] };
    expect(list.items.map((i) => i.id)).toEqual([invitation.id]);
  });

  it('revokes: accepting afterwards is 409, and so is revoking again', async () => {
    const { link, invitation } = await invite(delegated(customerB));
    const revoked = await t.fetch(`${invitationsPath()}/${invitation.id}/revoke`, {
      method: 'POST',
      token: await partnerToken(),
    });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ status: 'revoked' });
    expect((await accept(link.id, link.code, await adminOf(customerB))).status).toBe(409);
    expect(
      (await t.fetch(`${invitationsPath()}/${invitation.id}/revoke`, { method: 'POST', token: await partnerToken() }))
        .status,
    ).toBe(409);
    expect(
      (
        await t.fetch(`/api/partners/other-partner/invitations/${invitation.id}/revoke`, {
          method: 'POST',
          token: await t.token('partner', outsider),
        })
      ).status,
    ).toBe(404);
  });
});

describe('browser form posts', () => {
  it('accepts from the acceptance page form and answers 303 to a page', async () => {
    const tenant = 'f0000000-0000-0000-0000-0000000000f0';
    const { link } = await invite({
      customerTenantId: tenant,
      customerAdminEmail: 'it@f0.test',
      relationshipType: 'lineOfBusinessPartner',
    });
    const form = new URLSearchParams({ code: link.code, acceptAgreement: 'on', agreementVersion: '2024-10' });
    const response = await t.fetch(`/api/invitations/${link.id}/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: form.toString(),
      redirect: 'manual',
      token: await adminOf(tenant),
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`http://localhost:7071/invitations/${link.id}?result=accepted`);
    const list = (await (
      await t.fetch(`/api/customers/${tenant}/relationships`, { token: await adminOf(tenant) })
    ).json()) as { items: Relationship[] };
    expect(list.items).toMatchObject([{ type: 'lineOfBusinessPartner', roles: [] }]);
  });
});

describe('concurrent accepts', () => {
  it('lets exactly one of 50 win: one 200, 49 × 409, one relationship, one email', async () => {
    const tenant = 'f5000000-0000-0000-0000-000000000050';
    const { link, invitation } = await invite(delegated(tenant, [helpdesk]));
    const token = await adminOf(tenant);
    // 50 admins of the tenant (one admin retrying its own accept gets its outcome instead of 409).
    const responses = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => accept(link.id, link.code, await adminOf(tenant, `Admin ${i}`))),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    const list = (await (await t.fetch(`/api/customers/${tenant}/relationships`, { token })).json()) as {
      items: unknown[];
    };
    expect(list.items).toHaveLength(1);
    await emailFor(t, `invitation-accepted:${invitation.id}`);
    await t.host.drain();
    expect((await outbox(t)).filter((e) => e.jobId === `invitation-accepted:${invitation.id}`)).toHaveLength(1);
    const audit = (await (await t.fetch(`/api/customers/${tenant}/audit`, { token })).json()) as {
      items: { action: string }[];
    };
    expect(audit.items.filter((e) => e.action === 'invitation.accepted')).toHaveLength(1);
  });
});

describe('a partner and its own tenant', () => {
  it('refuses an invitation to the partner’s own tenant, naming the field and storing nothing', async () => {
    const before = await storedInvitations();
    const response = await t.fetch(invitationsPath(), {
      ...json(delegated(partnerTenant)),
      token: await partnerToken(),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([
      'customerTenantId',
    ]);
    expect(await storedInvitations()).toBe(before);
  });

  it('refuses an admin of the partner’s own tenant accepting a domain invitation', async () => {
    t.discovery.owners.set('contoso-partners.test', partnerTenant);
    const { link } = await invite({
      customerDomain: 'contoso-partners.test',
      customerAdminEmail: 'it@contoso-partners.test',
      relationshipType: 'reseller',
    });
    const own = await t.token('global-admin', partnerTenant, { email: 'pat@contoso-partners.test' });
    const response = await accept(link.id, link.code, own);
    expect(response.status).toBe(403);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/own tenant/);
    const list = (await (await t.fetch(`/api/customers/${partnerTenant}/relationships`, { token: own })).json()) as {
      items: unknown[];
    };
    expect(list.items).toEqual([]);
    const invitation = await t.fetch(`${invitationsPath()}/${link.id}`, { token: await partnerToken() });
    expect(await invitation.json()).toMatchObject({ status: 'pending' });
  });
});

describe('the invited customer’s audit log', () => {
  const customerC = 'c3000000-0000-0000-0000-000000000003';
  const auditOf = async (tenant: string, token: string) =>
    (
      (await (await t.fetch(`/api/customers/${tenant}/audit?top=50`, { token })).json()) as {
        items: { action: string; target: { type: string; id: string }; actor: { tenantId: string } }[];
      }
    ).items;

  it('shows an invitation made to the tenant and its revocation', async () => {
    const { invitation } = await invite(delegated(customerC));
    const revoked = await t.fetch(`${invitationsPath()}/${invitation.id}/revoke`, {
      method: 'POST',
      token: await partnerToken(),
    });
    expect(revoked.status).toBe(200);
    const events = (await auditOf(customerC, await adminOf(customerC))).filter(
      (e) => e.target.type === 'invitation' && e.target.id === invitation.id,
    );
    expect(events.map((e) => e.action)).toEqual(['invitation.revoked', 'invitation.created']);
    expect(events.every((e) => e.actor.tenantId === partnerTenant)).toBe(true);
  });

  it('shows a domain invitation once the tenant that accepted it is known', async () => {
    const tenant = 'd1000000-0000-0000-0000-0000000000d1';
    t.discovery.owners.set('litware.test', tenant);
    const { invitation, link } = await invite({
      customerDomain: 'litware.test',
      customerAdminEmail: 'it@litware.test',
      relationshipType: 'reseller',
    });
    const token = await t.token('global-admin', tenant, { email: 'lou@litware.test' });
    expect((await accept(link.id, link.code, token)).status).toBe(200);
    const events = (await auditOf(tenant, token)).filter(
      (e) => e.target.type === 'invitation' && e.target.id === invitation.id,
    );
    expect(events.map((e) => e.action)).toEqual(['invitation.accepted', 'invitation.created']);
  });
});

describe('a merged relationship has every admin who accepted into it', () => {
  it('reminds each of them before the roles end, and emails each once when the partner terminates', async () => {
    const tenant = 'c4000000-0000-0000-0000-000000000004';
    const ada = await t.token('global-admin', tenant, { name: 'Ada Admin', email: 'ada@c4.test' });
    const bill = await t.token('billing-admin', tenant, { name: 'Bill Billing', email: 'bill@c4.test' });
    const first = await invite(delegated(tenant));
    const { relationship } = (await (await accept(first.link.id, first.link.code, ada)).json()) as {
      relationship: Relationship;
    };
    const second = await invite({
      customerTenantId: tenant,
      customerAdminEmail: 'it@c4.test',
      relationshipType: 'reseller',
    });
    expect(
      ((await (await accept(second.link.id, second.link.code, bill)).json()) as { relationship: Relationship })
        .relationship.id,
    ).toBe(relationship.id);
    const third = await invite({
      customerTenantId: tenant,
      customerAdminEmail: 'it@c4.test',
      relationshipType: 'reseller',
    });
    expect((await accept(third.link.id, third.link.code, ada)).status).toBe(200);
    const addressesOf = async (prefix: string) =>
      (await outbox(t))
        .filter((e) => e.jobId.startsWith(prefix))
        .flatMap((e) => e.to.map((to) => to.address))
        .sort();

    // 30 days before the roles end, each admin is reminded.
    setClock(new Date(Date.now() + 340 * 86_400_000));
    try {
      await runReminderTimer(t);
    } finally {
      resetClock();
    }
    const reminded = `relationship-ending:${relationship.id}:`;
    await emailFor(t, reminded);
    await eventually(async () => ((await addressesOf(reminded)).length >= 3 ? true : undefined), 10_000, 'reminders');
    expect(await addressesOf(reminded)).toEqual(['ada@c4.test', 'bill@c4.test', partner.contactEmail]);

    const terminated = await t.fetch(`/api/partners/${partner.id}/relationships/${relationship.id}/terminate`, {
      method: 'POST',
      token: await partnerToken(),
    });
    expect(terminated.status).toBe(200);
    const told = `relationship-terminated:${relationship.id}`;
    await emailFor(t, told);
    await eventually(
      async () => ((await addressesOf(told)).length >= 2 ? true : undefined),
      10_000,
      'both termination emails',
    );
    expect(await addressesOf(told)).toEqual(['ada@c4.test', 'bill@c4.test']);
  });
});

describe('an invitation whose stored record does not fit its stage', () => {
  it('answers 500 problem+json and logs which record and fields, not their values: never a half-read invitation', async () => {
    const { invitation } = await invite({
      customerTenantId: customerB,
      customerAdminEmail: 'hand-edited@c2.test',
      relationshipType: 'reseller',
    });
    // Accepted by hand: no one who decided, no time, no agreement version.
    await t.storage
      .table(tableNames.invitations)
      .updateEntity(
        { partitionKey: partner.id, rowKey: newestFirstRowKey(invitation.id), status: 'accepted' },
        'Merge',
      );
    const response = await t.fetch(`${invitationsPath()}/${invitation.id}`, { token: await partnerToken() });
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ type: 'urn:problem-type:partner-relationships:internal' });
    const logged = t.logs.find((line) =>
      line.includes(
        `Stored ${tableNames.invitations} entity (${partner.id}, ${newestFirstRowKey(invitation.id)}) does not match its schema`,
      ),
    );
    expect(logged).toMatch(/decidedAt/);
    expect(logged).toMatch(/agreementVersion/);
    expect(logged).not.toContain('hand-edited@c2.test');
  });
});
