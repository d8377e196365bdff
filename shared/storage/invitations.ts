import { odata } from '@azure/data-tables';
import { z } from 'zod';
import type { Actor } from '../domain/audit.js';
import type { InvitationStatus, StoredInvitationStatus } from '../domain/invitations.js';
import type { RelationshipType } from '../domain/relationships.js';
import { storageStatus } from '../http/etag.js';
import type { Page } from '../http/paging.js';
import { storage } from './clients.js';
import { etagOf, fromColumns, readEntity, readPage, toColumns } from './entities.js';
import { newestFirstRowKey } from './keys.js';
import { tableNames } from './names.js';

export interface InvitationRecord {
  id: string;
  partnerId: string;
  /** Name of the partner when it invited (the email and the acceptance page show it). */
  partnerName: string;
  /** Set at creation for a tenant invitation; for a domain invitation, when the customer decides. */
  customerTenantId: string | undefined;
  customerDomain: string | undefined;
  customerAdminEmail: string;
  relationshipType: RelationshipType;
  roles: string[];
  message: string | undefined;
  duration: string | undefined;
  autoExtend: string | undefined;
  expiresAt: string;
  /** SHA-256 of the code in the email link; the code itself is never stored. */
  codeHash: string;
  status: StoredInvitationStatus;
  createdAt: string;
  createdBy: Actor;
  emailQueuedAt: string | undefined;
  decidedAt: string | undefined;
  decidedBy: Actor | undefined;
  agreementVersion: string | undefined;
  relationshipId: string | undefined;
  /** When everything that follows the decision (relationship, agreement, audit, email) was done. */
  completedAt: string | undefined;
  etag: string;
}

const jsonFields = ['roles', 'createdBy', 'decidedBy'] as const;

/** Invitation ids are UUIDs version 7 (creation time first), so a partner's partition lists newest first. */
const keysOf = (record: Pick<InvitationRecord, 'partnerId' | 'id'>) => ({ partitionKey: record.partnerId, rowKey: newestFirstRowKey(record.id) });
const toEntity = (record: Omit<InvitationRecord, 'etag'>) => toColumns(keysOf(record), record, jsonFields);
const fromEntity = (entity: Record<string, unknown>) => fromColumns(entity, jsonFields) as unknown as InvitationRecord;

async function tables() {
  const s = await storage();
  return { invitations: s.table(tableNames.invitations), index: s.table(tableNames.invitationIds) };
}

/** Writes the id → partner index, then the invitation; its ETag, or undefined when one with this id exists. */
export async function insertInvitation(record: Omit<InvitationRecord, 'etag'>): Promise<string | undefined> {
  const t = await tables();
  await t.index.upsertEntity({ partitionKey: record.id, rowKey: '', partnerId: record.partnerId }, 'Replace');
  try {
    return etagOf(await t.invitations.createEntity(toEntity(record)));
  } catch (error) {
    if (storageStatus(error) === 409) return undefined;
    throw error;
  }
}

/**
 * Sets bookkeeping fields that nothing else writes (email queued, follow-up done) and returns the
 * invitation as stored now, with its new ETag. Written over the version read; if a decision came
 * in between, the fields are merged into whatever is there (a merge of only these fields cannot
 * undo a status change) and the invitation is read again, so the answer is never a stale version.
 */
export async function markInvitation(record: InvitationRecord, changes: Pick<Partial<InvitationRecord>, 'emailQueuedAt' | 'completedAt' | 'relationshipId'>): Promise<InvitationRecord> {
  const t = await tables();
  const entity = { ...keysOf(record), ...changes };
  try {
    return { ...record, ...changes, etag: etagOf(await t.invitations.updateEntity(entity, 'Merge', { etag: record.etag })) };
  } catch (error) {
    if (storageStatus(error) !== 412) throw error;
  }
  await t.invitations.updateEntity(entity, 'Merge', { etag: '*' });
  const current = await getInvitation(record.partnerId, record.id);
  if (!current) throw new Error(`invitation ${record.id} vanished while it was being written`);
  return current;
}

/** Invitation ids are UUIDs; anything else names no invitation (and never reaches storage as a key). */
const isId = (id: string) => z.uuid().safeParse(id).success;

export async function getInvitation(partnerId: string, id: string): Promise<InvitationRecord | undefined> {
  if (!isId(id)) return undefined;
  const t = await tables();
  const entity = await readEntity(t.invitations, partnerId, newestFirstRowKey(id));
  return entity && fromEntity(entity);
}

/** An invitation by id alone (the customer's link carries no partner id). */
export async function findInvitation(id: string): Promise<InvitationRecord | undefined> {
  if (!isId(id)) return undefined;
  const t = await tables();
  const pointer = await readEntity<{ partnerId: string }>(t.index, id, '');
  return pointer && getInvitation(pointer.partnerId, id);
}

/** Merges `changes` if the invitation still has `etag` (storage answers 412 otherwise); returns the new record. */
export async function updateInvitation(record: InvitationRecord, changes: Partial<Omit<InvitationRecord, 'id' | 'partnerId' | 'etag'>>, etag: string): Promise<InvitationRecord> {
  const t = await tables();
  const next = { ...record, ...changes };
  const { etag: _old, ...rest } = next;
  const result = await t.invitations.updateEntity(toEntity(rest), 'Replace', { etag });
  return { ...next, etag: etagOf(result) };
}

/** A partner's invitations, newest first; `status` filters on the derived status (expired = pending past expiresAt). */
export async function listInvitations(
  partnerId: string,
  options: { status: InvitationStatus | undefined; at: Date; top: number; continuationToken: string | undefined },
): Promise<Page<InvitationRecord>> {
  const t = await tables();
  const at = options.at.toISOString();
  const filter =
    options.status === undefined
      ? odata`PartitionKey eq ${partnerId}`
      : options.status === 'expired'
        ? odata`PartitionKey eq ${partnerId} and status eq 'pending' and expiresAt le ${at}`
        : options.status === 'pending'
          ? odata`PartitionKey eq ${partnerId} and status eq 'pending' and expiresAt gt ${at}`
          : odata`PartitionKey eq ${partnerId} and status eq ${options.status}`;
  const page = await readPage<Record<string, unknown>>(t.invitations, { filter }, options.top, options.continuationToken);
  return { items: page.entities.map(fromEntity), continuationToken: page.continuationToken };
}
