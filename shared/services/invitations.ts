import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isCustomerAdmin, requireCustomerAdmin } from '../auth/caller.js';
import { tenantOwningDomain } from '../auth/domain-owner.js';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import { settings } from '../config.js';
import type { z } from 'zod';
import { describeRoles } from '../domain/admin-roles.js';
import { uuidV7 } from '../domain/ids.js';
import type { acceptancePageSchema, partnerInvitationViewSchema } from '../domain/views.js';
import { actorDisplayName, actorOf, auditActor } from '../domain/audit.js';
import {
  checkInvitation,
  invitationExpiresAt,
  invitationStatus,
  invitationTransition,
  type CreateInvitation,
  type InvitationAction,
} from '../domain/invitations.js';
import { grantOf, mergeFamilyOf, mergedGrant, mergedType, typeDescription } from '../domain/relationships.js';
import { enqueueEmail } from '../email/jobs.js';
import { invalidFields } from '../http/body.js';
import { anyVersion, requireIfMatch, storageStatus } from '../http/etag.js';
import { AppError } from '../http/problem.js';
import { recordAcceptance } from '../storage/agreements.js';
import { showInCustomerLog, writeAudit } from '../storage/audit-log.js';
import { hashedKey } from '../storage/hashed-key.js';
import { requestFingerprint, reserveIdempotencyKey } from '../storage/idempotency.js';
import { findInvitation, getInvitation, insertInvitation, markInvitation, updateInvitation, type InvitationRecord } from '../storage/invitations.js';
import { partnerProfileOf, type PartnerProfile } from '../storage/partner-profiles.js';
import {
  addPartnerPointer,
  createRelationshipInSlot,
  getMergeSlot,
  relationshipsWithPartner,
  replaceRelationship,
  type RelationshipRecord,
} from '../storage/relationships.js';
import { requireCurrentAgreement } from './agreements.js';
import { currentStatus, snapshot, withContact } from './relationships.js';

/**
 * A decision whose follow-up work (relationship, agreement, audit, email) is still unfinished this
 * long after it was made is taken to have crashed, and the next call on the invitation finishes it.
 * Younger ones are left alone: their own request is most likely still working on them.
 */
export const unfinishedAfterMs = 60_000;

const isStale = (time: string | undefined, at: Date) => time === undefined || at.getTime() - Date.parse(time) >= unfinishedAfterMs;

const newCode = () => randomBytes(32).toString('base64url');

