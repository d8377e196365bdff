import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetClock, setClock } from '../../../shared/clock.js';
import { uuidV7 } from '../../../shared/domain/ids.js';
import { noteExpiredInvitations } from '../../../shared/services/invitation-expiry.js';
import { getInvitation, insertInvitation, type NewInvitation } from '../../../shared/storage/invitations.js';
import { storage } from '../../../shared/storage/clients.js';
import { tableNames } from '../../../shared/storage/names.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import type { SeededPartner } from '../../support/relationships.js';
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
