import { z } from 'zod';
import { requireCustomerAdmin, requireTenant } from '../auth/caller.js';
import { requirePartnerStaff } from './partner-staff.js';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import { describeRoles } from '../domain/admin-roles.js';
import { actorDisplayName, actorOf, auditActor, type Actor, type AuditAction } from '../domain/audit.js';
import {
  autoExtendPeriod,
  autoExtendProblem,
  grantOf,
  grantWithAutoExtend,
  relationshipStatus,
  relationshipTransition,
  rolesEndAt,
  typeDescription,
  typeWithoutRoles,
  type ExpiryWindow,
  type HistoryEntry,
  type RelationshipAction,
  type RelationshipStatus,
} from '../domain/relationships.js';
import { enqueueEmail, type EmailRequest } from '../email/jobs.js';
import type { TemplateName } from '../email/template-data.js';
import { anyVersion, requireIfMatch } from '../domain/versions.js';
import { storageStatus } from '../storage/errors.js';
import { AppError, invalidFields } from '../errors.js';
import type { RelationshipView } from '../domain/views.js';
import { everyItem, exportPageSize, type Page } from '../domain/paging.js';
import { latestAcceptance, type AgreementAcceptance } from '../storage/agreements.js';
import { writeAudit } from './audit.js';
import { partnerProfileOf } from '../storage/partner-profiles.js';
import {
  addPartnerPointer,
  countPartnerRelationships,
  getPartnerRelationship,
  getRelationship,
  listCustomerRelationships,
  listPartnerRelationships,
  fileRolesReminder,
  replaceRelationship,
  type PartnerRelationshipCounts,
  type ListedRelationship,
  type RelationshipRecord,
} from '../storage/relationships.js';
import { followUpKind, fulfil, intend } from './follow-ups.js';
import { partnerAlertRecipients } from './partner-alerts.js';

export type { RelationshipView };

export const currentStatus = (r: ListedRelationship, at: Date): RelationshipStatus =>
  relationshipStatus(r.status, grantOf(r), at);

/** The job of the `n`th customer admin's copy of an email to every admin who accepted into the relationship. */
const customerAdminJobId = (jobId: string, n: number) => `${jobId}:${n}`;

/**
 * Emails every admin who accepted into the relationship, each a job of its own (`<jobId>:<n>`), so
 * each is sent (and retried) alone and no admin sees another's address.
 */
export async function emailCustomerAdmins<T extends TemplateName>(
  r: RelationshipRecord,
  email: Omit<EmailRequest<T>, 'to'>,
): Promise<void> {
  await Promise.all(
    r.customerContacts.map((c, n) =>
      enqueueEmail({
        ...email,
        jobId: customerAdminJobId(email.jobId, n),
        to: [{ address: c.email, ...(c.name ? { displayName: c.name } : {}) }],
      }),
    ),
  );
}

/** The customer's name for an email's data, when the relationship knows it (the email falls back to the tenant id). */
export const customerNameOf = (r: Pick<RelationshipRecord, 'customerName'>) =>
  r.customerName ? { customerName: r.customerName } : {};

/** The part of a relationship its history and audit show before and after a change. */
export const snapshot = (r: Pick<RelationshipRecord, 'type' | 'status' | 'roles'>) => ({
  type: r.type,
  status: r.status,
  roles: [...r.roles],
});

/**
 * What the partner holds now. The stored roles are those last granted; once the relationship has
 * expired or was terminated (derived when read) it holds none of them, and they show as ended.
 */
function rolesNow(
  r: ListedRelationship,
  status: RelationshipStatus,
  at: Date,
): { held: string[]; ended: string[]; endedAt: string | null } {
  if (status !== 'expired' && status !== 'terminated') return { held: r.roles, ended: [], endedAt: null };
  if (r.roles.length === 0) return { held: [], ended: [], endedAt: null };
  const endedAt = status === 'terminated' ? r.terminatedAt : rolesEndAt(grantOf(r), at)?.toISOString();
  return { held: [], ended: r.roles, endedAt: endedAt ?? null };
}

