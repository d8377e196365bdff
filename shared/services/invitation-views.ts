import { timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import { isCustomerAdmin } from '../auth/caller.js';
import { tenantOwningDomain } from '../auth/domain-owner.js';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import { settings } from '../config.js';
import { describeRoles } from '../domain/admin-roles.js';
import { invitationStatus, type InvitationStatus } from '../domain/invitations.js';
import { typeDescription } from '../domain/relationships.js';
import type { acceptancePageSchema, partnerInvitationViewSchema } from '../domain/views.js';
import type { Page } from '../domain/paging.js';
import { AppError } from '../errors.js';
import { hashedKey } from '../storage/hashed-key.js';
import { findInvitation, getInvitation, listInvitations, type InvitationRecord } from '../storage/invitations.js';
import { partnerProfileOf, type PartnerProfile } from '../storage/partner-profiles.js';

export type PartnerInvitationView = z.infer<typeof partnerInvitationViewSchema>;
export type AcceptancePage = z.infer<typeof acceptancePageSchema>;

/** What the partner sees of its invitation (never the code or its hash). */
export function partnerInvitationView(r: InvitationRecord, at: Date): PartnerInvitationView {
  return {
    id: r.id,
    partnerId: r.partnerId,
    customerTenantId: r.customerTenantId ?? null,
    customerDomain: r.customerDomain ?? null,
    customerName: r.customerName ?? null,
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
    decidedAt: r.status === 'pending' ? null : r.decidedAt,
    relationshipId: (r.status === 'accepted' ? r.relationshipId : undefined) ?? null,
  };
}

/** An invitation as its partner sees it, and the ETag to change it with. */
export interface PartnerInvitationAnswer {
  view: PartnerInvitationView;
  etag: string;
}

/** The answer of a request that made a new code (create, send again): with the customer's link, shown only now. */
export type SentInvitationAnswer = PartnerInvitationAnswer & { invitationUrl: string | null };

export const partnerInvitationAnswer = (r: InvitationRecord): PartnerInvitationAnswer => ({
  view: partnerInvitationView(r, now()),
  etag: r.etag,
});

/** One of the partner's invitations; 404 when it has none by this id. */
export async function partnerInvitation(partnerId: string, id: string): Promise<InvitationRecord> {
  const record = await getInvitation(partnerId, id);
  if (!record) throw new AppError('not-found', 'No such invitation.');
  return record;
}

export async function getPartnerInvitation(partnerId: string, id: string): Promise<PartnerInvitationAnswer> {
  return partnerInvitationAnswer(await partnerInvitation(partnerId, id));
}

/** A page of the partner's invitations, optionally by status (expired derived from now). */
export async function listPartnerInvitations(
  partnerId: string,
  query: { status: InvitationStatus | undefined; top: number; continuationToken: string | undefined },
): Promise<Page<PartnerInvitationView>> {
  const at = now();
  const page = await listInvitations(partnerId, { ...query, at });
  return { items: page.items.map((r) => partnerInvitationView(r, at)), continuationToken: page.continuationToken };
}

function acceptancePage(r: InvitationRecord, partner: PartnerProfile, caller: Caller, at: Date): AcceptancePage {
  const status = invitationStatus(r.status, r.expiresAt, at);
  const { customerAgreement } = settings();
  return {
    id: r.id,
    status,
    expiresAt: r.expiresAt,
    partner: {
      id: partner.partnerId,
      displayName: partner.displayName,
      website: partner.website ?? null,
      description: partner.description ?? null,
    },
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

export const partnerOf = (record: InvitationRecord) => partnerProfileOf(record.partnerId, `invitation ${record.id}`);

function codeMatches(codeHash: string, code: string): boolean {
  const given = Buffer.from(hashedKey(code), 'hex');
  const stored = Buffer.from(codeHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/**
 * The invitation behind a link, for this caller: the code, when the link has one, must match, and the caller must be in
 * the invited tenant — for a domain invitation not yet decided, the tenant Entra ID says owns the
 * domain (asked now: domains move, tenant ids do not; the decision then stores the tenant id).
 * Anything else is 404, so a wrong code or another tenant learns nothing.
 */
export async function invitationForCustomer(
  caller: Caller,
  id: string,
  code: string | undefined,
): Promise<InvitationRecord> {
  const record = await findInvitation(id);
  const notFound = new AppError('not-found', 'No such invitation, or the link is not valid.');
  // Without a code (opened from the tenant's list of pending invitations) the tenant check below is the proof; a code given must match.
  if (!record || (code !== undefined && !codeMatches(record.codeHash, code))) throw notFound;
  const invitedTenant =
    record.customerTenantId ??
    (record.customerDomain !== undefined ? await tenantOwningDomain(record.customerDomain) : undefined);
  if (invitedTenant !== caller.tenantId) throw notFound;
  return record;
}

export async function reviewInvitation(
  caller: Caller,
  id: string,
  code: string | undefined,
): Promise<{ page: AcceptancePage; etag: string }> {
  const record = await invitationForCustomer(caller, id, code);
  return { page: acceptancePage(record, await partnerOf(record), caller, now()), etag: record.etag };
}
