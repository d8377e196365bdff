import { z } from 'zod';
import { adminRoleCatalogue } from './admin-roles.js';
import { acceptAgreementBody } from './agreements.js';
import { guidSchema } from './ids.js';
import {
  autoExtendSchema,
  checkRoleRequest,
  dayMs,
  relationshipTypeSchema,
  roleDurationSchema,
  type RoleProblem,
} from './relationships.js';

/** A role template id as callers send it: one of the catalogue's (GET /api/admin-roles), compared without case. */
export const roleIdSchema = z
  .string()
  .trim()
  .toLowerCase()
  .meta({
    enum: adminRoleCatalogue.map((r) => r.id),
    description: 'An Entra ID role template id from GET /api/admin-roles (compared without case)',
  });

export const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(
    /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'must be a domain name, e.g. contoso.com',
  );

/** What a partner sends to invite a customer. */
/** An invitation's fields, before the rule across them (exactly one customer): bulk invitations split them in two. */
export const invitationFieldsSchema = z
  .object({
    customerTenantId: guidSchema.optional(),
    customerDomain: domainSchema.optional(),
    customerAdminEmail: z.email().max(254),
    relationshipType: relationshipTypeSchema,
    roles: z.array(roleIdSchema).max(20).default([]),
    message: z.string().trim().min(1).max(2000).optional(),
    expiresInDays: z.number().int().min(1).max(90).default(30),
    duration: roleDurationSchema.optional(),
    autoExtend: autoExtendSchema.optional(),
  })
  .strict();

export const createInvitationSchema = invitationFieldsSchema.superRefine((v, ctx) => {
  if ((v.customerTenantId === undefined) === (v.customerDomain === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['customerTenantId'],
      message: 'give exactly one of customerTenantId and customerDomain',
    });
  }
});
export type CreateInvitation = z.output<typeof createInvitationSchema>;

/** Rules beyond the shape: not the partner's own tenant; roles the type may carry, duration and auto-extend. */
export function checkInvitation(request: CreateInvitation, partnerTenantId: string): RoleProblem[] {
  return [
    ...(request.customerTenantId === partnerTenantId
      ? [{ path: 'customerTenantId', message: 'is the partner’s own tenant: a partner cannot be its own customer' }]
      : []),
    ...checkRoleRequest({
      type: request.relationshipType,
      roles: request.roles,
      duration: request.duration,
      autoExtend: request.autoExtend,
    }),
  ];
}

/**
 * Accepting an invitation accepts the Customer Agreement (the same fields as accepting it on its
 * own) and confirms the organization's name, which partners see next to the tenant id: Entra ID
 * tokens carry no tenant name.
 */
export const invitationAcceptanceBody = z.object({
  ...acceptAgreementBody.shape,
  customerName: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe(
      'The organization’s name, as the admin confirms it: partners see it next to the tenant id (Entra ID tokens carry no tenant name)',
    ),
});

export type StoredInvitationStatus = 'pending' | 'accepted' | 'declined' | 'revoked';
export type InvitationStatus = StoredInvitationStatus | 'expired';
export const invitationStatuses = [
  'pending',
  'accepted',
  'declined',
  'revoked',
  'expired',
] as const satisfies readonly InvitationStatus[];

/** Expiry is derived from `expiresAt`, so a pending invitation reads `expired` without a timer. */
export function invitationStatus(stored: StoredInvitationStatus, expiresAt: string, at: Date): InvitationStatus {
  return stored === 'pending' && Date.parse(expiresAt) <= at.getTime() ? 'expired' : stored;
}

export type InvitationAction = 'accept' | 'decline' | 'revoke';
const outcome: Record<InvitationAction, StoredInvitationStatus> = {
  accept: 'accepted',
  decline: 'declined',
  revoke: 'revoked',
};

export type InvitationTransition =
  { ok: true; to: StoredInvitationStatus } | { ok: false; problem: 'gone' | 'already-decided'; reason: string };

/** Only a pending invitation moves; an expired one is gone (410), any other decision already happened (409). */
export function invitationTransition(from: InvitationStatus, action: InvitationAction): InvitationTransition {
  if (from === 'pending') return { ok: true, to: outcome[action] };
  if (from === 'expired')
    return { ok: false, problem: 'gone', reason: 'The invitation has expired; ask the partner for a new one.' };
  return { ok: false, problem: 'already-decided', reason: `The invitation was already ${from}.` };
}

/**
 * A decision whose follow-up work (relationship, agreement, audit, email) is still unfinished this
 * long after it was made, or a created invitation whose email is still unqueued, is taken to have
 * crashed, and the next call on the invitation finishes it. Younger ones are left alone: their own
 * request is most likely still working on them.
 */
const unfinishedAfterMs = 60_000;

export const leftUnfinished = (since: string | undefined, at: Date): boolean =>
  since === undefined || at.getTime() - Date.parse(since) >= unfinishedAfterMs;

export function invitationExpiresAt(createdAt: Date, expiresInDays: number): string {
  return new Date(createdAt.getTime() + expiresInDays * dayMs).toISOString();
}
