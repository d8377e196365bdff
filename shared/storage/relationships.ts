import { odata } from '@azure/data-tables';
import { z } from 'zod';
import type { RelationshipType, StoredRelationshipStatus } from '../domain/relationships.js';
import { storageStatus } from '../http/etag.js';
import type { Page } from '../http/paging.js';
import { storage } from './clients.js';
import { etagOf, fromColumns, readEntity, readPage, toColumns } from './entities.js';
import { tableNames } from './names.js';

/** One entry of a relationship's history: what changed, when, by whom. */
export interface HistoryEntry {
  at: string;
  action: 'created' | 'merged' | 'rolesRemoved' | 'terminationRequested' | 'terminated';
  actor: { tenantId: string; objectId: string; name: string | undefined } | undefined;
  invitationId?: string;
  from?: { type: RelationshipType; status: StoredRelationshipStatus; roles: string[] };
  to?: { type: RelationshipType; status: StoredRelationshipStatus; roles: string[] };
  reason?: string;
}

export interface RelationshipRecord {
  id: string;
  customerTenantId: string;
  partnerId: string;
  partnerName: string;
  type: RelationshipType;
  status: StoredRelationshipStatus;
  roles: string[];
  /** When the current roles were granted; with `duration` it gives their end date. */
  activatedAt: string | undefined;
  duration: string | undefined;
  autoExtend: string | undefined;
  /** Whether roles run for a duration (lets the reminder timer find them with one filter). */
  hasRoleDuration: boolean;
  createdAt: string;
  updatedAt: string;
  /** Invitations whose acceptance made or joined this relationship (re-running an accept finds itself here). */
  invitationIds: string[];
  history: HistoryEntry[];
  /** Who at the customer hears about this relationship: every admin who accepted into it (by address, first first). */
  customerContacts: CustomerContact[];
  /** `<endsAt>|<days>` of every ending reminder already sent. */
  remindersSent: string[];
  terminationRequestedAt: string | undefined;
  terminatedAt: string | undefined;
  etag: string;
}

export interface CustomerContact {
  email: string;
  name: string | undefined;
}

export type NewRelationship = Omit<RelationshipRecord, 'etag'>;

const jsonFields = ['roles', 'invitationIds', 'history', 'customerContacts', 'remindersSent'];
export const customerPartition = (tenantId: string) => `customer:${tenantId}`;
const partnerPartition = (partnerId: string) => `partner:${partnerId}`;

const toEntity = (record: NewRelationship) => toColumns({ partitionKey: customerPartition(record.customerTenantId), rowKey: record.id }, record, jsonFields);
/** Relationships stored before every accepting admin was kept have only the first, as `customerContact`. */
function fromEntity(entity: Record<string, unknown>): RelationshipRecord {
  const { customerContact, ...record } = fromColumns(entity, [...jsonFields, 'customerContact']);
  return { ...(customerContact ? { customerContacts: [customerContact] } : {}), ...record } as unknown as RelationshipRecord;
}

async function table() {
  return (await storage()).table(tableNames.relationships);
}

/** Relationship ids are UUIDs (an invitation's id); anything else names no relationship and never reaches storage as a key. */
const isId = (id: string) => z.uuid().safeParse(id).success;

