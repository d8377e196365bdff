import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../support/host.js';
import { json, outbox } from '../support/relationships.js';
import { buildWorld, contactRequestBody, delegatedInvitation, inviteCustomer, type World } from '../support/world.js';

/**
 * Races: many callers act on the same record at the same moment. Whatever the interleaving, the
 * record ends in one state its history explains, with one audit event and one email per change.
 */
let t: TestHost;
let world: World;

beforeAll(async () => {
  t = await startTestHost();
  world = await buildWorld(t);
}, 120_000);
afterAll(() => t.stop());

interface AuditEvent {
  action: string;
  target: { type: string; id: string };
}

async function auditOf(tenantId: string, token: string): Promise<AuditEvent[]> {
  const response = await t.fetch(`/api/customers/${tenantId}/audit?top=50`, { token });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: AuditEvent[] }).items;
}

/** Waits for the host to drain (nothing more is on its way), then counts the outbox's emails per job id prefix. */
async function settledEmails(prefixes: string[]): Promise<Record<string, number>> {
  await t.host.drain();
  const all = await outbox(t);
  return Object.fromEntries(prefixes.map((p) => [p, all.filter((e) => e.jobId.startsWith(p)).length]));
}

const parallel = <T>(count: number, f: (i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: count }, (_, i) => f(i)));

describe('races on one invitation: accept × decline × revoke', () => {
  it('exactly one decision wins; the invitation, relationship, audit and emails all agree with it', async () => {
    const customer = '90000000-0000-4000-8000-000000000009';
    const admin = await t.token('global-admin', customer, {
      name: 'Racing Admin',
      email: 'admin@90000000.example.test',
    });
    const invitation = await inviteCustomer(t, world.partner, world.tokens.partner, delegatedInvitation(customer));
    // Each attempt is another person (a retry of one person's own decision answers its outcome instead).
    const attempts = await parallel(18, async (i) => {
      const kind = (['accept', 'decline', 'revoke'] as const)[i % 3]!;
      const response =
        kind === 'revoke'
          ? await t.fetch(`/api/partners/${world.partner.id}/invitations/${invitation.id}/revoke`, {
              method: 'POST',
              token: await t.token('partner', world.partner.tenantId),
            })
          : await t.fetch(`/api/invitations/${invitation.id}/${kind}`, {
              ...json(
                kind === 'accept'
                  ? { code: invitation.code, acceptAgreement: true, agreementVersion: '2024-10' }
                  : { code: invitation.code },
              ),
              token: await t.token('global-admin', customer, {
                name: `Racing Admin ${i}`,
                email: `admin${i}@90000000.example.test`,
              }),
            });
      return { kind, status: response.status };
    });
    const winners = attempts.filter((a) => a.status === 200);
    expect(winners, JSON.stringify(attempts)).toHaveLength(1);
    expect(
      attempts.filter((a) => a.status !== 200).every((a) => a.status === 409),
      JSON.stringify(attempts),
    ).toBe(true);
    const outcome = { accept: 'accepted', decline: 'declined', revoke: 'revoked' }[winners[0]!.kind];

    const stored = await t.fetch(`/api/partners/${world.partner.id}/invitations/${invitation.id}`, {
      token: world.tokens.partner,
    });
    expect(((await stored.json()) as { status: string }).status).toBe(outcome);
    const relationships = await t.fetch(`/api/customers/${customer}/relationships`, { token: admin });
    expect(((await relationships.json()) as { items: unknown[] }).items).toHaveLength(outcome === 'accepted' ? 1 : 0);

    const partnerAudit = await t.fetch(`/api/partners/${world.partner.id}/audit?top=50`, {
      token: world.tokens.partner,
    });
    const decisions = ((await partnerAudit.json()) as { items: AuditEvent[] }).items.filter(
      (e) =>
        e.target.id === invitation.id &&
        ['invitation.accepted', 'invitation.declined', 'invitation.revoked'].includes(e.action),
    );
    expect(decisions.map((e) => e.action)).toEqual([`invitation.${outcome}`]);

    const emails = await settledEmails([
      `invitation-accepted:${invitation.id}`,
      `invitation-declined:${invitation.id}`,
    ]);
    expect(emails).toEqual({
      [`invitation-accepted:${invitation.id}`]: outcome === 'accepted' ? 1 : 0,
      [`invitation-declined:${invitation.id}`]: outcome === 'declined' ? 1 : 0,
    });
  });
});

