import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryRoles } from '../../../shared/domain/roles.js';
import { type TestHost } from '../../support/host.js';
import {
  emailFor,
  hostWithPartners,
  invitationLink,
  json,
  outbox,
  type SeededPartner,
} from '../../support/relationships.js';

let t: TestHost;
let partner: SeededPartner;
const partnerTenant = 'a0000000-0000-0000-0000-0000000000b1';
const { helpdeskAdministrator: helpdesk } = directoryRoles;
const userAdmin = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const serviceSupport = 'f023fd81-a637-4b56-95fd-791ac0226033';

beforeAll(async () => {
  partner = {
    id: 'merge-race-partner',
    tenantId: partnerTenant,
    displayName: 'Merge Race Partner',
    contactEmail: 'deals@merge-race.test',
  };
  t = await hostWithPartners([partner]);
});
afterAll(() => t.stop());

const partnerToken = () => t.token('partner', partnerTenant, { name: 'Pat Partner' });
const adminOf = (tenant: string) =>
  t.token('global-admin', tenant, { name: 'Ada Admin', email: `ada@${tenant.slice(0, 8)}.test` });

interface Relationship {
  id: string;
  type: string;
  status: string;
  roles: { id: string }[];
  history?: { action: string; invitationId?: string }[];
}

const reseller = { relationshipType: 'reseller' };
const delegated = (roles: string[]) => ({ relationshipType: 'delegatedAdministrator', roles, duration: 'P365D' });
const advisor = (roles: string[]) => ({ relationshipType: 'advisor', roles, duration: 'P90D' });

/** Sends the invitations to the customer; the id and code of each from the link in its email. */
async function invite(tenant: string, bodies: Record<string, unknown>[]): Promise<{ id: string; code: string }[]> {
  const token = await partnerToken();
  const created = await Promise.all(
    bodies.map(async (body) => {
      const response = await t.fetch(`/api/partners/${partner.id}/invitations`, {
        ...json({ customerTenantId: tenant, customerAdminEmail: `admin@${tenant.slice(0, 8)}.test`, ...body }),
        token,
      });
      expect(response.status, await response.clone().text()).toBe(201);
      return ((await response.json()) as { id: string }).id;
    }),
  );
  const links = [];
  for (const id of created) links.push(invitationLink(await emailFor(t, `invitation:${id}:`)));
  return links.map(({ id, code }) => ({ id, code }));
}

/** Accepts all of them at the same moment as the customer's Global administrator; every accept must answer 200. */
async function acceptAll(tenant: string, links: { id: string; code: string }[]): Promise<string[]> {
  const token = await adminOf(tenant);
  const responses = await Promise.all(
    links.map((l) =>
      t.fetch(`/api/invitations/${l.id}/accept`, {
        ...json({ code: l.code, acceptAgreement: true, agreementVersion: '2024-10' }),
        token,
      }),
    ),
  );
  const bodies = await Promise.all(responses.map(async (r) => ({ status: r.status, text: await r.text() })));
  for (const b of bodies) expect(b.status, b.text).toBe(200);
  return bodies.map((b) => (JSON.parse(b.text) as { relationship: { id: string } }).relationship.id);
}

async function relationshipsOf(tenant: string): Promise<Relationship[]> {
  const token = await adminOf(tenant);
  const list = (await (await t.fetch(`/api/customers/${tenant}/relationships?top=50`, { token })).json()) as {
    items: Relationship[];
  };
  return Promise.all(
    list.items.map(
      async (r) =>
        (await (await t.fetch(`/api/customers/${tenant}/relationships/${r.id}`, { token })).json()) as Relationship,
    ),
  );
}

const invitationsIn = (r: Relationship) =>
  (r.history ?? []).flatMap((h) => (h.invitationId ? [h.invitationId] : [])).sort();

async function auditActions(tenant: string): Promise<string[]> {
  const audit = (await (
    await t.fetch(`/api/customers/${tenant}/audit?top=50`, { token: await adminOf(tenant) })
  ).json()) as { items: { action: string }[] };
  return audit.items.map((e) => e.action);
}

