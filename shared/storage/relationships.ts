import { odata } from '@azure/data-tables';
import { z } from 'zod';
import { timeSchema } from '../domain/time.js';
import {
  expiryWindowBounds,
  expiryWindows,
  grantOf,
  historyEntrySchema,
  inExpiryWindow,
  relationshipExpiresAt,
  relationshipStatus,
  relationshipTypeSchema,
  rolesEndAt,
  storedRelationshipStatusSchema,
  type ExpiryWindow,
  type RelationshipStatus,
  type RelationshipType,
} from '../domain/relationships.js';
import { earliestReminderAt } from '../domain/reminders.js';
import { dueMarked, dueRows, fileDue, finishDue, markDue, type DueRow } from './due-work.js';
import { storageStatus } from './errors.js';
import type { Page } from '../domain/paging.js';
import { storage } from './clients.js';
import { decodeEntity, etagOf, readEntity, readPage, tableCodec } from './entities.js';
import { newestFirstRowKey } from './keys.js';
import { tableNames } from './names.js';

const customerContactSchema = z.object({ email: z.string(), name: z.string().optional() });
export type CustomerContact = z.infer<typeof customerContactSchema>;

const optionalTime = timeSchema.optional();
const relationshipRecordSchema = z.object({
  id: z.string(),
  customerTenantId: z.string(),
  /** The customer organization's name, as the admin who last accepted into it confirmed it; absent before names were asked for. */
  customerName: z.string().optional(),
  partnerId: z.string(),
  partnerName: z.string(),
  type: relationshipTypeSchema,
  status: storedRelationshipStatusSchema,
  roles: z.array(z.string()),
  /** When the current roles were granted; with `duration` it gives their end date. */
  activatedAt: optionalTime,
  duration: z.string().optional(),
  autoExtend: z.string().optional(),
  /** Whether roles run for a duration (lets the reminder timer find them with one filter). */
  hasRoleDuration: z.boolean(),
  createdAt: timeSchema,
  updatedAt: timeSchema,
  /** Invitations whose acceptance made or joined this relationship (re-running an accept finds itself here). */
  invitationIds: z.array(z.string()),
  history: z.array(historyEntrySchema),
  /** Who at the customer hears about this relationship: every admin who accepted into it (by address, first first). */
  customerContacts: z.array(customerContactSchema),
  /** `<endsAt>|<days>` of every ending reminder already sent. */
  remindersSent: z.array(z.string()),
  terminationRequestedAt: optionalTime,
  terminatedAt: optionalTime,
  /** How many times it was replaced (absent: never since revisions were counted): orders the partner's copies. */
  revision: z.number().int().min(0).optional(),
});
export type NewRelationship = z.infer<typeof relationshipRecordSchema>;
export type RelationshipRecord = NewRelationship & { etag: string };

/** What a list of relationships shows of each: the partner's pointer keeps a copy, so its list reads nothing else. */
const listedRelationshipSchema = relationshipRecordSchema.pick({
  id: true,
  customerTenantId: true,
  customerName: true,
  partnerId: true,
  partnerName: true,
  type: true,
  status: true,
  roles: true,
  activatedAt: true,
  duration: true,
  autoExtend: true,
  createdAt: true,
  updatedAt: true,
  terminationRequestedAt: true,
  terminatedAt: true,
});
export type ListedRelationship = z.infer<typeof listedRelationshipSchema>;
const listedOf = (record: RelationshipRecord): ListedRelationship => listedRelationshipSchema.parse(record);

export const customerPartition = (tenantId: string) => `customer:${tenantId}`;
const partnerPartition = (partnerId: string) => `partner:${partnerId}`;

/** Relationship ids are UUIDs version 7 of when the relationship was made, so both partitions list newest first. */
const relationships = tableCodec(tableNames.relationships, relationshipRecordSchema, {
  keys: (record) => ({
    partitionKey: customerPartition(record.customerTenantId),
    rowKey: newestFirstRowKey(record.id),
  }),
  json: ['roles', 'invitationIds', 'history', 'customerContacts', 'remindersSent', 'customerContact'],
  /** Relationships stored before every accepting admin was kept have only the first, as `customerContact`. */
  upgrade: ({ customerContact, ...columns }) =>
    customerContact !== undefined && columns.customerContacts === undefined
      ? { ...columns, customerContacts: [customerContact] }
      : columns,
});
const toEntity = (record: NewRelationship) => relationships.encode(record);
const fromEntity = (entity: Record<string, unknown>): RelationshipRecord => ({
  ...relationships.decode(entity),
  etag: etagOf(entity),
});

