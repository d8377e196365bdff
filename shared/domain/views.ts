import { z } from 'zod';
import { invitationStatuses } from './invitations.js';
import { relationshipTypeSchema } from './relationships.js';

/**
 * What the invitation and relationship endpoints answer, as zod schemas: the view functions are
 * typed by them and the OpenAPI document shows them.
 */
const time = z.string().describe('ISO 8601 UTC');
const nullable = <T extends z.ZodType>(schema: T) => schema.nullable();
const relationshipStatusSchema = z.enum(['active', 'terminationRequested', 'terminated', 'expired']);
const storedStatusSchema = z.enum(['active', 'terminationRequested', 'terminated']);

export const adminRoleSchema = z.object({ id: z.string(), name: z.string(), description: z.string() });

export const partnerInvitationViewSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  customerTenantId: nullable(z.string()),
  customerDomain: nullable(z.string()),
  customerAdminEmail: z.string(),
  relationshipType: relationshipTypeSchema,
  roles: z.array(adminRoleSchema),
  message: nullable(z.string()),
  duration: nullable(z.string()),
  autoExtend: nullable(z.string()),
  status: z.enum(invitationStatuses),
  expiresAt: time,
  createdAt: time,
  createdBy: z.object({ objectId: z.string(), name: nullable(z.string()) }),
  decidedAt: nullable(time),
  relationshipId: nullable(z.string()),
});

export const acceptancePageSchema = z.object({
  id: z.string(),
  status: z.enum(invitationStatuses),
  expiresAt: time,
  partner: z.object({ id: z.string(), displayName: z.string(), website: nullable(z.string()), description: nullable(z.string()) }),
  customerTenantId: nullable(z.string()),
  customerDomain: nullable(z.string()),
  relationshipType: relationshipTypeSchema,
  relationshipDescription: z.string().describe('What the type lets the partner do'),
  roles: z.array(adminRoleSchema),
  duration: nullable(z.string()),
  autoExtend: nullable(z.string()),
  message: nullable(z.string()),
  customerAgreement: z.object({ url: z.string(), version: z.string() }),
  canDecide: z.boolean().describe('Whether this caller may accept or decline (a Global or Billing administrator, while pending)'),
});

const snapshotSchema = z.object({ type: relationshipTypeSchema, status: storedStatusSchema, roles: z.array(z.string()) });
export const historyEntrySchema = z.object({
  at: time,
  action: z.enum(['created', 'merged', 'rolesRemoved', 'terminationRequested', 'terminated']),
  actor: z.object({ tenantId: z.string(), objectId: z.string(), name: z.string().optional() }).optional(),
  invitationId: z.string().optional(),
  from: snapshotSchema.optional(),
  to: snapshotSchema.optional(),
  reason: z.string().optional(),
});

const acceptedBySchema = z.object({ objectId: z.string(), name: nullable(z.string()), email: nullable(z.string()) });

export const relationshipViewSchema = z.object({
  id: z.string(),
  customerTenantId: z.string(),
  partner: z.object({ id: z.string(), displayName: z.string() }),
  type: relationshipTypeSchema,
  typeDescription: z.string(),
  status: relationshipStatusSchema,
  roles: z.array(adminRoleSchema),
  duration: nullable(z.string()),
  autoExtend: nullable(z.string()),
  activatedAt: nullable(time),
  endsAt: nullable(time).describe('When the admin roles end (auto-extend already rolled forward); null without a duration'),
  createdAt: time,
  updatedAt: time,
  terminationRequestedAt: nullable(time),
  terminatedAt: nullable(time),
  agreement: nullable(z.object({ version: z.string(), url: z.string(), acceptedAt: time, acceptedBy: acceptedBySchema })).optional(),
  history: z.array(historyEntrySchema).optional(),
});
export type RelationshipView = z.infer<typeof relationshipViewSchema>;

export const acceptanceViewSchema = z.object({ id: z.string(), version: z.string(), url: z.string(), acceptedAt: time, acceptedBy: acceptedBySchema, invitationId: nullable(z.string()) });

export const agreementStateSchema = z.object({
  customerTenantId: z.string(),
  current: z.object({ url: z.string(), version: z.string() }),
  acceptedCurrentVersion: z.boolean(),
  latest: nullable(acceptanceViewSchema),
  acceptances: z.array(acceptanceViewSchema),
});

const eligibilityReasonSchema = z.enum([
  'noRelationship',
  'relationshipTerminated',
  'relationshipExpired',
  'typeDoesNotAllow',
  'noAdminRoles',
  'agreementNotAccepted',
  'agreementVersionOutdated',
]);
const verdictSchema = z.object({ allowed: z.boolean(), reasons: z.array(eligibilityReasonSchema) });
export const eligibilityViewSchema = z.object({
  partnerId: z.string(),
  customerTenantId: z.string(),
  purchase: verdictSchema,
  manage: verdictSchema,
  relationships: z.array(z.object({ id: z.string(), type: relationshipTypeSchema, status: relationshipStatusSchema })),
  agreement: z.object({ currentVersion: z.string(), acceptedVersion: nullable(z.string()) }),
});

export const auditEventSchema = z.object({
  id: z.string(),
  time,
  action: z.string(),
  actor: z.object({ tenantId: z.string(), objectId: z.string(), name: z.string().optional() }),
  target: z.object({ type: z.enum(['invitation', 'relationship', 'agreement', 'settings']), id: z.string() }),
  before: nullable(z.record(z.string(), z.unknown())),
  after: nullable(z.record(z.string(), z.unknown())),
  invocationId: z.string(),
  customerTenantId: z.string().optional(),
  partnerId: z.string().optional(),
});

export const pageSchema = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), continuationToken: z.string().nullable() });
