import type { z } from 'zod';
import { requirePartnerStaff } from './partner-staff.js';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import type { CreateInvitation, InvitationStatus } from '../domain/invitations.js';
import type { invitationAcceptedSchema, invitationDeclinedSchema } from '../domain/views.js';
import type { Page } from '../domain/paging.js';
import { createInvitation, resendInvitation } from './invitation-create.js';
import { acceptInvitation, declineInvitation, revokeInvitation } from './invitation-decide.js';
import {
  getPartnerInvitation,
  listPartnerInvitations,
  partnerInvitation as partnerInvitationRecord,
  type PartnerInvitationAnswer,
  type PartnerInvitationView,
  type SentInvitationAnswer,
} from './invitation-views.js';
import { relationshipView } from './relationships.js';

/**
 * What each invitation endpoint answers: the partner's invitations by id, for its staff only (404
 * to anyone else), and the customer's decisions, as their views.
 */

export async function invitePartnerCustomer(input: {
  caller: Caller;
  partnerId: string;
  request: CreateInvitation;
  idempotencyKey: string | undefined;
  invocationId: string;
}): Promise<SentInvitationAnswer & { replay: boolean }> {
  const partner = await requirePartnerStaff(input.caller, input.partnerId);
  return createInvitation({ ...input, partner });
}

/** Send a pending invitation again: a new code and email, the old link refused from then on. */
export async function resendPartnerInvitation(
  caller: Caller,
  partnerId: string,
  invitationId: string,
  ifMatch: string | undefined,
  invocationId: string,
): Promise<SentInvitationAnswer> {
  const partner = await requirePartnerStaff(caller, partnerId);
  return resendInvitation({
    caller,
    record: await partnerInvitationRecord(partner.partnerId, invitationId),
    ifMatch,
    invocationId,
  });
}

export async function partnerInvitations(
  caller: Caller,
  partnerId: string,
  query: { status?: InvitationStatus | undefined; top: number; continuationToken?: string | undefined },
): Promise<Page<PartnerInvitationView>> {
  const partner = await requirePartnerStaff(caller, partnerId);
  return listPartnerInvitations(partner.partnerId, {
    status: query.status,
    top: query.top,
    continuationToken: query.continuationToken,
  });
}

export async function partnerInvitation(
  caller: Caller,
  partnerId: string,
  invitationId: string,
): Promise<PartnerInvitationAnswer> {
  const partner = await requirePartnerStaff(caller, partnerId);
  return getPartnerInvitation(partner.partnerId, invitationId);
}

export async function revokePartnerInvitation(
  caller: Caller,
  partnerId: string,
  invitationId: string,
  ifMatch: string | undefined,
  invocationId: string,
): Promise<PartnerInvitationAnswer> {
  const partner = await requirePartnerStaff(caller, partnerId);
  return revokeInvitation({ caller, partnerId: partner.partnerId, id: invitationId, ifMatch, invocationId });
}

export async function acceptedInvitation(
  input: Parameters<typeof acceptInvitation>[0],
): Promise<z.infer<typeof invitationAcceptedSchema>> {
  const { invitation, relationship } = await acceptInvitation(input);
  return { invitationId: invitation.id, status: 'accepted', relationship: relationshipView(relationship, now()) };
}

export async function declinedInvitation(
  input: Parameters<typeof declineInvitation>[0],
): Promise<z.infer<typeof invitationDeclinedSchema>> {
  const declined = await declineInvitation(input);
  return { invitationId: declined.id, status: 'declined' };
}