/** A relationship as a list shows it (what the partner's pointer keeps a copy of), its status and roles derived at `at`. */
export function relationshipView(r: ListedRelationship, at: Date): RelationshipView {
  const status = currentStatus(r, at);
  const roles = rolesNow(r, status, at);
  const holdsRoles = roles.held.length > 0;
  return {
    id: r.id,
    customerTenantId: r.customerTenantId,
    customerName: r.customerName ?? null,
    partner: { id: r.partnerId, displayName: r.partnerName },
    type: r.type,
    typeDescription: typeDescription(r.type, holdsRoles),
    status,
    roles: describeRoles(roles.held),
    endedRoles: describeRoles(roles.ended),
    rolesEndedAt: roles.endedAt,
    duration: holdsRoles ? (r.duration ?? null) : null,
    autoExtend: holdsRoles ? (r.autoExtend ?? null) : null,
    activatedAt: holdsRoles ? (r.activatedAt ?? null) : null,
    endsAt: holdsRoles ? (rolesEndAt(grantOf(r), at)?.toISOString() ?? null) : null,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    terminationRequestedAt: r.terminationRequestedAt ?? null,
    terminatedAt: r.terminatedAt ?? null,
  };
}

/** One relationship with its agreement and history, as its GET and every change answer it. */
function detailedView(r: RelationshipRecord, at: Date, agreement: AgreementAcceptance | undefined): RelationshipView {
  return {
    ...relationshipView(r, at),
    agreement: agreement
      ? {
          version: agreement.version,
          url: agreement.url,
          acceptedAt: agreement.acceptedAt,
          acceptedBy: {
            name: agreement.acceptedBy.name ?? null,
            email: agreement.acceptedBy.email ?? null,
            objectId: agreement.acceptedBy.objectId,
          },
        }
      : null,
    history: r.history,
  };
}

const historyAction: Record<RelationshipAction, HistoryEntry['action']> = {
  removeRoles: 'rolesRemoved',
  requestTermination: 'terminationRequested',
  terminate: 'terminated',
  setAutoExtend: 'autoExtendChanged',
};

/** What a change's follow-ups need: the relationship and its history entry (found by time and action), the request, who is named in emails. */
const changeIntentSchema = z.object({
  customerTenantId: z.string(),
  relationshipId: z.string(),
  at: z.string(),
  action: z.enum(['removeRoles', 'requestTermination', 'terminate', 'setAutoExtend']),
  invocationId: z.string(),
  actorName: z.string(),
});
type ChangeIntent = z.infer<typeof changeIntentSchema>;
/**
 * One intent per attempt, by its time too: a batch's redelivered chunk can try the same row, under the
 * same invocation id, while an earlier try still runs; the try that loses the ETag race removes its own
 * intent only, not the winner's (whose follow-ups a crash would otherwise lose).
 */
const intentId = (i: ChangeIntent) => `${i.customerTenantId}:${i.relationshipId}:${i.invocationId}:${i.at}`;

/** A change email to the partner: its alert recipients, and the relationship it is about. */
async function partnerAlert(r: RelationshipRecord) {
  const partner = await partnerProfileOf(r.partnerId, `relationship ${r.id}`);
  return {
    to: await partnerAlertRecipients(partner),
    about: {
      relationshipId: r.id,
      partnerName: partner.displayName,
      customerTenantId: r.customerTenantId,
      ...customerNameOf(r),
    },
  };
}

/**
 * The customer admins' email about an auto-extend change (it changes when the partner's roles end), keyed by the
 * change; none when the entry names no end date (roles without a duration never end by themselves).
 */
