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
  /** Who at the customer hears about this relationship: the admin who accepted. */
  customerContact: { email: string; name: string | undefined };
  /** `<endsAt>|<days>` of every ending reminder already sent. */
  remindersSent: string[];
  terminationRequestedAt: string | undefined;
  terminatedAt: string | undefined;
  etag: string;
}

export type NewRelationship = Omit<RelationshipRecord, 'etag'>;

const jsonFields = ['roles', 'invitationIds', 'history', 'customerContact', 'remindersSent'];
export const customerPartition = (tenantId: string) => `customer:${tenantId}`;
const partnerPartition = (partnerId: string) => `partner:${partnerId}`;

const toEntity = (record: NewRelationship) => toColumns({ partitionKey: customerPartition(record.customerTenantId), rowKey: record.id }, record, jsonFields);
const fromEntity = (entity: Record<string, unknown>) => fromColumns(entity, jsonFields) as unknown as RelationshipRecord;

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

/** Creates the relationship and its pointer for the partner; undefined when one with this id exists. */
export async function createRelationship(record: NewRelationship): Promise<RelationshipRecord | undefined> {
  const t = await table();
  let etag: string;
  try {
    etag = etagOf(await t.createEntity(toEntity(record)));
  } catch (error) {
    if (storageStatus(error) === 409) return undefined;
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
  const filter = odata`PartitionKey eq ${customerPartition(customerTenantId)} and partnerId eq ${partnerId}`;
  for await (const e of t.listEntities({ queryOptions: { filter } })) out.push(fromEntity(e));
  return out;
}

export async function listCustomerRelationships(customerTenantId: string, top: number, continuationToken: string | undefined): Promise<Page<RelationshipRecord>> {
  const { entities, continuationToken: next } = await readPage<Record<string, unknown>>(await table(), { filter: odata`PartitionKey eq ${customerPartition(customerTenantId)}` }, top, continuationToken);
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