describe('races on one relationship: remove roles × termination request × terminate', () => {
  it('ends in one state its history explains, with one audit event and one email per change', async () => {
    const customer = '91000000-0000-4000-8000-000000000091';
    const admin = await t.token('global-admin', customer, {
      name: 'Racing Admin',
      email: 'admin@91000000.example.test',
    });
    const invitation = await inviteCustomer(t, world.partner, world.tokens.partner, delegatedInvitation(customer));
    const accepted = await t.fetch(`/api/invitations/${invitation.id}/accept`, {
      ...json({ code: invitation.code, acceptAgreement: true, agreementVersion: '2024-10' }),
      token: admin,
    });
    expect(accepted.status).toBe(200);
    const relationshipId = ((await accepted.json()) as { relationship: { id: string } }).relationship.id;
    const customerPath = `/api/customers/${customer}/relationships/${relationshipId}`;

    const attempts = await parallel(18, async (i) => {
      const kind = (['removeRoles', 'terminationRequest', 'terminate'] as const)[i % 3]!;
      const response =
        kind === 'removeRoles'
          ? await t.fetch(`${customerPath}/roles`, { method: 'DELETE', token: admin })
          : kind === 'terminationRequest'
            ? await t.fetch(`${customerPath}/termination-request`, {
                ...json({ reason: 'Consolidating.' }),
                token: await t.token('global-admin', customer, { name: `Racing Admin ${i}` }),
              })
            : await t.fetch(`/api/partners/${world.partner.id}/relationships/${relationshipId}/terminate`, {
                method: 'POST',
                token: await t.token('partner', world.partner.tenantId),
              });
      return { kind, status: response.status };
    });
    expect(
      attempts.every((a) => a.status === 200 || a.status === 409),
      JSON.stringify(attempts),
    ).toBe(true);
    expect(attempts.filter((a) => a.kind === 'terminate' && a.status === 200)).toHaveLength(1);

    const details = (await (await t.fetch(customerPath, { token: admin })).json()) as {
      status: string;
      roles: unknown[];
      endedRoles: unknown[];
      history: { action: string }[];
    };
    const changes = details.history.map((h) => h.action).filter((a) => a !== 'created');
    // Each kind of change happened at most once, termination last, and the state is what the history says.
    for (const action of ['rolesRemoved', 'terminationRequested', 'terminated'])
      expect(changes.filter((a) => a === action).length).toBeLessThanOrEqual(1);
    expect(changes.at(-1)).toBe('terminated');
    expect(details.status).toBe('terminated');
    // A terminated relationship holds no roles; the role it held shows as ended unless it was removed first.
    expect(details.roles).toHaveLength(0);
    expect(details.endedRoles).toHaveLength(changes.includes('rolesRemoved') ? 0 : 1);

    const audit = (await auditOf(customer, admin)).filter(
      (e) => e.target.type === 'relationship' && e.target.id === relationshipId && e.action !== 'relationship.created',
    );
    expect(audit.map((e) => e.action).sort()).toEqual(changes.map((a) => `relationship.${a}`).sort());

    const emails = await settledEmails([
      `termination-requested:${relationshipId}`,
      `relationship-terminated:${relationshipId}`,
    ]);
    expect(emails).toEqual({
      [`termination-requested:${relationshipId}`]: changes.includes('terminationRequested') ? 1 : 0,
      [`relationship-terminated:${relationshipId}`]: 1,
    });
  });
});

describe('races on one rate limit', () => {
  const contact = (email: string, from: string) =>
    t.fetch('/api/contact-requests', { ...json(contactRequestBody([world.partner.id], email)), from });
  const tally = (statuses: number[]) =>
    statuses.reduce<Record<number, number>>((counts, s) => ({ ...counts, [s]: (counts[s] ?? 0) + 1 }), {});

  it('40 concurrent contact requests from one address: exactly 20 accepted, 20 refused, no 5xx', async () => {
    const statuses = await parallel(
      40,
      async (i) => (await contact(`crowd${i}@visitor.example.test`, '127.0.40.1')).status,
    );
    expect(tally(statuses)).toEqual({ 202: 20, 429: 20 });
    // The limit holds afterwards too.
    expect((await contact('late@visitor.example.test', '127.0.40.1')).status).toBe(429);
  });

  it('12 concurrent requests of one email from one address: exactly 5 accepted', async () => {
    const statuses = await parallel(12, async () => (await contact('eager@visitor.example.test', '127.0.40.2')).status);
    expect(tally(statuses)).toEqual({ 202: 5, 429: 7 });
  });
});

describe('races under If-Match', () => {
  it('concurrent lead updates with the same ETag: one wins, the rest are 412', async () => {
    const path = `/api/partners/${world.partner.id}/contact-requests/${world.contactRequestId}`;
    const lead = await t.fetch(path, { token: world.tokens.partner });
    const etag = lead.headers.get('etag')!;
    const statuses = await parallel(
      10,
      async (i) =>
        (
          await t.fetch(path, {
            method: 'PATCH',
            headers: { 'content-type': 'application/json', 'if-match': etag },
            body: JSON.stringify({ status: i % 2 ? 'accepted' : 'declined' }),
            token: world.tokens.partner,
          })
        ).status,
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 412)).toBe(true);
  });

  it('concurrent settings changes with the same ETag: one wins, one audit event', async () => {
    const path = `/api/customers/${world.customerTenantId}/settings`;
    const first = await t.fetch(path, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mpsaPurchaseVisibility: false }),
      token: world.tokens.admin,
    });
    const etag = first.headers.get('etag')!;
    const statuses = await parallel(
      10,
      async () =>
        (
          await t.fetch(path, {
            method: 'PUT',
            headers: { 'content-type': 'application/json', 'if-match': etag },
            body: JSON.stringify({ mpsaPurchaseVisibility: true }),
            token: world.tokens.admin,
          })
        ).status,
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 412)).toBe(true);
    const updates = (await auditOf(world.customerTenantId, world.tokens.admin)).filter(
      (e) => e.action === 'settings.updated',
    );
    expect(updates).toHaveLength(1);
  });
});
