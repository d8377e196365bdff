import { randomBytes } from 'node:crypto';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import { describeRoles } from '../domain/admin-roles.js';
import { actorOf, auditActor } from '../domain/audit.js';
import { uuidV7 } from '../domain/ids.js';
import { checkInvitation, invitationExpiresAt, leftUnfinished, type CreateInvitation } from '../domain/invitations.js';
import { typeDescription } from '../domain/relationships.js';
import { enqueueEmail } from '../email/jobs.js';
import { invalidFields } from '../errors.js';
import { storageStatus } from '../storage/errors.js';
import { AppError } from '../errors.js';
import { showInCustomerLog, writeAudit } from '../storage/audit-log.js';
import { hashedKey } from '../storage/hashed-key.js';
import {
  getInvitation,
  insertInvitation,
  markInvitation,
  replaceInvitation,
  type InvitationRecord,
  type NewInvitation,
  type PendingInvitation,
} from '../storage/invitations.js';
import type { PartnerProfile } from '../storage/partner-profiles.js';
import { idempotentCreate } from './idempotent-create.js';
import { partnerInvitationAnswer, type PartnerInvitationAnswer } from './invitation-views.js';

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

async function sendInvitationEmail(record: PendingInvitation, code: string): Promise<InvitationRecord> {
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
  return markInvitation(record, { emailQueuedAt: now().toISOString() });
}

/**
 * A replayed create whose first request stopped before queueing the email: the code was never
 * sent and is not stored, so a new one is made and sent.
 */
async function ensureInvitationEmail(record: InvitationRecord): Promise<InvitationRecord> {
  if (record.emailQueuedAt || record.status !== 'pending' || !leftUnfinished(record.createdAt, now())) return record;
  const code = newCode();
  let rotated: PendingInvitation;
  try {
    rotated = await replaceInvitation({ ...record, codeHash: hashedKey(code) }, record.etag);
  } catch (error) {
    if (storageStatus(error) === 412) return (await getInvitation(record.partnerId, record.id)) ?? record;
    throw error;
  }
  return sendInvitationEmail(rotated, code);
}

/** Stores a new invitation, audits it and queues its email; undefined when one with this id exists. */
async function storeInvitation(
  id: string,
  at: Date,
  partner: PartnerProfile,
  caller: Caller,
  request: CreateInvitation,
  invocationId: string,
): Promise<InvitationRecord | undefined> {
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
}): Promise<PartnerInvitationAnswer & { replay: boolean }> {
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
    read: (id) => getInvitation(partner.partnerId, id),
    complete: ensureInvitationEmail,
    create: (id) => storeInvitation(id, at, partner, caller, request, input.invocationId),
  });
  return { ...partnerInvitationAnswer(invitation), replay };
}