function autoExtendChangedEmail(
  r: RelationshipRecord,
  entry: HistoryEntry,
): Omit<EmailRequest<'autoExtendChanged'>, 'to'> | undefined {
  const on = entry.to?.autoExtend === true;
  const rolesEndAt = entry.to?.rolesEndAt;
  if (!rolesEndAt) return undefined;
  return {
    jobId: `auto-extend-changed:${r.id}:${entry.at}`,
    template: 'autoExtendChanged',
    data: {
      relationshipId: r.id,
      partnerName: r.partnerName,
      customerTenantId: r.customerTenantId,
      ...customerNameOf(r),
      autoExtend: on,
      changedAt: entry.at,
      rolesEndAt,
      ...(on ? { renewsFor: autoExtendPeriod } : {}),
      roles: describeRoles(entry.to?.roles ?? []),
    },
  };
}

/** What the audit event says a change emailed: the template, to whom, and the job ids (one per customer admin). */
const emailedOf = (r: RelationshipRecord, email: { jobId: string; template: TemplateName }) => ({
  template: email.template,
  to: 'customerAdmins',
  jobIds: r.customerContacts.map((_, n) => customerAdminJobId(email.jobId, n)),
});

/**
 * What follows a change, all keyed by the change (its history entry's time): the partner's pointer
 * (the relationship as it is now), the audit event, and the email the change sends.
 */
async function followUpsOf(r: RelationshipRecord, entry: HistoryEntry, intent: ChangeIntent): Promise<void> {
  if (!entry.actor) throw new Error(`relationship ${r.id}: history entry ${entry.at} names no actor`);
  await addPartnerPointer(r);
  const auditAction: AuditAction = `relationship.${historyAction[intent.action]}`;
  const autoExtendEmail = intent.action === 'setAutoExtend' ? autoExtendChangedEmail(r, entry) : undefined;
  await writeAudit({
    id: `${auditAction}:${r.id}:${entry.at}`,
    time: entry.at,
    action: auditAction,
    actor: entry.actor,
    target: { type: 'relationship', id: r.id },
    before: entry.from ?? null,
    after: {
      ...entry.to,
      ...(entry.reason ? { reason: entry.reason } : {}),
      ...(autoExtendEmail ? { emailed: emailedOf(r, autoExtendEmail) } : {}),
    },
    invocationId: intent.invocationId,
    customerTenantId: r.customerTenantId,
    partnerId: r.partnerId,
  });
  if (intent.action === 'requestTermination') {
    const { to, about } = await partnerAlert(r);
    await enqueueEmail({
      jobId: `termination-requested:${r.id}`,
      template: 'terminationRequested',
      to,
      data: {
        ...about,
        requestedByName: intent.actorName,
        ...(entry.reason ? { reason: entry.reason } : {}),
        requestedAt: entry.at,
      },
    });
  }
  if (intent.action === 'removeRoles') {
    const { to, about } = await partnerAlert(r);
    await enqueueEmail({
      jobId: `roles-removed:${r.id}:${entry.at}`,
      template: 'rolesRemoved',
      to,
      data: {
        ...about,
        removedByName: intent.actorName,
        removedAt: entry.at,
        removedRoles: describeRoles(entry.from?.roles ?? []),
        relationshipType: entry.to?.type ?? r.type,
      },
    });
  }
  if (autoExtendEmail) await emailCustomerAdmins(r, autoExtendEmail);
  if (intent.action === 'terminate') {
    await emailCustomerAdmins(r, {
      jobId: `relationship-terminated:${r.id}`,
      template: 'relationshipTerminated',
      data: {
        relationshipId: r.id,
        partnerName: r.partnerName,
        customerTenantId: r.customerTenantId,
        ...customerNameOf(r),
        terminatedAt: entry.at,
      },
    });
  }
}

