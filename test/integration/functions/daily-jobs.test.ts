import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invocationContext } from '../../../local/invocation.js';
import { resetClock, setClock } from '../../../shared/clock.js';
import { directoryRoles } from '../../../shared/domain/roles.js';
import { uuidV7 } from '../../../shared/domain/ids.js';
import { noteExpiredInvitations } from '../../../shared/services/invitation-expiry.js';
import { joinRelationship } from '../../../shared/services/relationship-join.js';
import { sendEndingReminders } from '../../../shared/services/reminders.js';
import { getInvitation, insertInvitation, type NewInvitation } from '../../../shared/storage/invitations.js';
import { storage } from '../../../shared/storage/clients.js';
import { tableNames } from '../../../shared/storage/names.js';
import type { LocalRole } from '../../../local/keys.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import { acceptedRelationship, outbox, type SeededPartner } from '../../support/relationships.js';
import { startStorageProxy, type StorageProxy } from '../../support/storage-proxy.js';
import { workerConnectionString } from '../../support/storage.js';
import { addPartner, delegatedInvitation, inviteCustomer } from '../../support/world.js';

/**
 * The timers at scale: a run reads only what is due, through a proxy in front of Azurite that counts each round trip
 * and the entities each query's answer held.
 */
let t: TestHost;
let proxy: StorageProxy;
let partner: SeededPartner;
let partnerToken: string;
const day = 86_400_000;

beforeAll(async () => {
  proxy = await startStorageProxy(workerConnectionString());
  t = await startTestHost({ connectionString: proxy.connectionString });
  partner = await addPartner(t, {
    id: 'daily-partners',
    tenantId: 'a1900000-0000-4000-8000-0000000000a1',
    displayName: 'Daily Partners',
    contactEmail: 'ops@daily.example.test',
  });
  partnerToken = await t.token('partner', partner.tenantId, { name: 'Pat Partner' });
  // The first run files the expiries of invitations made before they filed their own (none here), once.
  await noteExpiredInvitations(new Date());
});

afterAll(async () => {
  resetClock();
  await t.stop();
  await proxy.stop();
});

/** `count` pending invitations like `model`, made now and expiring `inDays` from now, written as the API writes them. */
async function manyInvitations(model: NewInvitation, count: number, inDays: number): Promise<void> {
  const at = Date.now();
  for (let i = 0; i < count; i += 50)
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, () =>
        insertInvitation({
          ...model,
          id: uuidV7(at),
          createdAt: new Date(at).toISOString(),
          expiresAt: new Date(at + inDays * day).toISOString(),
        }),
      ),
    );
}

