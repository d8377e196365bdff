import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import { settings } from '../config.js';
import { describeRoles } from '../domain/admin-roles.js';
import { actorOf, auditActor, auditActorSchema, type Actor } from '../domain/audit.js';
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
import { completeIntent, followUpKind, fulfil, intend } from './follow-ups.js';
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
    // The code hash in the id: a code sent again (resendInvitation) is a new email.
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
      ...(record.duration ? { duration: record.duration } : {}),
      ...(record.autoExtend ? { autoExtend: record.autoExtend } : {}),
      ...(record.message ? { message: record.message } : {}),
      expiresAt: record.expiresAt,
    },
  });
  return { record: await markInvitation(record, { emailQueuedAt: now().toISOString() }), code };
}

/**
 * What a new code owes once it is written (an invitation made, or sent again): its audit event, the
 * customer's index row and, while the invitation is pending, the email with the code.
 */
const invitationSentSchema = z.object({
  partnerId: z.string(),
  invitationId: z.string(),
  /**
   * The code itself: the invitation stores only its hash, so without it no follow-up could send the
   * email. It lives here as long as in the email's queue message, until the email is queued.
   */
  code: z.string(),
  action: z.enum(['invitation.created', 'invitation.resent']),
  actor: auditActorSchema,
  at: z.string(),
  invocationId: z.string(),
});
type InvitationSent = z.infer<typeof invitationSentSchema>;

/** Named by the invitation and its code's hash: the hash an invitation stores names the intent that sends its code. */
const codeIntentId = (invitationId: string, codeHash: string) => `${invitationId}:${codeHash.slice(0, 16)}`;
const sentIntentId = (sent: InvitationSent) => codeIntentId(sent.invitationId, hashedKey(sent.code));

async function auditSent(record: InvitationRecord, sent: InvitationSent): Promise<void> {
  const event = {
    action: sent.action,
    actor: sent.actor,
    target: { type: 'invitation' as const, id: record.id },
    before: null,
    invocationId: sent.invocationId,
    customerTenantId: record.customerTenantId,
  };
  await writeAudit(
    sent.action === 'invitation.created'
      ? {
          ...event,
          ...createdEvent(record),
          after: {
            status: 'pending',
            relationshipType: record.relationshipType,
            roles: record.roles,
            customerTenantId: record.customerTenantId ?? null,
            customerDomain: record.customerDomain ?? null,
            expiresAt: record.expiresAt,
          },
        }
      : {
          ...event,
          id: `invitation.resent:${record.id}:${record.codeHash.slice(0, 16)}`,
          time: sent.at,
          partnerId: record.partnerId,
          after: { status: 'pending', expiresAt: record.expiresAt },
        },
  );
}

/** Every follow-up of a new code, the same however often it runs (the email job is named by the code's hash). */
async function followUpsOfSent(record: InvitationRecord, sent: InvitationSent): Promise<Sent> {
  if (sent.action === 'invitation.resent') await indexForCustomer(record);
  await auditSent(record, sent);
  return record.status === 'pending' ? sendInvitationEmail(record, sent.code) : { record };
}

export const invitationSentFollowUp = followUpKind({
  name: 'invitationSent',
  payload: invitationSentSchema,
  async complete(sent) {
    const record = await getInvitation(sent.partnerId, sent.invitationId);
    // Never written (the request died first, or lost to a decision), or a later code replaced it: its own intent sends that one.
    if (record?.codeHash === hashedKey(sent.code)) await followUpsOfSent(record, sent);
  },
});

/**
 * A replayed create (a redone batch row, a retried request) whose first try stopped before queueing
 * the email: that try's intent holds the code whose hash the invitation stores, so the replay
 * finishes that intent (the same code, the same email job) rather than sending a second code.
 */
async function ensureInvitationEmail({ record }: Sent): Promise<Sent> {
  if (record.emailQueuedAt || record.status !== 'pending' || !leftUnfinished(record.createdAt, now()))
    return { record };
  await completeIntent(invitationSentFollowUp, codeIntentId(record.id, record.codeHash));
  return { record: (await getInvitation(record.partnerId, record.id)) ?? record };
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
  const sent: InvitationSent = {
    partnerId: record.partnerId,
    invitationId: record.id,
    code: newCode(),
    action: 'invitation.resent',
    actor: auditActor(actorOf(input.caller)),
    at: now().toISOString(),
    invocationId: input.invocationId,
  };
  let rotated: PendingInvitation;
  try {
    rotated = await intend(invitationSentFollowUp, sentIntentId(sent), sent, () =>
      replaceInvitation({ ...record, codeHash: hashedKey(sent.code) }, record.etag),
    );
  } catch (error) {
    if (storageStatus(error) !== 412) throw error;
    // Only bookkeeping (e.g. "email queued") moved the ETag while still pending: try again, unless the caller asked for the exact version it read.
    const fresh = await getInvitation(record.partnerId, record.id);
    if (fresh?.status === 'pending' && (input.ifMatch === undefined || input.ifMatch === anyVersion))
      return resendInvitation({ ...input, record: fresh });
    throw new AppError('already-decided', 'The invitation was decided by another request at the same moment.');
  }
  return sentAnswer(await fulfil(invitationSentFollowUp, sentIntentId(sent), () => followUpsOfSent(rotated, sent)));
}

/** Stores a new invitation, audits it and queues its email; undefined when one with this id exists. */
async function storeInvitation(
  id: string,
  at: Date,
  partner: PartnerProfile,
  caller: Actor,
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
  const sent: InvitationSent = {
    partnerId: partner.partnerId,
    invitationId: id,
    code,
    action: 'invitation.created',
    actor: auditActor(record.createdBy),
    at: record.createdAt,
    invocationId,
  };
  const etag = await intend(invitationSentFollowUp, sentIntentId(sent), sent, () => insertInvitation(record));
  // Another request made this id: nothing follows from this one.
  if (etag === undefined) return fulfil(invitationSentFollowUp, sentIntentId(sent), () => Promise.resolve(undefined));
  return fulfil(invitationSentFollowUp, sentIntentId(sent), () => followUpsOfSent({ ...record, etag }, sent));
}

/**
 * Creates an invitation and queues its email. With an Idempotency-Key, a retry of the same
 * request returns the invitation the first one made (a different body with the key is a 409).
 */
export async function createInvitation(input: {
  partner: PartnerProfile;
  /** Who invites: the caller, or the partner staff member whose batch this invitation is a row of. */
  caller: Actor;
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