/** Finishes a change a crash interrupted (queue message or sweeper); a change that was never written owes nothing. */
export const relationshipChangeFollowUp = followUpKind({
  name: 'relationshipChange',
  payload: changeIntentSchema,
  async complete(intent) {
    const r = await getRelationship(intent.customerTenantId, intent.relationshipId);
    const entry = r?.history.find((h) => h.at === intent.at && h.action === historyAction[intent.action]);
    if (r && entry) await followUpsOf(r, entry, intent);
  },
});

/** The relationship's last change is this caller's same action (a retry whose answer was lost): it answers with the outcome. */
function isReplay(
  record: RelationshipRecord,
  action: RelationshipAction,
  caller: Actor,
  reason: string | undefined,
): boolean {
  const last = record.history.at(-1);
  return (
    last?.action === historyAction[action] &&
    last.actor?.tenantId === caller.tenantId &&
    last.actor.objectId === caller.objectId &&
    last.reason === reason
  );
}

/**
 * Writes a caller without If-Match (or with `*`) may lose to concurrent changes before being answered 409:
 * one relationship takes at most three that change its status (roles removed, termination asked, ended),
 * so four reads see it settle unless auto-extend is toggled between them.
 */
const attemptsWithoutIfMatch = 4;

class ConcurrentChange extends Error {}

/**
 * Applies one action. A caller who sent an ETag as If-Match asked for the version it read, so a
 * concurrent change answers 412/409; one who did not asked for the action on the relationship as it
 * is, so it is read again and the rules decide anew (the action may now be refused, or already done).
 */
async function change(
  record: RelationshipRecord,
  action: RelationshipAction,
  caller: Actor,
  ifMatch: string | undefined,
  invocationId: string,
  options: { reason?: string; autoExtend?: boolean } = {},
): Promise<RelationshipRecord> {
  let current = record;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await changeOnce(current, action, caller, ifMatch, invocationId, options);
    } catch (error) {
      if (!(error instanceof ConcurrentChange)) throw error;
      const reread =
        (ifMatch === undefined || ifMatch === anyVersion) && attempt < attemptsWithoutIfMatch
          ? await getRelationship(record.customerTenantId, record.id)
          : undefined;
      if (!reread)
        throw new AppError('conflict', 'The relationship changed at the same moment; read it again and retry.');
      current = reread;
    }
  }
}

/**
 * One attempt: the rules decide whether the current (derived) status allows it; the write carries
 * the ETag read (or the caller's If-Match), so a concurrent change makes it throw ConcurrentChange.
 * Its follow-ups (pointer, audit, email) are recorded as an intent before the write and done after it.
 */
