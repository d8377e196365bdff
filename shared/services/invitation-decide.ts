import { z } from 'zod';
import { requireCustomerAdmin } from '../auth/caller.js';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import { settings } from '../config.js';
import { describeRoles } from '../domain/admin-roles.js';
import { actorDisplayName, actorOf, auditActor, type Actor } from '../domain/audit.js';
import {
  invitationStatus,
  invitationTransition,
  leftUnfinished,
  type InvitationAction,
} from '../domain/invitations.js';
import { enqueueEmail } from '../email/jobs.js';
import { anyVersion, requireIfMatch } from '../domain/versions.js';
import { storageStatus } from '../storage/errors.js';
import { AppError } from '../errors.js';
import { recordAcceptance } from '../storage/agreements.js';
import { writeAudit } from './audit.js';
import {
  getInvitation,
  markInvitation,
  replaceInvitation,
  type AcceptedInvitation,
  type DecidedInvitation,
  type InvitationRecord,
} from '../storage/invitations.js';
import { getRelationship, type RelationshipRecord } from '../storage/relationships.js';
import { requireCurrentAgreement } from './agreements.js';
import { followUpKind, fulfil, intend } from './follow-ups.js';
import { showCreatedToCustomer } from './invitation-create.js';
import {
  invitationForCustomer,
  partnerInvitation,
  partnerInvitationAnswer,
  partnerOf,
  type PartnerInvitationAnswer,
} from './invitation-views.js';
import { joinRelationship, type RelationshipJoin } from './relationship-join.js';
import { customerNameOf, snapshot } from './relationships.js';

/** Who decided, and when. */
interface Decision {
  decidedAt: string;
  decidedBy: Actor;
}

/** What a decision's follow-ups need: the invitation (its stored decision says the rest) and the request that made it. */
const decisionIntentSchema = z.object({ partnerId: z.string(), invitationId: z.string(), invocationId: z.string() });
type DecisionIntent = z.infer<typeof decisionIntentSchema>;
/** One intent per deciding request: a request that lost the gate removes its own, never the winner's. */
const intentId = (i: DecisionIntent) => `${i.partnerId}:${i.invitationId}:${i.invocationId}`;

/** Finishes a decision a crash interrupted (queue message or sweeper): relationship, agreement, audit, email, then `completedAt`. */
export const invitationDecisionFollowUp = followUpKind({
  name: 'invitationDecision',
  payload: decisionIntentSchema,
  async complete({ partnerId, invitationId, invocationId }) {
    const invitation = await getInvitation(partnerId, invitationId);
    if (invitation && invitation.status !== 'pending' && !invitation.completedAt)
      await finishDecision(invitation, invocationId);
  },
});

/** The same caller deciding the same way again (a retry whose answer was lost): it gets the outcome, not 409. */
const sameCaller = (decidedBy: { tenantId: string; objectId: string } | undefined, caller: Caller) =>
  decidedBy?.tenantId === caller.tenantId && decidedBy.objectId === caller.objectId;

/**
 * The single winner gate: the status change is written with the ETag that was read, so of many
 * concurrent decisions exactly one succeeds; the rest get 409. `outcome` is the invitation as
 * this decision leaves it; `replay` recognises the invitation as already decided by this very
 * request (same caller, same decision), which is then its answer. The decision's follow-ups are
 * recorded as an intent before the gate is written.
 */