export async function getRelationship(customerTenantId: string, id: string): Promise<RelationshipRecord | undefined> {
  if (!isId(id)) return undefined;
  const t = await table();
  const entity = await readEntity(t, customerPartition(customerTenantId), id);
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
/** Relationship row keys are UUIDs (0-9, a-f), which all sort before the slots' `slot:` rows. */
const relationshipRows = odata`RowKey lt ${'slot:'}`;

export async function getMergeSlot(customerTenantId: string, partnerId: string, family: RelationshipType): Promise<MergeSlot | undefined> {
  const entity = await readEntity<{ relationshipId: string }>(await table(), customerPartition(customerTenantId), slotRowKey(partnerId, family));
  return entity && { relationshipId: entity.relationshipId, etag: etagOf(entity) };
}

/**
 * Creates the relationship and points the merge slot at it, both or neither: the slot is created
 * when `slot` is undefined, or replaced under its ETag (its relationship no longer takes merges).
 * Undefined when the relationship exists already or another accept claimed the slot first (storage
 * 409/412); the caller reads again. Then writes the partner's pointer.
 */
export async function createRelationshipInSlot(record: NewRelationship, family: RelationshipType, slot: MergeSlot | undefined): Promise<RelationshipRecord | undefined> {
  const t = await table();
  const slotEntity = { partitionKey: customerPartition(record.customerTenantId), rowKey: slotRowKey(record.partnerId, family), relationshipId: record.id };
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
  await addPartnerPointer(record);
  return { ...record, etag };
}

/** The partner lists its relationships through these pointers (written again on every change; idempotent). */
export async function addPartnerPointer(record: Pick<RelationshipRecord, 'id' | 'partnerId' | 'customerTenantId'>): Promise<void> {
  const t = await table();
  await t.upsertEntity({ partitionKey: partnerPartition(record.partnerId), rowKey: record.id, customerTenantId: record.customerTenantId }, 'Replace');
}

/** Replaces the relationship if it still has `etag` (412 from storage otherwise). */
export async function replaceRelationship(record: RelationshipRecord, etag: string): Promise<RelationshipRecord> {
  const t = await table();
  const { etag: _old, ...rest } = record;
  const result = await t.updateEntity(toEntity(rest), 'Replace', { etag });
  return { ...record, etag: etagOf(result) };
}

export async function relationshipsWithPartner(customerTenantId: string, partnerId: string): Promise<RelationshipRecord[]> {
  const t = await table();
  const out: RelationshipRecord[] = [];
  const filter = `${odata`PartitionKey eq ${customerPartition(customerTenantId)} and partnerId eq ${partnerId}`} and ${relationshipRows}`;
  for await (const e of t.listEntities({ queryOptions: { filter } })) out.push(fromEntity(e));
  return out;
}

export async function listCustomerRelationships(customerTenantId: string, top: number, continuationToken: string | undefined): Promise<Page<RelationshipRecord>> {
  const { entities, continuationToken: next } = await readPage<Record<string, unknown>>(await table(), { filter: `${odata`PartitionKey eq ${customerPartition(customerTenantId)}`} and ${relationshipRows}` }, top, continuationToken);
  return { items: entities.map(fromEntity), continuationToken: next };
}

export async function listPartnerRelationships(partnerId: string, top: number, continuationToken: string | undefined): Promise<Page<RelationshipRecord>> {
  const { entities, continuationToken: next } = await readPage<Record<string, unknown>>(await table(), { filter: odata`PartitionKey eq ${partnerPartition(partnerId)}` }, top, continuationToken);
  const items = await Promise.all(entities.map((p) => getRelationship(String(p.customerTenantId), String(p.rowKey))));
  return { items: items.filter((r): r is RelationshipRecord => r !== undefined), continuationToken: next };
}

/** A partner's relationship by id (its pointer says which customer holds it). */
export async function getPartnerRelationship(partnerId: string, id: string): Promise<RelationshipRecord | undefined> {
  if (!isId(id)) return undefined;
  const t = await table();
  const pointer = await readEntity<{ customerTenantId: string }>(t, partnerPartition(partnerId), id);
  if (!pointer) return undefined;
  const record = await getRelationship(pointer.customerTenantId, id);
  return record?.partnerId === partnerId ? record : undefined;
}

/** Every relationship whose roles run for a duration and are not terminated (the reminder timer's work list). */
export async function* relationshipsWithRoleDuration(): AsyncGenerator<RelationshipRecord> {
  const t = await table();
  const filter = odata`PartitionKey ge 'customer:' and PartitionKey lt 'customer;' and hasRoleDuration eq true and status ne 'terminated'`;
  for await (const e of t.listEntities({ queryOptions: { filter } })) yield fromEntity(e);
}
