import { randomBytes } from 'node:crypto';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import { settings } from '../config.js';
import { describeRoles } from '../domain/admin-roles.js';
import { actorOf, auditActor } from '../domain/audit.js';
import { uuidV7 } from '../domain/ids.js';
import {
  checkInvitation,
  invitationExpiresAt,
  invitationStatus,
  leftUnfinished,
  type CreateInvitation,
} from '../domain/invitations.js';
import { pageLinks } from '../domain/links.js';
import { typeDescription } from '../domain/relationships.js';
import { enqueueEmail } from '../email/jobs.js';
import { AppError, invalidFields } from '../errors.js';
import { anyVersion, requireIfMatch } from '../domain/versions.js';
import { storageStatus } from '../storage/errors.js';
import { showInCustomerLog } from '../storage/audit-log.js';
import { writeAudit } from './audit.js';
import { hashedKey } from '../storage/hashed-key.js';
import {
  getInvitation,
  indexForCustomer,
  insertInvitation,
  markInvitation,
  replaceInvitation,
  type InvitationRecord,
  type NewInvitation,
  type PendingInvitation,
} from '../storage/invitations.js';
import type { PartnerProfile } from '../storage/partner-profiles.js';
import { idempotentCreate } from './idempotent-create.js';
import { partnerInvitationAnswer, type SentInvitationAnswer } from './invitation-views.js';

const newCode = () => randomBytes(32).toString('base64url');

/** Which audit event records an invitation's creation (in the partner's log, and the customer's once known). */
const createdEvent = (r: Pick<InvitationRecord, 'id' | 'createdAt' | 'partnerId'>) => ({
  id: `invitation.created:${r.id}`,
  time: r.createdAt,
  partnerId: r.partnerId,
});

/**
 * A domain invitation names its customer only once decided: its creation then shows in that
 * customer's log too (a tenant invitation wrote it there when it was made).
 */
export async function showCreatedToCustomer(inv: InvitationRecord): Promise<void> {
  if (inv.customerDomain !== undefined && inv.customerTenantId !== undefined)
    await showInCustomerLog(createdEvent(inv), inv.customerTenantId);
}

/** An invitation and, when this request made its code, the code: it is never stored, so the link to copy shows only now. */
interface Sent {
  record: InvitationRecord;
  code?: string;
}

/** The partner's view with the link to copy when this request made the code (`null` otherwise: Partner Center shows it once too). */
const sentAnswer = ({ record, code }: Sent): SentInvitationAnswer => ({
  ...partnerInvitationAnswer(record),
  invitationUrl: code === undefined ? null : pageLinks(settings().publicBaseUrl).invitation(record.id, code),
});

async function sendInvitationEmail(record: PendingInvitation, code: string): Promise<Sent> {
  await enqueueEmail({
    // The code hash in the id: a rotated code (see ensureInvitationEmail) is a new email.
    jobId: `invitation:${record.id}:${record.codeHash.slice(0, 16)}`,
    template: 'invitationToCustomer',
    to: [{ address: record.customerAdminEmail }],
    data: {
      invitationId: record.id,
      code,
      partnerName: record.partnerName,
      relationshipType: record.relationshipType,
      relationshipDescription: typeDescription(record.relationshipType, record.roles.length > 0),
      roles: describeRoles(record.roles),
      ...(record.message ? { message: record.message } : {}),
      expiresAt: record.expiresAt,
    },
  });
  return { record: await markInvitation(record, { emailQueuedAt: now().toISOString() }), code };
}

/** A new code for a pending invitation, written under the ETag it was read with (storage 412 when it changed since): the old code stops matching. */
async function withNewCode(record: PendingInvitation): Promise<{ rotated: PendingInvitation; code: string }> {
  const code = newCode();
  return { rotated: await replaceInvitation({ ...record, codeHash: hashedKey(code) }, record.etag), code };
}

/**
 * A replayed create whose first request stopped before queueing the email: the code was never
 * sent and is not stored, so a new one is made and sent.
 */
async function ensureInvitationEmail({ record }: Sent): Promise<Sent> {
  if (record.emailQueuedAt || record.status !== 'pending' || !leftUnfinished(record.createdAt, now()))
    return { record };
  let rotated: { rotated: PendingInvitation; code: string };
  try {
    rotated = await withNewCode(record);
  } catch (error) {
    if (storageStatus(error) === 412) return { record: (await getInvitation(record.partnerId, record.id)) ?? record };
    throw error;
  }
  return sendInvitationEmail(rotated.rotated, rotated.code);
}

/**
 * "Send again" for a pending invitation: a new code and a new email; the old link stops working,
 * since only the new code's hash is stored. Written under the ETag read (or the caller's If-Match):
 * a decision at the same moment wins, and this answers 409.
 */