function codeMatches(codeHash: string, code: string): boolean {
  const given = Buffer.from(hashedKey(code), 'hex');
  const stored = Buffer.from(codeHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

// ---- views -----------------------------------------------------------------------------------

/** What the partner sees of its invitation (never the code or its hash). */
export function partnerInvitationView(r: InvitationRecord, at: Date): z.infer<typeof partnerInvitationViewSchema> {
  return {
    id: r.id,
    partnerId: r.partnerId,
    customerTenantId: r.customerTenantId ?? null,
    customerDomain: r.customerDomain ?? null,
    customerAdminEmail: r.customerAdminEmail,
    relationshipType: r.relationshipType,
    roles: describeRoles(r.roles),
    message: r.message ?? null,
    duration: r.duration ?? null,
    autoExtend: r.autoExtend ?? null,
    status: invitationStatus(r.status, r.expiresAt, at),
    expiresAt: r.expiresAt,
    createdAt: r.createdAt,
    createdBy: { objectId: r.createdBy.objectId, name: r.createdBy.name ?? null },
    decidedAt: r.decidedAt ?? null,
    relationshipId: r.relationshipId ?? null,
  };
}

export type AcceptancePage = z.infer<typeof acceptancePageSchema>;

function acceptancePage(r: InvitationRecord, partner: PartnerProfile, caller: Caller, at: Date): AcceptancePage {
  const status = invitationStatus(r.status, r.expiresAt, at);
  const { customerAgreement } = settings();
  return {
    id: r.id,
    status,
    expiresAt: r.expiresAt,
    partner: { id: partner.partnerId, displayName: partner.displayName, website: partner.website ?? null, description: partner.description ?? null },
    customerTenantId: r.customerTenantId ?? null,
    customerDomain: r.customerDomain ?? null,
    relationshipType: r.relationshipType,
    relationshipDescription: typeDescription(r.relationshipType, r.roles.length > 0),
    roles: describeRoles(r.roles),
    duration: r.duration ?? null,
    autoExtend: r.autoExtend ?? null,
    message: r.message ?? null,
    customerAgreement: { url: customerAgreement.url, version: customerAgreement.version },
    canDecide: status === 'pending' && isCustomerAdmin(caller) && caller.tenantId !== partner.tenantId,
  };
}

// ---- partner: create, revoke -------------------------------------------------------------------

/** Which audit event records an invitation's creation (in the partner's log, and the customer's once known). */
const createdEvent = (r: Pick<InvitationRecord, 'id' | 'createdAt' | 'partnerId'>) => ({ id: `invitation.created:${r.id}`, time: r.createdAt, partnerId: r.partnerId });

/**
 * A domain invitation names its customer only once decided: its creation then shows in that
 * customer's log too (a tenant invitation wrote it there when it was made).
 */
async function showCreatedToCustomer(inv: InvitationRecord): Promise<void> {
  if (inv.customerDomain !== undefined && inv.customerTenantId !== undefined) await showInCustomerLog(createdEvent(inv), inv.customerTenantId);
}

async function sendInvitationEmail(record: InvitationRecord, code: string): Promise<InvitationRecord> {
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
  if (record.emailQueuedAt || record.status !== 'pending' || !isStale(record.createdAt, now())) return record;
  const code = newCode();
  let rotated: InvitationRecord;
  try {
    rotated = await updateInvitation(record, { codeHash: hashedKey(code) }, record.etag);
  } catch (error) {
    if (storageStatus(error) === 412) return (await getInvitation(record.partnerId, record.id)) ?? record;
    throw error;
  }
  return sendInvitationEmail(rotated, code);
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
}): Promise<{ invitation: InvitationRecord; replay: boolean }> {
  const { partner, caller, request } = input;
  const problems = checkInvitation(request, partner.tenantId);
  // The rules across fields (roles and duration the type allows) answer like the schema's own checks.
  if (problems.length > 0) throw invalidFields(problems);
  if (!partner.active) throw new AppError('conflict', 'The partner’s directory entry is inactive, so it cannot invite customers.');
  const at = now();
  let id = uuidV7(at.getTime());
  if (input.idempotencyKey !== undefined) {
    const reserved = await reserveIdempotencyKey(`invitations:${partner.partnerId}`, input.idempotencyKey, requestFingerprint(request), id);
    if (reserved.replay) {
      const earlier = await getInvitation(partner.partnerId, reserved.id);
      if (earlier) return { invitation: await ensureInvitationEmail(earlier), replay: true };
      id = reserved.id; // the first request stopped before writing it: this one does
    }
  }
  const code = newCode();
  const record: Omit<InvitationRecord, 'etag'> = {
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
    decidedAt: undefined,
    decidedBy: undefined,
    agreementVersion: undefined,
    relationshipId: undefined,
    completedAt: undefined,
  };
  const etag = await insertInvitation(record);
  if (etag === undefined) {
    // A concurrent request with the same key wrote it first.
    const earlier = await getInvitation(partner.partnerId, id);
    if (!earlier) throw new Error(`invitation ${id} exists and cannot be read`);
    return { invitation: earlier, replay: true };
  }
  await writeAudit({
    ...createdEvent(record),
    action: 'invitation.created',
    actor: auditActor(record.createdBy),
    target: { type: 'invitation', id },
    before: null,
    after: { status: 'pending', relationshipType: record.relationshipType, roles: record.roles, customerTenantId: record.customerTenantId ?? null, customerDomain: record.customerDomain ?? null, expiresAt: record.expiresAt },
    invocationId: input.invocationId,
    customerTenantId: record.customerTenantId,
  });
  return { invitation: await sendInvitationEmail({ ...record, etag }, code), replay: false };
}

// ---- deciding: the ETag-gated status change, then idempotent follow-up -----------------------

/**
 * The single winner gate: the status change is written with the ETag that was read, so of many
 * concurrent decisions exactly one succeeds; the rest get 409.
 */
async function decide(
  record: InvitationRecord,
  action: InvitationAction,
  caller: Caller,
  ifMatch: string | undefined,
  invocationId: string,
  changes: Partial<InvitationRecord> = {},
): Promise<InvitationRecord> {
  const at = now();
  const transition = invitationTransition(invitationStatus(record.status, record.expiresAt, at), action);
  if (!transition.ok) {
    if (record.status !== 'pending' && !record.completedAt && isStale(record.decidedAt, at)) await finishDecision(record, invocationId);
    throw new AppError(transition.problem, transition.reason);
  }
  requireIfMatch(ifMatch, record.etag, 'The invitation changed since you read it; read it again.');
  try {
    return await updateInvitation(record, { ...changes, status: transition.to, decidedAt: at.toISOString(), decidedBy: actorOf(caller) }, record.etag);
  } catch (error) {
    if (storageStatus(error) !== 412) throw error;
  }
  // Lost the gate. Still pending means only bookkeeping (e.g. "email queued") moved the ETag: try
  // again, unless the caller asked for the exact version it read.
  const fresh = await getInvitation(record.partnerId, record.id);
  if (fresh?.status === 'pending' && (ifMatch === undefined || ifMatch === anyVersion)) return decide(fresh, action, caller, ifMatch, invocationId, changes);
  throw new AppError('already-decided', 'The invitation was decided by another request at the same moment.');
}

const partnerOf = (record: InvitationRecord) => partnerProfileOf(record.partnerId, `invitation ${record.id}`);

/**
 * The id of the relationship an accepted invitation makes: a UUID version 7 of the moment it was
 * made, so relationships list newest first, with the rest derived from the invitation's id, so a
 * re-run of the same accept makes the same id (and its insert finds the first).
 */
const relationshipIdOf = (inv: InvitationRecord) => uuidV7(Date.parse(inv.decidedAt!), createHash('sha256').update(`relationship:${inv.id}`).digest());

/**
 * Makes or joins the customer's relationship with the partner for an accepted invitation.
 * Idempotent by invitation id: a relationship that lists the invitation is the answer; a new one
 * takes an id derived from the invitation, so a second insert finds it.
 *
 * Race-safe across instances through the merge slot of (customer, partner, merge family): a new
 * relationship is only created together with its claim on the slot (one transaction), and the
 * claim succeeds only if the slot is still as read — absent, or naming a relationship that no
 * longer takes merges. Of two accepts that merge, one creates; the other fails the claim, reads
 * again and merges into the winner's relationship under its ETag.
 */
async function joinRelationship(inv: InvitationRecord): Promise<{ relationship: RelationshipRecord; before: RelationshipRecord | undefined }> {
  const customerTenantId = inv.customerTenantId!;
  const at = inv.decidedAt!;
  const decidedBy = inv.decidedBy!;
  const actor = auditActor(decidedBy);
  const invited = { roles: inv.roles, activatedAt: at, duration: inv.duration, autoExtend: inv.autoExtend };
  // The admin who accepted hears about the relationship from now on (the invited address if the token has none).
  const contact = { email: decidedBy.email?.includes('@') ? decidedBy.email : inv.customerAdminEmail, name: decidedBy.name };
  const family = mergeFamilyOf(inv.relationshipType);
  const takesMerges = (r: RelationshipRecord) => currentStatus(r, now()) === 'active' && mergedType(r.type, inv.relationshipType) !== undefined;
  for (let attempt = 0; attempt < 10; attempt++) {
    // The slot first: a relationship claimed after this read makes the claim below fail, and one
    // claimed before it is in the list read next.
    const slot = await getMergeSlot(customerTenantId, inv.partnerId, family);
    const existing = await relationshipsWithPartner(customerTenantId, inv.partnerId);
    const done = existing.find((r) => r.invitationIds.includes(inv.id));
    if (done) {
      await addPartnerPointer(done); // the run that made it may have stopped before the pointer
      return { relationship: done, before: undefined };
    }
    // The slot's relationship, else (made before slots existed) any active one of the family.
    const target = [existing.find((r) => r.id === slot?.relationshipId), ...existing].find((r) => r !== undefined && takesMerges(r));
    if (target) {
      const grant = mergedGrant(grantOf(target), invited);
      const merged: RelationshipRecord = {
        ...target,
        type: mergedType(target.type, inv.relationshipType)!,
        roles: grant.roles,
        activatedAt: grant.roles.length > 0 ? grant.activatedAt : undefined,
        duration: grant.duration,
        autoExtend: grant.autoExtend,
        hasRoleDuration: grant.roles.length > 0 && grant.duration !== undefined,
        updatedAt: at,
        invitationIds: [...target.invitationIds, inv.id],
        customerContacts: withContact(target.customerContacts, contact),
      };
      merged.history = [...target.history, { at, action: 'merged', actor, invitationId: inv.id, from: snapshot(target), to: snapshot(merged) }];
      try {
        const saved = await replaceRelationship(merged, target.etag);
        await addPartnerPointer(saved);
        return { relationship: saved, before: target };
      } catch (error) {
        if (storageStatus(error) === 412) continue; // changed under us: read again
        throw error;
      }
    }
    const record = {
      id: relationshipIdOf(inv),
      customerTenantId,
      partnerId: inv.partnerId,
      partnerName: inv.partnerName,
      type: inv.relationshipType,
      status: 'active' as const,
      roles: inv.roles,
      activatedAt: inv.roles.length > 0 ? at : undefined,
      duration: inv.duration,
      autoExtend: inv.autoExtend,
      hasRoleDuration: inv.roles.length > 0 && inv.duration !== undefined,
      createdAt: at,
      updatedAt: at,
      invitationIds: [inv.id],
      history: [{ at, action: 'created' as const, actor, invitationId: inv.id, to: { type: inv.relationshipType, status: 'active' as const, roles: inv.roles } }],
      customerContacts: [contact],
      remindersSent: [],
      terminationRequestedAt: undefined,
      terminatedAt: undefined,
    };
    const created = await createRelationshipInSlot(record, family, slot);
    if (created) return { relationship: created, before: undefined };
    // An earlier run made it, or another accept claimed the slot: the next pass finds either.
  }
  throw new Error(`could not record the relationship of invitation ${inv.id}: it kept changing`);
}

async function completeAcceptance(inv: InvitationRecord, invocationId: string): Promise<{ invitation: InvitationRecord; relationship: RelationshipRecord }> {
  const customerTenantId = inv.customerTenantId!;
  const decidedBy = inv.decidedBy!;
  const at = inv.decidedAt!;
  const { relationship, before } = await joinRelationship(inv);
  const created = relationship.invitationIds[0] === inv.id;
  const { customerAgreement } = settings();
  const scope = { invocationId, customerTenantId, partnerId: inv.partnerId, actor: auditActor(decidedBy), time: at };
  // Each of these is idempotent by a derived id and none reads what another writes, so they run
  // together; `completedAt` is written only once all of them are done.
  await Promise.all([
    showCreatedToCustomer(inv),
    recordAcceptance({
      id: `invitation-${inv.id}`,
      customerTenantId,
      url: customerAgreement.url,
      version: inv.agreementVersion!,
      acceptedAt: at,
      acceptedBy: decidedBy,
      invitationId: inv.id,
    }),
    writeAudit({
      ...scope,
      id: `invitation.accepted:${inv.id}`,
      action: 'invitation.accepted',
      target: { type: 'invitation', id: inv.id },
      before: { status: 'pending' },
      after: { status: 'accepted', relationshipId: relationship.id },
    }),
    writeAudit({
      ...scope,
      id: `relationship.${created ? 'created' : 'merged'}:${inv.id}`,
      action: created ? 'relationship.created' : 'relationship.merged',
      target: { type: 'relationship', id: relationship.id },
      before: before ? snapshot(before) : null,
      after: { ...snapshot(relationship), invitationId: inv.id },
    }),
    writeAudit({
      ...scope,
      id: `agreement.accepted:invitation-${inv.id}`,
      action: 'agreement.accepted',
      target: { type: 'agreement', id: `invitation-${inv.id}` },
      before: null,
      after: { version: inv.agreementVersion!, url: customerAgreement.url },
    }),
    partnerOf(inv).then((partner) =>
      enqueueEmail({
        jobId: `invitation-accepted:${inv.id}`,
        template: 'invitationAccepted',
        to: [{ address: partner.contactEmail, displayName: partner.displayName }],
        data: {
          invitationId: inv.id,
          relationshipId: relationship.id,
          partnerName: partner.displayName,
          customerTenantId,
          acceptedByName: actorDisplayName(decidedBy),
          relationshipType: relationship.type,
          roles: describeRoles(relationship.roles),
          acceptedAt: at,
        },
      }),
    ),
  ]);
  return { invitation: await markInvitation(inv, { relationshipId: relationship.id, completedAt: now().toISOString() }), relationship };
}

/** Everything that follows a decision; safe to run again (derived ids everywhere). Returns the invitation as stored after it. */
async function finishDecision(inv: InvitationRecord, invocationId: string): Promise<InvitationRecord> {
  if (inv.status === 'accepted') return (await completeAcceptance(inv, invocationId)).invitation;
  const decidedBy = inv.decidedBy!;
  const at = inv.decidedAt!;
  await writeAudit({
    id: `invitation.${inv.status}:${inv.id}`,
    time: at,
    action: inv.status === 'declined' ? 'invitation.declined' : 'invitation.revoked',
    actor: auditActor(decidedBy),
    target: { type: 'invitation', id: inv.id },
    before: { status: 'pending' },
    after: { status: inv.status },
    invocationId,
    customerTenantId: inv.customerTenantId,
    partnerId: inv.partnerId,
  });
  if (inv.status === 'declined') {
    await showCreatedToCustomer(inv);
    const partner = await partnerOf(inv);
    await enqueueEmail({
      jobId: `invitation-declined:${inv.id}`,
      template: 'invitationDeclined',
      to: [{ address: partner.contactEmail, displayName: partner.displayName }],
      data: { invitationId: inv.id, partnerName: partner.displayName, customerTenantId: inv.customerTenantId!, declinedByName: actorDisplayName(decidedBy), declinedAt: at },
    });
  }
  return markInvitation(inv, { completedAt: now().toISOString() });
}

export async function revokeInvitation(caller: Caller, record: InvitationRecord, ifMatch: string | undefined, invocationId: string): Promise<InvitationRecord> {
  return finishDecision(await decide(record, 'revoke', caller, ifMatch, invocationId), invocationId);
}

// ---- customer: review, accept, decline ---------------------------------------------------------

/**
 * The invitation behind a link, for this caller: the code must match, and the caller must be in
 * the invited tenant — for a domain invitation not yet decided, the tenant Entra ID says owns the
 * domain (asked now: domains move, tenant ids do not; the decision then stores the tenant id).
 * Anything else is 404, so a wrong code or another tenant learns nothing.
 */
async function invitationForCustomer(caller: Caller, id: string, code: string): Promise<InvitationRecord> {
  const record = await findInvitation(id);
  const notFound = new AppError('not-found', 'No such invitation, or the link is not valid.');
  if (!record || !codeMatches(record.codeHash, code)) throw notFound;
  const invitedTenant = record.customerTenantId ?? (record.customerDomain !== undefined ? await tenantOwningDomain(record.customerDomain) : undefined);
  if (invitedTenant !== caller.tenantId) throw notFound;
  return record;
}

/**
 * A partner is never its own customer: a domain invitation to a domain of the partner's own tenant
 * cannot be decided there (a tenant invitation to it is refused when it is made).
 */
async function requireNotThePartner(caller: Caller, record: InvitationRecord): Promise<void> {
  const partner = await partnerOf(record);
  if (partner.tenantId === caller.tenantId) throw new AppError('forbidden', 'Your organization is the partner’s own tenant; a partner cannot be its own customer.');
}

export async function reviewInvitation(caller: Caller, id: string, code: string): Promise<{ page: AcceptancePage; etag: string }> {
  const record = await invitationForCustomer(caller, id, code);
  return { page: acceptancePage(record, await partnerOf(record), caller, now()), etag: record.etag };
}

export async function acceptInvitation(input: {
  caller: Caller;
  id: string;
  code: string;
  agreementVersion: string;
  ifMatch: string | undefined;
  invocationId: string;
}): Promise<{ invitation: InvitationRecord; relationship: RelationshipRecord }> {
  const { caller } = input;
  const record = await invitationForCustomer(caller, input.id, input.code);
  requireCustomerAdmin(caller);
  await requireNotThePartner(caller, record);
  const { version } = requireCurrentAgreement(input.agreementVersion);
  const accepted = await decide(record, 'accept', caller, input.ifMatch, input.invocationId, {
    customerTenantId: caller.tenantId,
    agreementVersion: version,
  });
  return completeAcceptance(accepted, input.invocationId);
}

export async function declineInvitation(input: { caller: Caller; id: string; code: string; ifMatch: string | undefined; invocationId: string }): Promise<InvitationRecord> {
  const record = await invitationForCustomer(input.caller, input.id, input.code);
  requireCustomerAdmin(input.caller);
  await requireNotThePartner(input.caller, record);
  const declined = await decide(record, 'decline', input.caller, input.ifMatch, input.invocationId, { customerTenantId: input.caller.tenantId });
  return finishDecision(declined, input.invocationId);
}
