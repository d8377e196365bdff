import { odata } from '@azure/data-tables';
import { z } from 'zod';
import { actorSchema } from '../domain/audit.js';
import type { InvitationStatus } from '../domain/invitations.js';
import { relationshipTypeSchema } from '../domain/relationships.js';
import { storageStatus } from './errors.js';
import type { Page } from '../domain/paging.js';
import { storage } from './clients.js';
import { dueMarked, dueRows, fileDue, markDue, type DueRow } from './due-work.js';
import { decodeEntity, etagOf, readEntity, readPage, toColumns } from './entities.js';
import { newestFirstRowKey } from './keys.js';
import { tableNames } from './names.js';

const optional = z.string().optional();

/** What every invitation holds, whatever its stage. */
const invitationBase = z.object({
  id: z.string(),
  partnerId: z.string(),
  /** Name of the partner when it invited (the email and the acceptance page show it). */
  partnerName: z.string(),
  /** Set at creation for a tenant invitation; for a domain invitation, when the customer decides. */
  customerTenantId: optional,
  customerDomain: optional,
  /** The customer organization's name, as the admin who accepted confirmed it (tokens carry no tenant name). */
  customerName: optional,
  customerAdminEmail: z.string(),
  relationshipType: relationshipTypeSchema,
  roles: z.array(z.string()),
  message: optional,
  duration: optional,
  autoExtend: optional,
  expiresAt: z.string(),
  /** SHA-256 of the code in the email link; the code itself is never stored. */
  codeHash: z.string(),
  createdAt: z.string(),
  createdBy: actorSchema,
  emailQueuedAt: optional,
  /** When the expiry job noticed that this pending invitation had expired (its `invitation.expired` event follows). */
  expiryNotedAt: optional,
  etag: z.string(),
});

/** Who decided and when: present on every invitation past pending. */
const decision = {
  decidedAt: z.string(),
  decidedBy: actorSchema,
  /** When everything that follows the decision (relationship, agreement, audit, email) was done. */
  completedAt: optional,
};

const pendingSchema = invitationBase.extend({ status: z.literal('pending') });
/** A decline names the tenant that declined (for a domain invitation, first known then). */
const declinedSchema = invitationBase.extend({
  status: z.literal('declined'),
  customerTenantId: z.string(),
  ...decision,
});
const revokedSchema = invitationBase.extend({ status: z.literal('revoked'), ...decision });
const acceptedSchema = invitationBase.extend({
  status: z.literal('accepted'),
  customerTenantId: z.string(),
  ...decision,
  agreementVersion: z.string(),
  /** Set once the relationship the acceptance made or joined is recorded. */
  relationshipId: optional,
});

/** An invitation's lifecycle: pending, then decided (declined or revoked) or accepted. */
const invitationRecordSchema = z.discriminatedUnion('status', [
  pendingSchema,
  declinedSchema,
  revokedSchema,
  acceptedSchema,
]);
export type InvitationRecord = z.infer<typeof invitationRecordSchema>;
export type PendingInvitation = z.infer<typeof pendingSchema>;
export type DecidedInvitation = z.infer<typeof declinedSchema> | z.infer<typeof revokedSchema>;
export type AcceptedInvitation = z.infer<typeof acceptedSchema>;
/** A record as written: storage gives it its ETag. */
export type NewInvitation = Omit<PendingInvitation, 'etag'>;

const jsonFields = ['roles', 'createdBy', 'decidedBy'] as const;

/** Invitation ids are UUIDs version 7 (creation time first), so a partner's partition lists newest first. */
const keysOf = (record: Pick<InvitationRecord, 'partnerId' | 'id'>) => ({
  partitionKey: record.partnerId,
  rowKey: newestFirstRowKey(record.id),
});
const toEntity = (record: Pick<InvitationRecord, 'partnerId' | 'id'>) => toColumns(keysOf(record), record, jsonFields);
const fromEntity = (entity: Record<string, unknown>) =>
  decodeEntity(tableNames.invitations, invitationRecordSchema, entity, { json: jsonFields });

async function tables() {
  const s = await storage();
  return {
    invitations: s.table(tableNames.invitations),
    index: s.table(tableNames.invitationIds),
    byCustomer: s.table(tableNames.invitationsByCustomer),
  };
}

/** Whom an invitation is addressed to: the partition of the customer's index that lists it. */
const addresseePartition = (to: { tenantId: string } | { domain: string }) =>
  'tenantId' in to ? `tenant:${to.tenantId}` : `domain:${to.domain}`;

/**
 * Lists the invitation under its addressee (the tenant id or the domain it was made to), with its
 * expiry, so the customer finds the invitations still open without knowing the partners. Writing it
 * again is harmless (send again does, for invitations made before the index).
 */