async function table() {
  return (await storage()).table(tableNames.relationships);
}

/**
 * Relationship ids are UUIDs (an invitation's id); anything else names no relationship and never reaches storage as a
 * key.
 */
const isId = (id: string) => z.uuid().safeParse(id).success;

export async function getRelationship(customerTenantId: string, id: string): Promise<RelationshipRecord | undefined> {
  if (!isId(id)) return undefined;
  const t = await table();
  const entity = await readEntity(t, customerPartition(customerTenantId), newestFirstRowKey(id));
  return entity && fromEntity(entity);
}

/**
 * The merge slot of a customer, partner and merge family: which relationship accepted invitations
 * of that family join. It lives in the customer's partition (row `slot:<partnerId>:<family>`), so
 * a new relationship and its claim on the slot are written in one entity group transaction.
 */
export interface MergeSlot {
  relationshipId: string;
  etag: string;
}

const slotRowKey = (partnerId: string, family: RelationshipType) => `slot:${partnerId}:${family}`;
/**
 * Relationship row keys start with a digit (inverted time) or, stored before that, are UUIDs (0-9, a-f): all sort
 * before the slots' `slot:` rows.
 */
const relationshipRows = odata`RowKey lt ${'slot:'}`;

export async function getMergeSlot(
  customerTenantId: string,
  partnerId: string,
  family: RelationshipType,
): Promise<MergeSlot | undefined> {
  const entity = await readEntity(await table(), customerPartition(customerTenantId), slotRowKey(partnerId, family));
  return (
    entity && {
      relationshipId: decodeEntity(tableNames.relationships, slotSchema, entity).relationshipId,
      etag: etagOf(entity),
    }
  );
}

/**
 * Creates the relationship and points the merge slot at it, both or neither: the slot is created
 * when `slot` is undefined, or replaced under its ETag (its relationship no longer takes merges).
 * Undefined when the relationship exists already or another accept claimed the slot first (storage
 * 409/412); the caller reads again. Then writes the partner's pointer.
 */
export async function createRelationshipInSlot(
  record: NewRelationship,
  family: RelationshipType,
  slot: MergeSlot | undefined,
): Promise<RelationshipRecord | undefined> {
  const t = await table();
  const slotEntity = {
    partitionKey: customerPartition(record.customerTenantId),
    rowKey: slotRowKey(record.partnerId, family),
    relationshipId: record.id,
  };
  let etag: string;
  try {
    const result = await t.submitTransaction([
      ['create', toEntity(record)],
      slot ? ['update', slotEntity, 'Replace', { etag: slot.etag }] : ['create', slotEntity],
    ]);
    etag = etagOf({ etag: result.subResponses[0]?.etag });
  } catch (error) {
    const status = storageStatus(error);
    if (status === 409 || status === 412) return undefined;
    throw error;
  }
  const made = { ...record, etag };
  await addPartnerPointer(made);
  return made;
}

/** Sorts after every ISO time: a relationship that never expires by itself is never "expired at or before now". */
const neverExpires = '9999-12-31T23:59:59.999Z';

/** A slot names the relationship accepted invitations of its family join. */
const slotSchema = z.object({ relationshipId: z.string() });

/**
 * Pointers written before they kept a copy of the relationship have only where it is (and, earlier still, only the
 * customer, with the id as row key).
 */
const pointerSchema = z.object({
  relationshipId: z.string().optional(),
  customerTenantId: z.string(),
  status: storedRelationshipStatusSchema.optional(),
  expiresAt: z.string().optional(),
});
const pointerOf = (entity: Record<string, unknown>) => decodeEntity(tableNames.relationships, pointerSchema, entity);

/**
 * The partner's pointer to a relationship: where it is, its status and expiry (what the list filters on) and the
 * copy the list shows, under the partner's partition, newest first like the relationships.
 */