describe('the invitation-expiry run', () => {
  it('with 1,000 invitations not due and 5 due, reads the 5 and notes each once', { timeout: 240_000 }, async () => {
    const due = [];
    for (let i = 0; i < 5; i++)
      due.push(
        await inviteCustomer(t, partner, partnerToken, delegatedInvitation(`c1900000-0000-4000-8000-00000000000${i}`)),
      );
    const first = await getInvitation(partner.id, due[0]?.id ?? '');
    if (first?.status !== 'pending') throw new Error('the invitation just made is not pending');
    const { etag: _etag, ...model } = first;
    await manyInvitations(model, 1_000, 60);
    await t.host.drain();

    const later = new Date(Date.now() + 31 * day);
    setClock(later);
    const from = proxy.roundTrips.length;
    const run = await noteExpiredInvitations(later);
    const trips = proxy.roundTrips.slice(from);
    expect(run).toEqual({ noted: 5, failed: 0, outOfTime: false });

    // One range query of the due rows, in the job's own partition, holding the 5 (not 1,005); each due invitation read
    // once by key; besides, each event reads its partner's subscriptions (one partition).
    const queries = trips.filter((r) => r.filter !== undefined);
    const dueQueries = queries.filter((q) => q.resource === tableNames.dueWork);
    expect(dueQueries).toHaveLength(1);
    expect(dueQueries[0]?.filter).toMatch(/^PartitionKey eq 'invitationExpiry' and RowKey lt '/);
    expect(dueQueries[0]?.entities).toBe(5);
    expect(queries.filter((q) => q.resource !== tableNames.dueWork).map((q) => [q.resource, q.filter])).toEqual(
      Array.from({ length: 5 }, () => [tableNames.webhooks, `PartitionKey eq '${partner.id}'`]),
    );
    const invitationReads = trips.filter((r) => r.resource === tableNames.invitations && r.method === 'GET');
    expect(invitationReads).toHaveLength(5);
    expect(queries.reduce((sum, q) => sum + (q.entities ?? 0), 0)).toBe(5);

    for (const { id } of due) expect((await getInvitation(partner.id, id))?.expiryNotedAt).toBeDefined();
    // Their rows are gone: the next run reads nothing and notes nothing.
    const again = proxy.roundTrips.length;
    expect(await noteExpiredInvitations(later)).toEqual({
      noted: 0,
      failed: 0,
      outOfTime: false,
    });
    expect(
      proxy.roundTrips
        .slice(again)
        .filter((r) => r.filter !== undefined)
        .map((q) => q.entities),
    ).toEqual([0]);
  });

  it(
    'notes an invitation made before invitations filed their expiry, once: the first run files it',
    { timeout: 120_000 },
    async () => {
      resetClock();
      const earlier = await inviteCustomer(
        t,
        partner,
        partnerToken,
        delegatedInvitation('c1900000-0000-4000-8000-0000000000e1'),
      );
      const due = (await storage()).table(tableNames.dueWork);
      for await (const row of due.listEntities<Record<string, unknown>>())
        if (String(row.rowKey).endsWith(earlier.id) || row.rowKey === 'earlierFiled')
          await due.deleteEntity('invitationExpiry', String(row.rowKey));
      const later = new Date(Date.now() + 31 * day);
      setClock(later);
      expect(await noteExpiredInvitations(later)).toEqual({ noted: 1, failed: 0, outOfTime: false });
      expect((await getInvitation(partner.id, earlier.id))?.expiryNotedAt).toBe(later.toISOString());
      expect(await noteExpiredInvitations(later)).toEqual({ noted: 0, failed: 0, outOfTime: false });
    },
  );
});

describe('the relationship-reminder run', () => {
  const roles = [directoryRoles.helpdeskAdministrator];
  const remind = () => sendEndingReminders(invocationContext('relationship-ending-reminders', (l) => t.logs.push(l)));

  /** `count` two-year relationships with the partner, each of a customer of its own, made now as an accept makes them. */
  async function manyRelationships(count: number): Promise<void> {
    const at = new Date().toISOString();
    for (let i = 0; i < count; i += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, count - i) }, () => {
          const customerTenantId = randomUUID();
          return joinRelationship({
            invitationId: randomUUID(),
            customerTenantId,
            customerName: 'Later Customer',
            partnerId: partner.id,
            partnerName: partner.displayName,
            type: 'delegatedAdministrator',
            roles,
            duration: 'P730D',
            autoExtend: undefined,
            at,
            acceptedBy: { tenantId: customerTenantId, objectId: randomUUID() },
            contact: { email: `admin@${customerTenantId.slice(0, 8)}.test` },
          });
        }),
      );
  }

  /** The ending reminders in the outbox so far, as `<relationship>:<window>:<audience>` (one admin per customer). */
  const reminders = async () =>
    (await outbox(t))
      .map((e) => /^relationship-ending:([^:]+):.+Z:(\d+):(customer|partner)/.exec(e.jobId))
      .filter((m) => m !== null)
      .map(([, id, days, audience]) => `${id}:${days}:${audience}`)
      .sort();

  it(
    'with 1,000 relationships not due and 5 due, reads the 5 and reminds each once, then at their next mark only',
    { timeout: 300_000 },
    async () => {
      resetClock();
      // The first run files the relationships made before relationships filed their own reminders (none here), once.
      await remind();
      const due: string[] = [];
      for (let i = 0; i < 5; i++)
        due.push(await acceptedRelationship(t, (role, tenant) => t.token(role, tenant), partner, `Due ${i}`, roles));
      await manyRelationships(1_000);
      await t.host.drain();

      const t0 = Date.now();
      /** A run `days` after the relationships were made: what it sent, and the round trips it made. */
      const runAt = async (days: number) => {
        setClock(new Date(t0 + days * day));
        const from = proxy.roundTrips.length;
        const run = await remind();
        await t.host.drain();
        return { run, trips: proxy.roundTrips.slice(from) };
      };
      // 90-day relationships: 29 days left at day 61, so their 30-day reminders are due; the two-year ones are not.
      const { run, trips } = await runAt(61);
      expect(run).toEqual({ sent: 5, failed: 0, outOfTime: false });
      const queries = trips.filter((r) => r.filter !== undefined);
      const dueQueries = queries.filter((q) => q.resource === tableNames.dueWork);
      expect(dueQueries).toHaveLength(1);
      expect(dueQueries[0]?.filter).toMatch(/^PartitionKey eq 'relationshipReminders' and RowKey lt '/);
      expect(dueQueries[0]?.entities).toBe(5);
      // No listing of relationships at all: each due one read once by key; the partner's webhooks listed per event.
      expect(queries.filter((q) => q.resource === tableNames.relationships)).toEqual([]);
      expect(queries.reduce((sum, q) => sum + (q.entities ?? 0), 0)).toBe(5);
      const relationshipReads = trips.filter((r) => r.resource === tableNames.relationships && r.method === 'GET');
      expect(relationshipReads).toHaveLength(5);
      expect(await reminders()).toEqual(due.flatMap((id) => [`${id}:30:customer`, `${id}:30:partner`]).sort());

      // The same day again: nothing due is left, nothing is sent.
      const again = await runAt(61);
      expect(again.run).toEqual({ sent: 0, failed: 0, outOfTime: false });
      expect(again.trips.filter((r) => r.filter !== undefined).map((q) => q.entities)).toEqual([0]);

      // Each was filed at its exact next mark (7 days before its end): the run there reads the 5 again and sends the
      // 7-day reminders, once.
      const seven = await runAt(83);
      expect(seven.run).toEqual({ sent: 5, failed: 0, outOfTime: false });
      expect(seven.trips.find((q) => q.resource === tableNames.dueWork && q.filter !== undefined)?.entities).toBe(5);
      expect(await reminders()).toEqual(
        due.flatMap((id) => [30, 7].flatMap((d) => [`${id}:${d}:customer`, `${id}:${d}:partner`])).sort(),
      );
    },
  );
  it(
    'warns at a window the partner adds whose mark is ahead of where its relationships are filed, once',
    { timeout: 120_000 },
    async () => {
      resetClock();
      const t0 = Date.now();
      const windowed = await addPartner(t, {
        id: 'daily-windows-partners',
        tenantId: 'a1900000-0000-4000-8000-0000000000a2',
        displayName: 'Daily Windows Partners',
        contactEmail: 'ops@daily-windows.example.test',
      });
      const token = (role: LocalRole, tenant: string) => t.token(role, tenant, { name: 'Pat Partner' });
      const id = await acceptedRelationship(t, token, windowed, 'Windowed Customer', roles);
      // The first run files it at its 30-day mark (day 60): nothing is due before.
      setClock(new Date(t0 + day));
      expect((await remind()).sent).toBe(0);
      const path = `/api/partners/${windowed.id}/alert-settings`;
      const read = await t.fetch(path, { token: await token('partner', windowed.tenantId) });
      const saved = await t.fetch(path, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'if-match': read.headers.get('etag') ?? '' },
        body: JSON.stringify({ endingSoonDays: [45, 30, 7, 1], recipients: [] }),
        token: await token('partner', windowed.tenantId),
      });
      expect(saved.status).toBe(200);
      // Day 46: the 45-day mark (day 45) is ahead of the relationship's row; the partner's row brings it in time.
      setClock(new Date(t0 + 46 * day));
      const from = proxy.roundTrips.length;
      expect(await remind()).toEqual({ sent: 1, failed: 0, outOfTime: false });
      const queries = proxy.roundTrips.slice(from).filter((r) => r.filter !== undefined);
      expect(queries.find((q) => q.resource === tableNames.dueWork)?.entities).toBe(1);
      await t.host.drain();
      expect((await reminders()).filter((r) => r.startsWith(id))).toEqual([`${id}:45:partner`]);
      // Once only: the next run the same day reads nothing and sends nothing.
      expect(await remind()).toEqual({ sent: 0, failed: 0, outOfTime: false });
    },
  );

  it(
    'reminds a relationship made before relationships filed their reminders: the first run files it',
    { timeout: 120_000 },
    async () => {
      resetClock();
      const t0 = Date.now();
      const id = await acceptedRelationship(t, (role, tenant) => t.token(role, tenant), partner, 'Earlier', roles);
      const due = (await storage()).table(tableNames.dueWork);
      for await (const row of due.listEntities<Record<string, unknown>>({
        queryOptions: { filter: `PartitionKey eq 'relationshipReminders'` },
      }))
        if (String(row.rowKey).endsWith(id) || row.rowKey === 'earlierFiled')
          await due.deleteEntity('relationshipReminders', String(row.rowKey));
      setClock(new Date(t0 + 61 * day));
      expect((await remind()).sent).toBeGreaterThanOrEqual(1);
      await t.host.drain();
      expect((await reminders()).filter((r) => r.startsWith(id))).toEqual([`${id}:30:customer`, `${id}:30:partner`]);
      expect(await remind()).toEqual({ sent: 0, failed: 0, outOfTime: false });
    },
  );
});