async function changeOnce(
  record: RelationshipRecord,
  action: RelationshipAction,
  caller: Actor,
  ifMatch: string | undefined,
  invocationId: string,
  options: { reason?: string; autoExtend?: boolean } = {},
): Promise<RelationshipRecord> {
  const at = now();
  const from = currentStatus(record, at);
  const transition = relationshipTransition(from, action);
  if (!transition.ok) {
    if (isReplay(record, action, caller, options.reason)) return record;
    throw new AppError(transition.problem, transition.reason);
  }
  requireIfMatch(ifMatch, record.etag, 'The relationship changed since you read it; read it again and retry.');
  if (action === 'removeRoles' && record.roles.length === 0) return record;
  const autoExtendOn = options.autoExtend === true;
  if (action === 'setAutoExtend') {
    if ((record.autoExtend !== undefined) === autoExtendOn) return record;
    const problem = autoExtendOn ? autoExtendProblem(record.roles) : undefined;
    if (problem) throw invalidFields([problem]);
  }
  const time = at.toISOString();
  const next: RelationshipRecord = { ...record, status: transition.to, updatedAt: time };
  if (action === 'setAutoExtend') {
    const grant = grantWithAutoExtend(grantOf(record), autoExtendOn, at);
    Object.assign(next, { activatedAt: grant.activatedAt, autoExtend: grant.autoExtend });
  }
  if (action === 'removeRoles') {
    Object.assign(next, {
      roles: [],
      type: typeWithoutRoles(record.type),
      activatedAt: undefined,
      duration: undefined,
      autoExtend: undefined,
      hasRoleDuration: false,
    });
  }
  if (action === 'requestTermination') next.terminationRequestedAt = time;
  if (action === 'terminate') next.terminatedAt = time;
  const snapshotOf = (r: RelationshipRecord) =>
    action === 'setAutoExtend' ? { ...snapshot(r), autoExtend: r.autoExtend !== undefined } : snapshot(r);
  // Auto-extend changes when the roles end (or that they renew): the entry keeps the date its email names.
  const endsAt = action === 'setAutoExtend' ? rolesEndAt(grantOf(next), at)?.toISOString() : undefined;
  const entry: HistoryEntry = {
    at: time,
    action: historyAction[action],
    actor: auditActor(actorOf(caller)),
    from: snapshotOf(record),
    to: { ...snapshotOf(next), ...(endsAt ? { rolesEndAt: endsAt } : {}) },
    ...(options.reason ? { reason: options.reason } : {}),
  };
  next.history = [...record.history, entry];
  const intent: ChangeIntent = {
    customerTenantId: record.customerTenantId,
    relationshipId: record.id,
    at: time,
    action,
    invocationId,
    actorName: actorDisplayName(actorOf(caller)),
  };
  let saved: RelationshipRecord;
  try {
    // Auto-extend moves the end date: filed before it is written, so the reminder run meets it at the new date's marks.
    if (action === 'setAutoExtend') await fileRolesReminder(next, at);
    saved = await intend(relationshipChangeFollowUp, intentId(intent), intent, () =>
      replaceRelationship(next, record.etag),
    );
  } catch (error) {
    if (storageStatus(error) === 412) throw new ConcurrentChange();
    throw error;
  }
  await fulfil(relationshipChangeFollowUp, intentId(intent), () => followUpsOf(saved, entry, intent));
  return saved;
}

/** A relationship as its API answers it, and the ETag to change it with. */
export interface RelationshipAnswer {
  view: RelationshipView;
  etag: string;
}

interface PageQuery {
  top: number;
  continuationToken?: string | undefined;
}

const notFound = () => new AppError('not-found', 'No such relationship.');

/** A page of relationships, each status derived at the same moment (the one a status filter used). */
function listed(page: Page<ListedRelationship>, at = now()): Page<RelationshipView> {
  return { items: page.items.map((r) => relationshipView(r, at)), continuationToken: page.continuationToken };
}

/**
 * A relationship with its agreement and history: what a GET and every change answer, so the ETag
 * of a change is the one a GET right after gives.
 */
async function details(record: RelationshipRecord): Promise<RelationshipAnswer> {
  return {
    view: detailedView(record, now(), await latestAcceptance(record.customerTenantId)),
    etag: record.etag,
  };
}

/** A relationship of the caller's own tenant (404 for any other tenant's, or none). */
async function customerRecord(caller: Caller, tenantId: string, relationshipId: string): Promise<RelationshipRecord> {
  requireTenant(caller, tenantId);
  const record = await getRelationship(caller.tenantId, relationshipId);
  if (!record) throw notFound();
  return record;
}

/** A relationship of the partner the caller is staff of (404 to anyone else). */
async function partnerRecord(caller: Caller, partnerId: string, relationshipId: string): Promise<RelationshipRecord> {
  const partner = await requirePartnerStaff(caller, partnerId);
  const record = await getPartnerRelationship(partner.partnerId, relationshipId);
  if (!record) throw notFound();
  return record;
}

export async function customerRelationships(
  caller: Caller,
  tenantId: string,
  query: PageQuery,
): Promise<Page<RelationshipView>> {
  requireTenant(caller, tenantId);
  return listed(await listCustomerRelationships(caller.tenantId, query.top, query.continuationToken));
}

