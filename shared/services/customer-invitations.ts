import type { z } from 'zod';
import { requireCustomerAdmin, requireTenant } from '../auth/caller.js';
import { tenantOwningDomain } from '../auth/domain-owner.js';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import { settings } from '../config.js';
import { describeRoles } from '../domain/admin-roles.js';
import { domainSchema, invitationStatus } from '../domain/invitations.js';
import { pageLinks } from '../domain/links.js';
import type { customerInvitationViewSchema } from '../domain/views.js';
import { AppError } from '../errors.js';
import { invitationsAddressedTo, type InvitationRecord } from '../storage/invitations.js';
import { acceptedInvitation, declinedInvitation } from './invitation-answers.js';
import { reviewInvitation } from './invitation-views.js';

export type CustomerInvitationView = z.infer<typeof customerInvitationViewSchema>;

/** Pending invitations are few; the list shows the newest this many. */
const listed = 50;

function customerInvitationView(r: InvitationRecord): CustomerInvitationView {
  return {
    id: r.id,
    partner: { id: r.partnerId, displayName: r.partnerName },
    customerTenantId: r.customerTenantId ?? null,
    customerDomain: r.customerDomain ?? null,
    relationshipType: r.relationshipType,
    roles: describeRoles(r.roles),
    duration: r.duration ?? null,
    message: r.message ?? null,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    url: pageLinks(settings().publicBaseUrl).customerInvitation(r.id),
  };
}

/**
 * The domains whose invitations this caller's tenant sees: the one named (404 unless Entra ID says
 * the tenant owns it) and the domain of the caller's own sign-in name when the tenant owns it. The
 * sign-in name proves nothing by itself; only discovery's answer counts.
 */
async function domainsOf(caller: Caller, named: string | undefined): Promise<string[]> {
  const signIn = domainSchema.safeParse(caller.email?.split('@')[1] ?? '');
  const candidates = [
    ...new Set([named, signIn.success ? signIn.data : undefined].filter((d): d is string => d !== undefined)),
  ];
  const owners = await Promise.all(candidates.map(tenantOwningDomain));
  if (named !== undefined && owners[candidates.indexOf(named)] !== caller.tenantId)
    throw new AppError('not-found', 'Entra ID does not name your organization as the owner of this domain.');
  return candidates.filter((_, i) => owners[i] === caller.tenantId);
}

/**
 * The pending invitations addressed to the caller's tenant, by its id or by a domain it owns,
 * newest first: a customer admin finds them without the email (and opens each without its code).
 */
export async function customerInvitations(
  caller: Caller,
  tenantId: string,
  domain: string | undefined,
): Promise<{ items: CustomerInvitationView[] }> {
  requireTenant(caller, tenantId);
  requireCustomerAdmin(caller);
  const at = now();
  const domains = await domainsOf(caller, domain);
  const lists = await Promise.all([
    invitationsAddressedTo({ tenantId: caller.tenantId }, at, listed),
    ...domains.map((d) => invitationsAddressedTo({ domain: d }, at, listed)),
  ]);
  const pending = new Map(
    lists
      .flat()
      .filter((r) => invitationStatus(r.status, r.expiresAt, at) === 'pending')
      .map((r) => [r.id, r]),
  );
  const newestFirst = [...pending.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, listed);
  return { items: newestFirst.map(customerInvitationView) };
}

/**
 * One of them, opened from the list: no code, since the caller's tenant (checked as for a link:
 * the invited tenant id, or the domain's owner now) is the proof. Another tenant gets 404.
 */
export async function customerInvitation(caller: Caller, tenantId: string, id: string) {
  requireTenant(caller, tenantId);
  return reviewInvitation(caller, id, undefined);
}

export async function acceptCustomerInvitation(
  input: Omit<Parameters<typeof acceptedInvitation>[0], 'code'> & { tenantId: string },
) {
  requireTenant(input.caller, input.tenantId);
  return acceptedInvitation({ ...input, code: undefined });
}

export async function declineCustomerInvitation(
  input: Omit<Parameters<typeof declinedInvitation>[0], 'code'> & { tenantId: string },
) {
  requireTenant(input.caller, input.tenantId);
  return declinedInvitation({ ...input, code: undefined });
}