const pointers = tableCodec(
  tableNames.relationships,
  listedRelationshipSchema.extend({
    relationshipId: z.string(),
    expiresAt: z.string(),
    revision: z.number().int().min(0).optional(),
  }),
  {
    keys: (pointer) => ({ partitionKey: partnerPartition(pointer.partnerId), rowKey: newestFirstRowKey(pointer.id) }),
    json: ['roles'],
  },
);
/** A pointer that keeps the copy (`partnerName` is one of its columns and no earlier pointer's). */
const hasCopy = (entity: Record<string, unknown>) => entity.partnerName !== undefined;

const pointerEntity = (record: RelationshipRecord) =>
  pointers.encode({
    ...listedOf(record),
    relationshipId: record.id,
    expiresAt: relationshipExpiresAt(grantOf(record))?.toISOString() ?? neverExpires,
    revision: record.revision ?? 0,
  });

/**
 * Writes the partner's pointer with the relationship as `record` shows it, unless the pointer already holds a copy of
 * the same or a later revision (a change that landed meanwhile may have written its pointer first): written under
 * the ETag it was read with, so two writers cannot both win. Idempotent.
 */
export async function addPartnerPointer(record: RelationshipRecord): Promise<void> {
  const t = await table();
  const entity = pointerEntity(record);
  const revision = record.revision ?? 0;
  for (let attempt = 0; attempt < 10; attempt++) {
    const pointer = await readEntity(t, entity.partitionKey, entity.rowKey);
    if (pointer && hasCopy(pointer) && (pointers.decode(pointer).revision ?? 0) >= revision) return;
    try {
      if (pointer) await t.updateEntity(entity, 'Replace', { etag: etagOf(pointer) });
      else await t.createEntity(entity);
      return;
    } catch (error) {
      const status = storageStatus(error);
      if (status !== 409 && status !== 412) throw error; // another writer won: read what it wrote
    }
  }
  throw new Error(`relationship ${record.id}: its partner pointer kept changing while it was written`);
}

/** Replaces the relationship if it still has `etag` (412 from storage otherwise). */
export async function replaceRelationship(record: RelationshipRecord, etag: string): Promise<RelationshipRecord> {
  const t = await table();
  const { etag: _old, ...rest } = record;
  const next = { ...rest, revision: (rest.revision ?? 0) + 1 };
  const result = await t.updateEntity(toEntity(next), 'Replace', { etag });
  return { ...next, etag: etagOf(result) };
}

export async function relationshipsWithPartner(
  customerTenantId: string,
  partnerId: string,
): Promise<RelationshipRecord[]> {
  const t = await table();
  const out: RelationshipRecord[] = [];
  const filter = `${odata`PartitionKey eq ${customerPartition(customerTenantId)} and partnerId eq ${partnerId}`} and ${relationshipRows}`;
  for await (const e of t.listEntities({ queryOptions: { filter } })) out.push(fromEntity(e));
  return out;
}

/** A page of the customer's relationships, newest first. */
export async function listCustomerRelationships(
  customerTenantId: string,
  top: number,
  continuationToken: string | undefined,
): Promise<Page<RelationshipRecord>> {
  const { entities, continuationToken: next } = await readPage<Record<string, unknown>>(
    await table(),
    { filter: `${odata`PartitionKey eq ${customerPartition(customerTenantId)}`} and ${relationshipRows}` },
    top,
    continuationToken,
  );
  return { items: entities.map(fromEntity), continuationToken: next };
}

/**
 * Pointers whose relationship has `status` at `at`, as `relationshipStatus` derives it from the columns the pointer
 * keeps.
 */
function pointerStatusFilter(status: RelationshipStatus, at: string): string {
  switch (status) {
    case 'terminated':
      return odata`status eq 'terminated'`;
    case 'expired':
      return odata`status ne 'terminated' and expiresAt le ${at}`;
    default:
      return odata`status eq ${status} and expiresAt gt ${at}`;
  }
}