/** Every relationship of the customer, for an export (who has access); the caller is checked before the first is read. */
export function customerRelationshipsExport(caller: Caller, tenantId: string): AsyncGenerator<RelationshipView> {
  requireTenant(caller, tenantId);
  const at = now();
  return everyItem(async (continuationToken) =>
    listed(await listCustomerRelationships(caller.tenantId, exportPageSize, continuationToken), at),
  );
}

/** Every relationship of the customer, for the Partner relationships page (its search and sort take them all, as app.js's). */
export async function everyCustomerRelationship(caller: Caller, tenantId: string): Promise<RelationshipView[]> {
  const items: RelationshipView[] = [];
  for await (const item of customerRelationshipsExport(caller, tenantId)) items.push(item);
  return items;
}

export async function customerRelationship(
  caller: Caller,
  tenantId: string,
  relationshipId: string,
): Promise<RelationshipAnswer> {
  return details(await customerRecord(caller, tenantId, relationshipId));
}

/** The partner's relationships, optionally only those with one status and/or in one expiry window (derived now). */
export async function partnerRelationships(
  caller: Caller,
  partnerId: string,
  query: PageQuery & { status?: RelationshipStatus | undefined; expiry?: ExpiryWindow | undefined },
): Promise<Page<RelationshipView>> {
  const partner = await requirePartnerStaff(caller, partnerId);
  const at = now();
  return listed(
    await listPartnerRelationships(partner.partnerId, {
      status: query.status,
      expiry: query.expiry,
      at,
      top: query.top,
      continuationToken: query.continuationToken,
    }),
    at,
  );
}

/**
 * Every relationship of the partner the list's filters keep, for an export: the caller is checked
 * before the first is read, and every status is derived at the same moment.
 */
export async function partnerRelationshipsExport(
  caller: Caller,
  partnerId: string,
  filter: { status?: RelationshipStatus | undefined; expiry?: ExpiryWindow | undefined },
): Promise<AsyncGenerator<RelationshipView>> {
  const partner = await requirePartnerStaff(caller, partnerId);
  const at = now();
  return everyItem(async (continuationToken) =>
    listed(
      await listPartnerRelationships(partner.partnerId, {
        status: filter.status,
        expiry: filter.expiry,
        at,
        top: exportPageSize,
        continuationToken,
      }),
      at,
    ),
  );
}

/** The partner's expiring dashboard: how many relationships are in each expiry window, and how many ask to end. */
export async function partnerRelationshipCounts(
  caller: Caller,
  partnerId: string,
): Promise<PartnerRelationshipCounts & { at: string }> {
  const partner = await requirePartnerStaff(caller, partnerId);
  const at = now();
  return { ...(await countPartnerRelationships(partner.partnerId, at)), at: at.toISOString() };
}

export async function partnerRelationship(
  caller: Caller,
  partnerId: string,
  relationshipId: string,
): Promise<RelationshipAnswer> {
  return details(await partnerRecord(caller, partnerId, relationshipId));
}

/**
 * The partner's relationships among `ids` (a page's ticked rows, a batch's rows), in their order:
 * an id that is not the partner's is left out, as the list would not show it.
 */
export async function partnerRelationshipsNamed(
  caller: Caller,
  partnerId: string,
  ids: readonly string[],
): Promise<RelationshipView[]> {
  const partner = await requirePartnerStaff(caller, partnerId);
  const at = now();
  const records = await Promise.all([...new Set(ids)].map((id) => getPartnerRelationship(partner.partnerId, id)));
  return records.flatMap((r) => (r ? [relationshipView(r, at)] : []));
}

/** Customer admin: remove every admin role; the relationship stays, downgraded in type (e.g. to reseller). */
export async function removeRoles(
  caller: Caller,
  tenantId: string,
  relationshipId: string,
  ifMatch: string | undefined,
  invocationId: string,
): Promise<RelationshipAnswer> {
  const record = await customerRecord(caller, tenantId, relationshipId);
  requireCustomerAdmin(caller);
  return details(await change(record, 'removeRoles', caller, ifMatch, invocationId));
}