async function decide<D extends DecidedInvitation | AcceptedInvitation>(
  record: InvitationRecord,
  action: InvitationAction,
  caller: Caller,
  ifMatch: string | undefined,
  invocationId: string,
  outcome: (record: InvitationRecord, decision: Decision) => D,
  replay: (record: InvitationRecord) => D | undefined,
): Promise<D> {
  const at = now();
  const transition = invitationTransition(invitationStatus(record.status, record.expiresAt, at), action);
  if (!transition.ok) {
    const replayed = replay(record);
    if (replayed) return replayed;
    // A decision left unfinished with no intent to finish it (made before intents were recorded): the next call finishes it.
    if (record.status !== 'pending' && !record.completedAt && leftUnfinished(record.decidedAt, at))
      await finishDecision(record, invocationId);
    throw new AppError(transition.problem, transition.reason);
  }
  requireIfMatch(ifMatch, record.etag, 'The invitation changed since you read it; read it again.');
  const intent = { partnerId: record.partnerId, invitationId: record.id, invocationId };
  try {
    return await intend(invitationDecisionFollowUp, intentId(intent), intent, () =>
      replaceInvitation(outcome(record, { decidedAt: at.toISOString(), decidedBy: actorOf(caller) }), record.etag),
    );
  } catch (error) {
    if (storageStatus(error) !== 412) throw error;
  }
  // Lost the gate. Still pending means only bookkeeping (e.g. "email queued") moved the ETag: try
  // again, unless the caller asked for the exact version it read.
  const fresh = await getInvitation(record.partnerId, record.id);
  if (fresh?.status === 'pending' && (ifMatch === undefined || ifMatch === anyVersion))
    return decide(fresh, action, caller, ifMatch, invocationId, outcome, replay);
  const replayed = fresh && replay(fresh);
  if (replayed) return replayed;
  throw new AppError('already-decided', 'The invitation was decided by another request at the same moment.');
}

/** Runs a decision's follow-ups in its own request and answers with the invitation as they leave it; the intent is removed after. */
const fulfilDecision = <T>(inv: InvitationRecord, invocationId: string, followUps: () => Promise<T>): Promise<T> =>
  fulfil(
    invitationDecisionFollowUp,
    intentId({ partnerId: inv.partnerId, invitationId: inv.id, invocationId }),
    followUps,
  );

/** What an accepted invitation brings to the customer's relationship with the partner. */
function joinOf(inv: AcceptedInvitation): RelationshipJoin {
  const { decidedBy } = inv;
  return {
    invitationId: inv.id,
    customerTenantId: inv.customerTenantId,
    customerName: inv.customerName,
    partnerId: inv.partnerId,
    partnerName: inv.partnerName,
    type: inv.relationshipType,
    roles: inv.roles,
    duration: inv.duration,
    autoExtend: inv.autoExtend,
    at: inv.decidedAt,
    acceptedBy: decidedBy,
    // The admin who accepted hears about the relationship from now on (the invited address if the token has none).
    contact: { email: decidedBy.email?.includes('@') ? decidedBy.email : inv.customerAdminEmail, name: decidedBy.name },
  };
}

async function completeAcceptance(
  inv: AcceptedInvitation,
  invocationId: string,
): Promise<{ invitation: InvitationRecord; relationship: RelationshipRecord }> {
  const { customerTenantId, decidedBy, decidedAt: at, agreementVersion } = inv;
  const { relationship, before } = await joinRelationship(joinOf(inv));
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
      version: agreementVersion,
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
      after: { version: agreementVersion, url: customerAgreement.url, ...customerNameOf(relationship) },
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
          ...(relationship.customerName ? { customerName: relationship.customerName } : {}),
          acceptedByName: actorDisplayName(decidedBy),
          relationshipType: relationship.type,
          roles: describeRoles(relationship.roles),
          acceptedAt: at,
        },
      }),
    ),
  ]);
  return {
    invitation: await markInvitation(inv, { relationshipId: relationship.id, completedAt: now().toISOString() }),
    relationship,
  };
}

/** An accepted invitation with its relationship: finished now if a crash left it unfinished, read back if it is complete. */
async function acceptanceOutcome(
  inv: AcceptedInvitation,
  invocationId: string,
): Promise<{ invitation: InvitationRecord; relationship: RelationshipRecord }> {
  const relationship =
    inv.completedAt && inv.relationshipId ? await getRelationship(inv.customerTenantId, inv.relationshipId) : undefined;
  return relationship ? { invitation: inv, relationship } : completeAcceptance(inv, invocationId);
}

/** A decided invitation as its decision left it: finished now if a crash left it unfinished. */
const decisionOutcome = async (
  inv: DecidedInvitation | AcceptedInvitation,
  invocationId: string,
): Promise<InvitationRecord> => (inv.completedAt ? inv : finishDecision(inv, invocationId));