/** Pointers of relationships not terminated whose expiry is in the window at `at`. */
function pointerExpiryFilter(window: ExpiryWindow, at: Date): string {
  const { after, until } = expiryWindowBounds(window, at);
  return odata`status ne 'terminated' and expiresAt gt ${after.toISOString()} and expiresAt le ${until.toISOString()}`;
}

export interface PartnerRelationshipFilter {
  status?: RelationshipStatus | undefined;
  expiry?: ExpiryWindow | undefined;
}

/** Whether a relationship passes the filter at `at`, judged from the relationship itself. */
function matchesFilter(record: RelationshipRecord, filter: PartnerRelationshipFilter, at: Date): boolean {
  const grant = grantOf(record);
  return (
    (filter.status === undefined || relationshipStatus(record.status, grant, at) === filter.status) &&
    (filter.expiry === undefined ||
      (record.status !== 'terminated' && inExpiryWindow(filter.expiry, relationshipExpiresAt(grant), at)))
  );
}

/**
 * A page of the partner's relationships, newest first, optionally only those with `status` and/or
 * in an expiry window at `at`: one query of the partner's pointers, whose copies are the page. A
 * pointer written before pointers kept a copy is read through to its relationship and written again.
 */
export async function listPartnerRelationships(
  partnerId: string,
  options: PartnerRelationshipFilter & { at: Date; top: number; continuationToken: string | undefined },
): Promise<Page<ListedRelationship>> {
  const at = options.at.toISOString();
  const filter = [
    odata`PartitionKey eq ${partnerPartition(partnerId)}`,
    options.status === undefined ? undefined : pointerStatusFilter(options.status, at),
    options.expiry === undefined ? undefined : pointerExpiryFilter(options.expiry, options.at),
  ]
    .filter((f) => f !== undefined)
    .join(' and ');
  const { entities, continuationToken: next } = await readPage<Record<string, unknown>>(
    await table(),
    { filter },
    options.top,
    options.continuationToken,
  );
  const items = await Promise.all(
    entities.map(async (entity): Promise<ListedRelationship | undefined> => {
      if (hasCopy(entity)) {
        const { relationshipId: _id, expiresAt: _expires, revision: _revision, ...copy } = pointers.decode(entity);
        return copy;
      }
      const pointer = pointerOf(entity);
      // Pointers written before they named the relationship have its id as row key.
      const id = pointer.relationshipId ?? String(entity.rowKey);
      const record = await getRelationship(pointer.customerTenantId, id);
      if (!record) return undefined;
      await addPartnerPointer(record);
      return matchesFilter(record, options, options.at) ? listedOf(record) : undefined;
    }),
  );
  return { items: items.filter((r) => r !== undefined), continuationToken: next };
}

const pointerCountSchema = pointerSchema.pick({ status: true, expiresAt: true });

export interface PartnerRelationshipCounts {
  expiry: Record<ExpiryWindow, number>;
  terminationRequested: number;
}

/**
 * How many of the partner's relationships are in each expiry window and await termination at
 * `at`, counted from the pointers' status and expiry columns alone (only pointers that can count
 * are read: not terminated, and expiring from a year ago to 30 days ahead or asking to end).
 */
export async function countPartnerRelationships(partnerId: string, at: Date): Promise<PartnerRelationshipCounts> {
  const { after } = expiryWindowBounds('expired', at);
  const { until } = expiryWindowBounds('30d', at);
  const filter = odata`PartitionKey eq ${partnerPartition(partnerId)} and status ne 'terminated' and (status eq 'terminationRequested' or (expiresAt gt ${after.toISOString()} and expiresAt le ${until.toISOString()}))`;
  const counts: PartnerRelationshipCounts = {
    expiry: { '1d': 0, '7d': 0, '30d': 0, expired: 0 },
    terminationRequested: 0,
  };
  const t = await table();
  for await (const entity of t.listEntities({ queryOptions: { filter, select: ['status', 'expiresAt'] } })) {
    const pointer = decodeEntity(tableNames.relationships, pointerCountSchema, entity);
    const expiresAt = pointer.expiresAt === undefined ? undefined : new Date(pointer.expiresAt);
    for (const window of expiryWindows) if (inExpiryWindow(window, expiresAt, at)) counts.expiry[window] += 1;
    const expired = expiresAt !== undefined && expiresAt.getTime() <= at.getTime();
    if (pointer.status === 'terminationRequested' && !expired) counts.terminationRequested += 1;
  }
  return counts;
}

