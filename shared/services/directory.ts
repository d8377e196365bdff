import { requireOperator, sameTenant } from '../auth/caller.js';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import { actorOf, auditActor, type AuditAction } from '../domain/audit.js';
import type { z } from 'zod';
import type { DirectorySearchQuery, directorySearchResultSchema } from '../domain/directory-search.js';
import {
  changedFields,
  directoryFieldLabels,
  publicProfile,
  type DirectoryEntry,
  type DirectoryEntryFields,
  type PublicProfile,
  type TenantChange,
} from '../domain/directory.js';
import { enqueueEmail } from '../email/jobs.js';
import type { TemplateData } from '../email/template-data.js';
import { invalidFields } from '../errors.js';
import { anyVersion, ifMatchRequired, requireIfMatch } from '../domain/versions.js';
import { AppError } from '../errors.js';
import { writeAudit } from './audit.js';
import {
  directoryIndex,
  readDirectoryEntry,
  refreshDirectorySnapshot as writeSnapshotIfChanged,
  writeDirectoryEntry,
  type StoredDirectoryEntry,
} from '../storage/directory.js';

/**
 * The operator's changes to the directory. Every change of an existing entry is in the partner's
 * audit log and emailed to the partner's contact (the previous one too when the contact email
 * changes, so whoever changes it cannot silence the partner). The tenant, which decides whose
 * staff manage the partner's leads and relationships, changes only through `changeTenant`.
 */

/** How often a write without If-Match reads the entry again after losing a race. */
const attempts = 4;

const changedMessage = 'The entry changed since you read it; read it again and retry.';
const changedMeanwhile = () => new AppError('precondition-failed', changedMessage);
const notFound = (id: string) => new AppError('not-found', `There is no directory entry ${id}.`);

/**
 * Writes the next version of entry `id`, made by `next` from the current one (undefined: there is
 * none yet); `next` answers undefined when nothing changes. With `ifMatch` only that version is
 * changed (412 otherwise; `*` any version of an entry that exists); without one, or with `*`, a
 * lost race is read again, so no write is based on a version that is no longer there.
 */
async function writeNext(
  id: string,
  ifMatch: string | undefined,
  next: (current: DirectoryEntry | undefined) => DirectoryEntry | undefined,
): Promise<{ before: DirectoryEntry | undefined; after: StoredDirectoryEntry; changed: boolean }> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const current = await readDirectoryEntry(id);
    if (current) requireIfMatch(ifMatch, current.etag, changedMessage);
    const entry = next(current?.entry);
    if (!current && ifMatch !== undefined)
      throw new AppError('precondition-failed', 'There is no entry with that ETag; read it again.');
    if (!entry) return { before: current?.entry, after: current!, changed: false };
    const etag = await writeDirectoryEntry(entry, current);
    if (etag) return { before: current?.entry, after: { entry, etag }, changed: true };
    if (ifMatch !== undefined && ifMatch !== anyVersion) throw changedMeanwhile();
  }
  throw changedMeanwhile();
}

const fieldsOf = (entry: DirectoryEntry, fields: (keyof DirectoryEntryFields)[]) =>
  Object.fromEntries(fields.map((f) => [f, entry[f] ?? null]));

type Change = TemplateData<'directoryEntryChanged'>['change'];
const auditActions: Record<Change | 'created', AuditAction> = {
  created: 'directory.created',
  updated: 'directory.updated',
  deactivated: 'directory.deactivated',
  tenantChanged: 'directory.tenantChanged',
};

/** Records a change in the partner's audit log and, for an existing entry, emails the partner's contact(s). */
async function recordChange(
  change: Change | 'created',
  before: DirectoryEntry | undefined,
  after: DirectoryEntry,
  caller: Caller,
  invocationId: string,
  reason?: string,
): Promise<void> {
  const fields = before
    ? changedFields(before, after)
    : (Object.keys(directoryFieldLabels) as (keyof DirectoryEntryFields)[]);
  const action = auditActions[change];
  await writeAudit({
    id: `${action}:${after.id}:${after.updatedAt}`,
    time: after.updatedAt,
    action,
    actor: auditActor(actorOf(caller)),
    target: { type: 'directoryEntry', id: after.id },
    before: before ? fieldsOf(before, fields) : null,
    after: { ...fieldsOf(after, fields), ...(reason ? { reason } : {}) },
    invocationId,
    customerTenantId: undefined,
    partnerId: after.id,
  });
  if (change === 'created' || !before) return;
  const contactChanged = before.contactEmail.toLowerCase() !== after.contactEmail.toLowerCase();
  const data: TemplateData<'directoryEntryChanged'> = {
    partnerId: after.id,
    partnerName: after.displayName,
    change,
    changedAt: after.updatedAt,
    changedFields: fields.map((f) => directoryFieldLabels[f]),
    ...(contactChanged ? { contactEmail: { from: before.contactEmail, to: after.contactEmail } } : {}),
    ...(change === 'tenantChanged' ? { tenant: { from: before.tenantId, to: after.tenantId } } : {}),
    ...(reason ? { reason } : {}),
  };
  // Job ids follow from the version written, so a redelivered job is the same email.
  const jobId = `directory-entry:${after.id}:${Date.parse(after.updatedAt)}`;
  await Promise.all([
    enqueueEmail({
      jobId,
      template: 'directoryEntryChanged',
      to: [{ address: after.contactEmail, displayName: after.displayName }],
      data,
    }),
    ...(contactChanged
      ? [
          enqueueEmail({
            jobId: `${jobId}:previous-contact`,
            template: 'directoryEntryChanged',
            to: [{ address: before.contactEmail, displayName: before.displayName }],
            data,
          }),
        ]
      : []),
  ]);
}