export async function indexForCustomer(
  record: Pick<InvitationRecord, 'id' | 'partnerId' | 'customerTenantId' | 'customerDomain' | 'expiresAt'>,
): Promise<void> {
  const to =
    record.customerDomain !== undefined
      ? { domain: record.customerDomain }
      : record.customerTenantId !== undefined
        ? { tenantId: record.customerTenantId }
        : undefined;
  if (!to) return;
  const t = await tables();
  await t.byCustomer.upsertEntity(
    {
      partitionKey: addresseePartition(to),
      rowKey: newestFirstRowKey(record.id),
      id: record.id,
      partnerId: record.partnerId,
      expiresAt: record.expiresAt,
    },
    'Replace',
  );
}

const addresseeRowSchema = z.object({ id: z.string(), partnerId: z.string() });

/**
 * The invitations addressed to a tenant id or a domain that have not expired at `at`, newest first
 * (at most `top`), each read from its partner's partition as stored now (decided ones included: the
 * caller filters).
 */
export async function invitationsAddressedTo(
  to: { tenantId: string } | { domain: string },
  at: Date,
  top: number,
): Promise<InvitationRecord[]> {
  const t = await tables();
  const filter = odata`PartitionKey eq ${addresseePartition(to)} and expiresAt gt ${at.toISOString()}`;
  const page = await readPage<Record<string, unknown>>(t.byCustomer, { filter }, top, undefined);
  const rows = page.entities.map((e) => decodeEntity(tableNames.invitationsByCustomer, addresseeRowSchema, e));
  const records = await Promise.all(rows.map((r) => getInvitation(r.partnerId, r.id)));
  return records.filter((r): r is InvitationRecord => r !== undefined);
}

/** Which invitation an expiry row of the expiry job names. */
const expiryRowSchema = z.object({ partnerId: z.string(), invitationId: z.string() });
export type ExpiryRow = DueRow<z.infer<typeof expiryRowSchema>>;

/** The expiries due by `until`, earliest first: the expiry job's work, read by range whatever is not due yet. */
export const dueExpiries = (until: Date): AsyncGenerator<ExpiryRow> =>
  dueRows('invitationExpiry', until, expiryRowSchema);

const fileExpiry = (record: Pick<InvitationRecord, 'id' | 'partnerId' | 'expiresAt'>) =>
  fileDue('invitationExpiry', record.expiresAt, record.id, { partnerId: record.partnerId, invitationId: record.id });

/**
 * Files the expiry of every pending invitation not noted and expiring after `from` that was made before invitations
 * filed their own, once (a marker row says it was done; doing it twice is harmless). One scan of the table, filtered by
 * storage, on the first run only.
 */
export async function fileEarlierExpiries(from: Date): Promise<void> {
  if (await dueMarked('invitationExpiry', 'earlierFiled')) return;
  const t = await tables();
  const filter = odata`status eq 'pending' and expiresAt gt ${from.toISOString()}`;
  for await (const page of t.invitations.listEntities({ queryOptions: { filter } }).byPage({ maxPageSize: 100 }))
    await Promise.all(page.map(fromEntity).flatMap((record) => (record.expiryNotedAt ? [] : [fileExpiry(record)])));
  await markDue('invitationExpiry', 'earlierFiled');
}

/**
 * Writes the id → partner and addressee indexes and the expiry job's row (an invitation's expiry is set once, here),
 * then the invitation; its ETag, or undefined when one with this id exists.
 */
export async function insertInvitation(record: NewInvitation): Promise<string | undefined> {
  const t = await tables();
  await Promise.all([
    t.index.upsertEntity({ partitionKey: record.id, rowKey: '', partnerId: record.partnerId }, 'Replace'),
    indexForCustomer(record),
    fileExpiry(record),
  ]);
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
export async function markInvitation(
  record: InvitationRecord,
  changes: { emailQueuedAt?: string; completedAt?: string; relationshipId?: string; expiryNotedAt?: string },
): Promise<InvitationRecord> {
  const t = await tables();
  const entity = { ...keysOf(record), ...changes };
  try {
    return {
      ...record,
      ...changes,
      etag: etagOf(await t.invitations.updateEntity(entity, 'Merge', { etag: record.etag })),
    };
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

/**
 * Writes `next` in place of the invitation if it still has `etag` (storage answers 412 otherwise); returns it with its
 * new ETag.
 */
export async function replaceInvitation<R extends InvitationRecord>(next: R, etag: string): Promise<R> {
  const t = await tables();
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
  const page = await readPage<Record<string, unknown>>(
    t.invitations,
    { filter },
    options.top,
    options.continuationToken,
  );
  return { items: page.entities.map(fromEntity), continuationToken: page.continuationToken };
}