/** Every invitation's acceptance email was sent, and only once. */
async function expectOneAcceptanceEmailEach(ids: string[]): Promise<void> {
  for (const id of ids) await emailFor(t, `invitation-accepted:${id}`);
  await t.host.drain();
  const sent = (await outbox(t)).map((e) => e.jobId);
  for (const id of ids)
    expect(
      sent.filter((j) => j === `invitation-accepted:${id}`),
      id,
    ).toHaveLength(1);
}

describe('invitations from one partner accepted at the same moment', () => {
  it('join one relationship per merge family, round after round: one created, the rest merged, each email once', async () => {
    for (let round = 0; round < 5; round++) {
      const tenant = `d${round}000000-0000-0000-0000-0000000000d${round}`;
      const family = await invite(tenant, [reseller, delegated([helpdesk]), delegated([userAdmin])]);
      const advisors = await invite(tenant, [advisor([helpdesk]), advisor([serviceSupport])]);
      const answered = await acceptAll(tenant, [...family, ...advisors]);

      const relationships = await relationshipsOf(tenant);
      expect(relationships.map((r) => r.type).sort(), `round ${round}`).toEqual([
        'advisor',
        'resellerAndDelegatedAdministrator',
      ]);
      for (const r of relationships) expect(r.status).toBe('active');
      const merged = relationships.find((r) => r.type === 'resellerAndDelegatedAdministrator')!;
      const advising = relationships.find((r) => r.type === 'advisor')!;
      expect(invitationsIn(merged)).toEqual(family.map((l) => l.id).sort());
      expect(invitationsIn(advising)).toEqual(advisors.map((l) => l.id).sort());
      expect(merged.roles.map((r) => r.id).sort()).toEqual([helpdesk, userAdmin].sort());
      expect(advising.roles.map((r) => r.id).sort()).toEqual([helpdesk, serviceSupport].sort());
      expect(merged.history!.map((h) => h.action)).toEqual(['created', 'merged', 'merged']);
      // Every accept answered with the relationship its invitation ended up in.
      expect(answered).toEqual([merged.id, merged.id, merged.id, advising.id, advising.id]);

      const actions = await auditActions(tenant);
      expect(actions.filter((a) => a === 'relationship.created')).toHaveLength(2);
      expect(actions.filter((a) => a === 'relationship.merged')).toHaveLength(3);
      expect(actions.filter((a) => a === 'invitation.accepted')).toHaveLength(5);
      await expectOneAcceptanceEmailEach([...family, ...advisors].map((l) => l.id));
    }
  });

  it('start a new relationship once the partner terminated the old one, and merge into the new one', async () => {
    const tenant = 'd9000000-0000-0000-0000-0000000000d9';
    const [first] = await invite(tenant, [delegated([helpdesk])]);
    const [oldId] = await acceptAll(tenant, [first!]);
    const terminated = await t.fetch(`/api/partners/${partner.id}/relationships/${oldId}/terminate`, {
      method: 'POST',
      token: await partnerToken(),
    });
    expect(terminated.status).toBe(200);

    const later = await invite(tenant, [reseller, delegated([userAdmin])]);
    const answered = await acceptAll(tenant, later);
    const relationships = await relationshipsOf(tenant);
    expect(relationships).toHaveLength(2);
    const old = relationships.find((r) => r.id === oldId)!;
    const fresh = relationships.find((r) => r.id !== oldId)!;
    expect(old).toMatchObject({ status: 'terminated', type: 'delegatedAdministrator' });
    expect(fresh).toMatchObject({
      status: 'active',
      type: 'resellerAndDelegatedAdministrator',
      roles: [{ id: userAdmin }],
    });
    expect(invitationsIn(fresh)).toEqual(later.map((l) => l.id).sort());
    expect(answered).toEqual([fresh.id, fresh.id]);
    expect((await auditActions(tenant)).filter((a) => a === 'relationship.created')).toHaveLength(2);
    await expectOneAcceptanceEmailEach([first!.id, ...later.map((l) => l.id)]);
  });
});
