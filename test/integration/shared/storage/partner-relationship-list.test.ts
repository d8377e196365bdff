import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidV7 } from '../../../../shared/domain/ids.js';
import { tableNames } from '../../../../shared/storage/names.js';
import { newestFirstRowKey } from '../../../../shared/storage/keys.js';
import { storage } from '../../../../shared/storage/clients.js';
import {
  addPartnerPointer,
  createRelationshipInSlot,
  getRelationship,
  listPartnerRelationships,
  replaceRelationship,
  type NewRelationship,
  type RelationshipRecord,
} from '../../../../shared/storage/relationships.js';
import { hostThroughProxy } from '../../../support/proxied-host.js';
import type { StorageProxy } from '../../../support/storage-proxy.js';

/** The partner's relationship list is one query of its pointers, whatever the page size: each pointer keeps a copy. */
let proxy: StorageProxy;
let stop: () => Promise<void>;

beforeAll(async () => ({ proxy, stop } = await hostThroughProxy()));
afterAll(() => stop());

const at = new Date('2031-06-01T00:00:00.000Z');
const relationship = (partnerId: string, n: number): NewRelationship => ({
  id: uuidV7(Date.parse('2031-01-01T00:00:00.000Z') + n * 1000),
  customerTenantId: `c${String(n).padStart(7, '0')}-0000-4000-8000-000000000000`,
  customerName: `Customer ${n}`,
  partnerId,
  partnerName: 'Listing Partners',
  type: 'delegatedAdministrator',
  status: 'active',
  roles: ['729827e3-9c14-49f7-bb1b-9608f156bbb8'],
  activatedAt: '2031-01-01T00:00:00.000Z',
  duration: 'P365D',
  hasRoleDuration: true,
  createdAt: '2031-01-01T00:00:00.000Z',
  updatedAt: '2031-01-01T00:00:00.000Z',
  invitationIds: [`invitation-${n}`],
  history: [],
  customerContacts: [{ email: `admin@customer-${n}.test` }],
  remindersSent: [],
});

async function made(record: NewRelationship): Promise<RelationshipRecord> {
  const created = await createRelationshipInSlot(record, record.type, undefined);
  if (!created) throw new Error(`relationship ${record.id} exists already`);
  return created;
}

const tripsSince = (before: number) => proxy.roundTrips.slice(before).filter((r) => r.service === 'table');
const listed = (partnerId: string) =>
  listPartnerRelationships(partnerId, { at, top: 50, continuationToken: undefined });
/** What the list shows of a relationship: its record without what only its details show. */
const shown = ({
  etag: _e,
  revision: _v,
  hasRoleDuration: _h,
  invitationIds: _i,
  history: _hi,
  customerContacts: _c,
  remindersSent: _r,
  ...rest
}: RelationshipRecord) => rest;

describe("the partner's relationship list", () => {
  it('is one query for a page of 50, and shows each relationship as stored', async () => {
    const records = await Promise.all(Array.from({ length: 50 }, (_, n) => made(relationship('listing-partners', n))));
    const before = proxy.roundTrips.length;
    const page = await listed('listing-partners');
    expect(tripsSince(before).map((r) => r.method)).toEqual(['GET']);
    expect(page.items).toEqual([...records].reverse().map(shown));
  });

  it('shows the current relationship even when an older copy is written after a newer one', async () => {
    const first = await made(relationship('racing-partners', 1));
    const changed = await replaceRelationship(
      { ...first, roles: [], updatedAt: '2031-02-01T00:00:00.000Z' },
      first.etag,
    );
    await addPartnerPointer(changed);
    // A slow follow-up of the first write arrives last with its copy.
    await addPartnerPointer(first);
    const page = await listed('racing-partners');
    expect(page.items).toEqual([shown(changed)]);
  });

  it('reads a pointer written before pointers kept a copy through to its relationship, and writes the copy', async () => {
    const record = await made(relationship('early-partners', 2));
    const table = (await storage()).table(tableNames.relationships);
    await table.upsertEntity(
      {
        partitionKey: 'partner:early-partners',
        rowKey: newestFirstRowKey(record.id),
        relationshipId: record.id,
        customerTenantId: record.customerTenantId,
      },
      'Replace',
    );
    expect((await listed('early-partners')).items).toEqual([shown(record)]);
    const before = proxy.roundTrips.length;
    expect((await listed('early-partners')).items).toEqual([shown(record)]);
    expect(tripsSince(before).map((r) => r.method)).toEqual(['GET']);
    expect(await getRelationship(record.customerTenantId, record.id)).toEqual(record);
  });
});