/** A partner's relationship by id (its pointer says which customer holds it). */
export async function getPartnerRelationship(partnerId: string, id: string): Promise<RelationshipRecord | undefined> {
  if (!isId(id)) return undefined;
  const t = await table();
  const pointer = await readEntity(t, partnerPartition(partnerId), newestFirstRowKey(id));
  if (!pointer) return undefined;
  const record = await getRelationship(pointerOf(pointer).customerTenantId, id);
  return record?.partnerId === partnerId ? record : undefined;
}

/** Every relationship whose roles run for a duration and are not terminated (the reminder timer's work list). */
export async function* relationshipsWithRoleDuration(): AsyncGenerator<RelationshipRecord> {
  const t = await table();
  const filter = odata`PartitionKey ge 'customer:' and PartitionKey lt 'customer;' and hasRoleDuration eq true and status ne 'terminated'`;
  for await (const e of t.listEntities({ queryOptions: { filter } })) yield fromEntity(e);
}

/**
 * A row of the reminder run's due work: a relationship (filed at its next mark), or a partner whose ending-soon windows
 * changed (filed when they did: its relationships are decided again).
 */
const reminderRowSchema = z.union([
  z.object({ customerTenantId: z.string(), relationshipId: z.string() }),
  z.object({ partnerId: z.string() }),
]);
export type ReminderRow = DueRow<z.infer<typeof reminderRowSchema>>;

/** The reminder rows due by `until`, earliest first: the reminder run's work, read by range whatever is not due yet. */
export const dueReminders = (until: Date): AsyncGenerator<ReminderRow> =>
  dueRows('relationshipReminders', until, reminderRowSchema);

/** Files the relationship as owing something at `dueAt` (writing the same again is harmless). */
export const fileReminder = (record: Pick<NewRelationship, 'id' | 'customerTenantId'>, dueAt: Date) =>
  fileDue('relationshipReminders', dueAt.toISOString(), record.id, {
    customerTenantId: record.customerTenantId,
    relationshipId: record.id,
  });

/**
 * Files a relationship whose roles are granted or changed at `at` at the earliest mark it may have (its partner's
 * windows unknown here): written before the relationship, so no mark is missed; the reminder run files the exact one.
 */
export async function fileRolesReminder(record: NewRelationship, at: Date): Promise<void> {
  if (!record.hasRoleDuration || record.status === 'terminated') return;
  const endsAt = rolesEndAt(grantOf(record), at);
  if (endsAt) await fileReminder(record, earliestReminderAt(endsAt, at));
}

/** Files the partner's relationships to be decided again at `at` (its windows changed). */
export const filePartnerReminders = (partnerId: string, at: Date) =>
  fileDue('relationshipReminders', at.toISOString(), `partner:${partnerId}`, { partnerId });

export const finishReminder = (row: ReminderRow) => finishDue('relationshipReminders', row);

/**
 * Files every relationship with a role duration made before relationships filed their own reminders, at the earliest
 * mark it may have (`earliestReminderAt`), once: one filtered scan, then a marker row.
 */
export async function fileEarlierReminders(at: Date): Promise<void> {
  if (await dueMarked('relationshipReminders', 'earlierFiled')) return;
  for await (const r of relationshipsWithRoleDuration()) await fileRolesReminder(r, at);
  await markDue('relationshipReminders', 'earlierFiled');
}

/** Where each of the partner's relationships not terminated is: one query of its pointers. */
export async function* partnerRelationshipKeys(
  partnerId: string,
): AsyncGenerator<{ customerTenantId: string; relationshipId: string }> {
  const t = await table();
  // Every pointer: those written before pointers kept the status have no column a filter could test.
  const filter = odata`PartitionKey eq ${partnerPartition(partnerId)}`;
  for await (const entity of t.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
    const pointer = pointerOf(entity);
    if (pointer.status !== 'terminated')
      yield {
        customerTenantId: pointer.customerTenantId,
        relationshipId: pointer.relationshipId ?? String(entity.rowKey),
      };
  }
}