/**
 * Creates an entry or replaces its fields. An entry's tenant is not one of them: a PUT naming
 * another tenant is refused (409 naming `tenantId`) and writes nothing. A PUT that changes
 * nothing writes nothing and emails nobody, so a retry is harmless.
 */
export async function putEntry(
  caller: Caller,
  id: string,
  fields: DirectoryEntryFields,
  ifMatch: string | undefined,
  invocationId: string,
): Promise<StoredDirectoryEntry & { created: boolean }> {
  requireOperator(caller);
  const updatedAt = now().toISOString();
  const { before, after, changed } = await writeNext(id, ifMatch, (current) => {
    if (current && !sameTenant(current.tenantId, fields.tenantId)) {
      throw new AppError(
        'tenant-change',
        `Partner ${id} belongs to another tenant; change it with POST /api/partners/${id}/tenant-change.`,
        {
          errors: [
            {
              path: 'tenantId',
              message: `is not the entry's tenant ${current.tenantId.toLowerCase()}; a tenant changes only through POST /api/partners/${id}/tenant-change`,
            },
          ],
        },
      );
    }
    if (current && changedFields(current, { ...fields, tenantId: current.tenantId }).length === 0) return undefined;
    return { ...fields, ...(current ? { tenantId: current.tenantId } : {}), id, updatedAt };
  });
  if (changed) await recordChange(before ? 'updated' : 'created', before, after.entry, caller, invocationId);
  return { ...after, created: !before };
}

/** Marks an entry inactive (it stays for history and for the partner's relationships); 404 for none. */
export async function deactivateEntry(
  caller: Caller,
  id: string,
  ifMatch: string | undefined,
  invocationId: string,
): Promise<StoredDirectoryEntry> {
  requireOperator(caller);
  const updatedAt = now().toISOString();
  const { before, after, changed } = await writeNext(id, ifMatch, (current) => {
    if (!current) throw notFound(id);
    return current.active ? { ...current, active: false, updatedAt } : undefined;
  });
  if (changed) await recordChange('deactivated', before, after.entry, caller, invocationId);
  return after;
}

/**
 * Moves a partner to another Entra ID tenant: from then on the new tenant's staff, and no longer
 * the old one's, read its leads and manage its invitations and relationships. Only operators, only under If-Match,
 * with a reason; audited and emailed to the partner.
 */
export async function changeTenant(
  caller: Caller,
  id: string,
  change: TenantChange,
  ifMatch: string | undefined,
  invocationId: string,
): Promise<StoredDirectoryEntry> {
  requireOperator(caller);
  const expected = ifMatchRequired(ifMatch);
  const updatedAt = now().toISOString();
  const { before, after } = await writeNext(id, expected, (current) => {
    if (!current) throw notFound(id);
    if (sameTenant(current.tenantId, change.tenantId))
      throw invalidFields([{ path: 'tenantId', message: "is the entry's tenant already" }]);
    return { ...current, tenantId: change.tenantId, updatedAt };
  });
  await recordChange('tenantChanged', before, after.entry, caller, invocationId, change.reason);
  return after;
}

export type DirectorySearchResult = z.infer<typeof directorySearchResultSchema>;

/** Active partners that match, best match first, each with the reasons it matched (public profiles only). */
export async function searchDirectory(query: DirectorySearchQuery): Promise<DirectorySearchResult> {
  const result = (await directoryIndex()).search(query);
  return {
    items: result.items.map((hit) => ({ ...hit.entry, reasons: hit.reasons })),
    continuationToken: result.continuationToken,
  };
}

/** An active partner's public profile and its ETag; an inactive or unknown one is 404. */
export async function partnerProfile(id: string): Promise<{ profile: PublicProfile; etag: string }> {
  const stored = await readDirectoryEntry(id);
  if (!stored?.entry.active) throw new AppError('not-found', `There is no partner ${id} in the directory.`);
  return { profile: publicProfile(stored.entry), etag: stored.etag };
}

/** The active partners of `ids`, each once, in order; one no longer active is 404 (the person searches again). */
export async function chosenPartnerProfiles(ids: string[]): Promise<PublicProfile[]> {
  const index = await directoryIndex();
  return [...new Set(ids)].map((id) => {
    const entry = index.get(id);
    if (!entry) throw new AppError('not-found', `The partner ${id} is no longer in the directory; search again.`);
    return entry;
  });
}

/** The snapshot timer: this instance's index, up to date, written for cold instances when the directory changed since the last snapshot. Answers the bytes written (0: none). */
export async function refreshDirectorySnapshot(): Promise<number> {
  return writeSnapshotIfChanged();
}