/**
 * Everything that follows a decision; safe to run again (derived ids everywhere). Returns the invitation as stored
 * after it.
 */
async function finishDecision(
  inv: DecidedInvitation | AcceptedInvitation,
  invocationId: string,
): Promise<InvitationRecord> {
  if (inv.status === 'accepted') return (await completeAcceptance(inv, invocationId)).invitation;
  const { decidedBy, decidedAt: at } = inv;
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
      data: {
        invitationId: inv.id,
        partnerName: partner.displayName,
        customerTenantId: inv.customerTenantId,
        declinedByName: actorDisplayName(decidedBy),
        declinedAt: at,
      },
    });
  }
  return markInvitation(inv, { completedAt: now().toISOString() });
}

export async function revokeInvitation(input: {
  caller: Caller;
  partnerId: string;
  id: string;
  ifMatch: string | undefined;
  invocationId: string;
}): Promise<PartnerInvitationAnswer> {
  const record = await partnerInvitation(input.partnerId, input.id);
  const revoked = await decide(
    record,
    'revoke',
    input.caller,
    input.ifMatch,
    input.invocationId,
    (r, decision) => ({ ...r, ...decision, status: 'revoked' as const }),
    (r) => (r.status === 'revoked' && sameCaller(r.decidedBy, input.caller) ? r : undefined),
  );
  return partnerInvitationAnswer(
    await fulfilDecision(revoked, input.invocationId, () => decisionOutcome(revoked, input.invocationId)),
  );
}

/**
 * A partner is never its own customer: a domain invitation to a domain of the partner's own tenant
 * cannot be decided there (a tenant invitation to it is refused when it is made).
 */
async function requireNotThePartner(caller: Caller, record: InvitationRecord): Promise<void> {
  const partner = await partnerOf(record);
  if (partner.tenantId === caller.tenantId)
    throw new AppError(
      'forbidden',
      'Your organization is the partner’s own tenant; a partner cannot be its own customer.',
    );
}

export async function acceptInvitation(input: {
  caller: Caller;
  id: string;
  code: string | undefined;
  agreementVersion: string;
  /** The organization's name as the admin confirmed it on the acceptance page. */
  customerName?: string | undefined;
  ifMatch: string | undefined;
  invocationId: string;
}): Promise<{ invitation: InvitationRecord; relationship: RelationshipRecord }> {
  const { caller } = input;
  const record = await invitationForCustomer(caller, input.id, input.code);
  requireCustomerAdmin(caller);
  await requireNotThePartner(caller, record);
  const { version } = requireCurrentAgreement(input.agreementVersion);
  const accepted = await decide<AcceptedInvitation>(
    record,
    'accept',
    caller,
    input.ifMatch,
    input.invocationId,
    (r, decision) => ({
      ...r,
      ...decision,
      status: 'accepted' as const,
      customerTenantId: caller.tenantId,
      customerName: input.customerName ?? r.customerName,
      agreementVersion: version,
    }),
    (r) =>
      r.status === 'accepted' && sameCaller(r.decidedBy, caller) && r.agreementVersion === version ? r : undefined,
  );
  return fulfilDecision(accepted, input.invocationId, () => acceptanceOutcome(accepted, input.invocationId));
}

export async function declineInvitation(input: {
  caller: Caller;
  id: string;
  code: string | undefined;
  ifMatch: string | undefined;
  invocationId: string;
}): Promise<InvitationRecord> {
  const record = await invitationForCustomer(input.caller, input.id, input.code);
  requireCustomerAdmin(input.caller);
  await requireNotThePartner(input.caller, record);
  const declined = await decide(
    record,
    'decline',
    input.caller,
    input.ifMatch,
    input.invocationId,
    (r, decision) => ({
      ...r,
      ...decision,
      status: 'declined' as const,
      customerTenantId: input.caller.tenantId,
    }),
    (r) => (r.status === 'declined' && sameCaller(r.decidedBy, input.caller) ? r : undefined),
  );
  return fulfilDecision(declined, input.invocationId, () => decisionOutcome(declined, input.invocationId));
}