export async function resendInvitation(input: {
  caller: Caller;
  record: InvitationRecord;
  ifMatch: string | undefined;
  invocationId: string;
}): Promise<SentInvitationAnswer> {
  const { record } = input;
  if (invitationStatus(record.status, record.expiresAt, now()) === 'expired')
    throw new AppError('gone', 'The invitation has expired; send a new one.');
  if (record.status !== 'pending')
    throw new AppError('already-decided', `The invitation was already ${record.status}.`);
  requireIfMatch(input.ifMatch, record.etag, 'The invitation changed since you read it; read it again.');
  let rotated: PendingInvitation;
  let code: string;
  try {
    ({ rotated, code } = await withNewCode(record));
  } catch (error) {
    if (storageStatus(error) !== 412) throw error;
    // Only bookkeeping (e.g. "email queued") moved the ETag while still pending: try again, unless the caller asked for the exact version it read.
    const fresh = await getInvitation(record.partnerId, record.id);
    if (fresh?.status === 'pending' && (input.ifMatch === undefined || input.ifMatch === anyVersion))
      return resendInvitation({ ...input, record: fresh });
    throw new AppError('already-decided', 'The invitation was decided by another request at the same moment.');
  }
  const at = now().toISOString();
  await indexForCustomer(rotated);
  await writeAudit({
    id: `invitation.resent:${record.id}:${rotated.codeHash.slice(0, 16)}`,
    time: at,
    action: 'invitation.resent',
    actor: auditActor(actorOf(input.caller)),
    target: { type: 'invitation', id: record.id },
    before: null,
    after: { status: 'pending', expiresAt: record.expiresAt },
    invocationId: input.invocationId,
    customerTenantId: record.customerTenantId,
    partnerId: record.partnerId,
  });
  return sentAnswer(await sendInvitationEmail(rotated, code));
}

/** Stores a new invitation, audits it and queues its email; undefined when one with this id exists. */
async function storeInvitation(
  id: string,
  at: Date,
  partner: PartnerProfile,
  caller: Caller,
  request: CreateInvitation,
  invocationId: string,
): Promise<Sent | undefined> {
  const code = newCode();
  const record: NewInvitation = {
    id,
    partnerId: partner.partnerId,
    partnerName: partner.displayName,
    customerTenantId: request.customerTenantId,
    customerDomain: request.customerDomain,
    customerAdminEmail: request.customerAdminEmail,
    relationshipType: request.relationshipType,
    roles: request.roles,
    message: request.message,
    duration: request.duration,
    autoExtend: request.autoExtend,
    expiresAt: invitationExpiresAt(at, request.expiresInDays),
    codeHash: hashedKey(code),
    status: 'pending',
    createdAt: at.toISOString(),
    createdBy: actorOf(caller),
    emailQueuedAt: undefined,
  };
  const etag = await insertInvitation(record);
  if (etag === undefined) return undefined;
  await writeAudit({
    ...createdEvent(record),
    action: 'invitation.created',
    actor: auditActor(record.createdBy),
    target: { type: 'invitation', id },
    before: null,
    after: {
      status: 'pending',
      relationshipType: record.relationshipType,
      roles: record.roles,
      customerTenantId: record.customerTenantId ?? null,
      customerDomain: record.customerDomain ?? null,
      expiresAt: record.expiresAt,
    },
    invocationId,
    customerTenantId: record.customerTenantId,
  });
  return sendInvitationEmail({ ...record, etag }, code);
}

/**
 * Creates an invitation and queues its email. With an Idempotency-Key, a retry of the same
 * request returns the invitation the first one made (a different body with the key is a 409).
 */
export async function createInvitation(input: {
  partner: PartnerProfile;
  caller: Caller;
  request: CreateInvitation;
  idempotencyKey: string | undefined;
  invocationId: string;
}): Promise<SentInvitationAnswer & { replay: boolean }> {
  const { partner, caller, request } = input;
  const problems = checkInvitation(request, partner.tenantId);
  // The rules across fields (roles and duration the type allows) answer like the schema's own checks.
  if (problems.length > 0) throw invalidFields(problems);
  if (!partner.active)
    throw new AppError('conflict', 'The partner’s directory entry is inactive, so it cannot invite customers.');
  const at = now();
  const { value: invitation, replay } = await idempotentCreate({
    scope: `invitations:${partner.partnerId}`,
    idempotencyKey: input.idempotencyKey,
    body: request,
    newId: () => uuidV7(at.getTime()),
    read: async (id) => {
      const record = await getInvitation(partner.partnerId, id);
      return record && { record };
    },
    complete: ensureInvitationEmail,
    create: (id) => storeInvitation(id, at, partner, caller, request, input.invocationId),
  });
  return { ...sentAnswer(invitation), replay };
}