/** Customer admin: ask the partner to end the relationship (ending it is the partner's act). */
export async function requestTermination(
  caller: Caller,
  tenantId: string,
  relationshipId: string,
  reason: string | undefined,
  ifMatch: string | undefined,
  invocationId: string,
): Promise<RelationshipAnswer> {
  const record = await customerRecord(caller, tenantId, relationshipId);
  requireCustomerAdmin(caller);
  return details(await change(record, 'requestTermination', caller, ifMatch, invocationId, reason ? { reason } : {}));
}

/** What a customer admin asks of the relationships selected on the Partner relationships page. */
export type CustomerChange = { action: 'removeRoles' } | { action: 'requestTermination'; reason?: string | undefined };

/**
 * Customer admin: one change to each selected relationship (the page's form without JavaScript posts
 * the whole selection), through the same calls as one relationship's route. Every one is read and
 * checked first, so a selection holding one that may not change writes nothing, naming that partner.
 */
export async function changeCustomerRelationships(
  caller: Caller,
  tenantId: string,
  relationshipIds: readonly string[],
  wanted: CustomerChange,
  invocationId: string,
): Promise<RelationshipView[]> {
  requireTenant(caller, tenantId);
  requireCustomerAdmin(caller);
  const records = await Promise.all(relationshipIds.map((id) => customerRecord(caller, tenantId, id)));
  const at = now();
  for (const record of records) {
    const transition = relationshipTransition(currentStatus(record, at), wanted.action);
    if (!transition.ok) throw new AppError(transition.problem, `${record.partnerName}: ${transition.reason}`);
  }
  const views: RelationshipView[] = [];
  for (const { id } of records) {
    const answer =
      wanted.action === 'removeRoles'
        ? await removeRoles(caller, tenantId, id, undefined, invocationId)
        : await requestTermination(caller, tenantId, id, wanted.reason, undefined, invocationId);
    views.push(answer.view);
  }
  return views;
}

/** What a partner may change on one of its relationships: end it, or turn auto-extend on or off. */
export type PartnerChange = { action: 'terminate' } | { action: 'setAutoExtend'; autoExtend: boolean };

/**
 * A partner's change to one of its relationships, by `actor`: the staff member calling a route, or
 * the one who posted the batch a row belongs to. The same rules, history, audit and emails either way.
 */
export async function changeAsPartner(
  record: RelationshipRecord,
  actor: Actor,
  partnerChange: PartnerChange,
  ifMatch: string | undefined,
  invocationId: string,
): Promise<RelationshipRecord> {
  return change(
    record,
    partnerChange.action,
    actor,
    ifMatch,
    invocationId,
    partnerChange.action === 'setAutoExtend' ? { autoExtend: partnerChange.autoExtend } : {},
  );
}

/** Partner staff: end the relationship; every admin who accepted into it is told. */
export async function terminate(
  caller: Caller,
  partnerId: string,
  relationshipId: string,
  ifMatch: string | undefined,
  invocationId: string,
): Promise<RelationshipAnswer> {
  const record = await partnerRecord(caller, partnerId, relationshipId);
  return details(await changeAsPartner(record, caller, { action: 'terminate' }, ifMatch, invocationId));
}

/**
 * Partner staff: turn auto-extend on (the roles renew 180 days at a time; never with Global
 * Administrator, nor without roles) or off (the roles end at the date they have now).
 */
export async function setAutoExtend(
  caller: Caller,
  partnerId: string,
  relationshipId: string,
  autoExtend: boolean,
  ifMatch: string | undefined,
  invocationId: string,
): Promise<RelationshipAnswer> {
  const record = await partnerRecord(caller, partnerId, relationshipId);
  return details(await changeAsPartner(record, caller, { action: 'setAutoExtend', autoExtend }, ifMatch, invocationId));
}
