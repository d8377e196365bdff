import type { z } from 'zod';
import { requirePartnerStaff } from '../auth/partner-staff.js';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import type { CreateInvitation, InvitationStatus } from '../domain/invitations.js';
import type { invitationAcceptedSchema, invitationDeclinedSchema, partnerInvitationViewSchema } from '../domain/views.js';
import type { Page } from '../http/paging.js';
import { AppError } from '../http/problem.js';
import { getInvitation, listInvitations, type InvitationRecord } from '../storage/invitations.js';
import { acceptInvitation, createInvitation, declineInvitation, partnerInvitationView, revokeInvitation } from './invitations.js';
import { relationshipView } from './relationships.js';

/**
 * What each invitation endpoint answers: the partner's invitations by id, for its staff only (404
 * to anyone else), and the customer's decisions, as their views.
 */

type PartnerInvitationView = z.infer<typeof partnerInvitationViewSchema>;

/** An invitation as its partner sees it, and the ETag to change it with. */
export interface PartnerInvitationAnswer {
  view: PartnerInvitationView;
  etag: string;
}

const answer = (record: InvitationRecord): PartnerInvitationAnswer => ({ view: partnerInvitationView(record, now()), etag: record.etag });

async function staffInvitation(caller: Caller, partnerId: string, invitationId: string): Promise<InvitationRecord> {
  const partner = await requirePartnerStaff(caller, partnerId);
  const record = await getInvitation(partner.partnerId, invitationId);
  if (!record) throw new AppError('not-found', 'No such invitation.');
  return record;
}

export async function invitePartnerCustomer(input: {
  caller: Caller;
  partnerId: string;
  request: CreateInvitation;
  idempotencyKey: string | undefined;
  invocationId: string;
}): Promise<PartnerInvitationAnswer & { replay: boolean }> {
  const partner = await requirePartnerStaff(input.caller, input.partnerId);
  const { invitation, replay } = await createInvitation({ ...input, partner });
  return { ...answer(invitation), replay };
}

export async function partnerInvitations(
  caller: Caller,
  partnerId: string,
  query: { status?: InvitationStatus | undefined; top: number; continuationToken?: string | undefined },
): Promise<Page<PartnerInvitationView>> {
  const partner = await requirePartnerStaff(caller, partnerId);
  const at = now();
  const page = await listInvitations(partner.partnerId, { status: query.status, at, top: query.top, continuationToken: query.continuationToken });
  return { items: page.items.map((r) => partnerInvitationView(r, at)), continuationToken: page.continuationToken };
}

export async function partnerInvitation(caller: Caller, partnerId: string, invitationId: string): Promise<PartnerInvitationAnswer> {
  return answer(await staffInvitation(caller, partnerId, invitationId));
}

export async function revokePartnerInvitation(caller: Caller, partnerId: string, invitationId: string, ifMatch: string | undefined, invocationId: string): Promise<PartnerInvitationAnswer> {
  const record = await staffInvitation(caller, partnerId, invitationId);
  return answer(await revokeInvitation(caller, record, ifMatch, invocationId));
}

export async function acceptedInvitation(input: Parameters<typeof acceptInvitation>[0]): Promise<z.infer<typeof invitationAcceptedSchema>> {
  const { invitation, relationship } = await acceptInvitation(input);
  return { invitationId: invitation.id, status: 'accepted', relationship: relationshipView(relationship, now()) };
}

export async function declinedInvitation(input: Parameters<typeof declineInvitation>[0]): Promise<z.infer<typeof invitationDeclinedSchema>> {
  const declined = await declineInvitation(input);
  return { invitationId: declined.id, status: 'declined' };
}
