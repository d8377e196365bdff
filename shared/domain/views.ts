import { z } from 'zod';
import { invitationStatuses, roleIdSchema } from './invitations.js';
import { rowStatuses } from './invitation-batches.js';
import { relationshipRowStatuses } from './relationship-batches.js';
import {
  eligibilityReasonSchema,
  historyEntrySchema,
  relationshipStatusSchema,
  relationshipTypeSchema,
} from './relationships.js';
import { timeSchema as time } from './time.js';

export { auditEventSchema } from './audit.js';

/**
 * What the invitation and relationship endpoints answer, as zod schemas: the view functions are
 * typed by them and the OpenAPI document shows them.
 */

export const adminRoleSchema = z.object({ id: roleIdSchema, name: z.string(), description: z.string() });

/** GET /api/admin-roles: the catalogue the roles picker groups by task. */
export const adminRoleCatalogueSchema = z.object({
  roles: z.array(
    adminRoleSchema.extend({
      tasks: z.array(z.string()).describe('Ids of the tasks (below) the role serves'),
      privileged: z
        .boolean()
        .describe(
          'Whether the role can take over the organization (Global Administrator, Privileged Role Administrator)',
        ),
      warning: z.string().nullable().describe('What to tell a person who picks a privileged role; null for the others'),
      relationshipTypes: z.array(relationshipTypeSchema).describe('The relationship types that may carry the role'),
    }),
  ),
  tasks: z.array(
    z.object({
      id: z.string(),
      name: z.string().describe('The task in people’s words, e.g. "Reset passwords"'),
      roles: z.array(roleIdSchema).describe('The roles that allow it, least privileged first'),
      recommendedRole: roleIdSchema.describe('The least-privileged role for the task: the one to ask for'),
    }),
  ),
  relationshipTypes: z.array(
    z.object({
      id: relationshipTypeSchema,
      name: z.string().describe('The type in people’s words, e.g. "Delegated administrator"'),
      description: z.string().describe('What a relationship of the type lets the partner do'),
      roles: z.array(roleIdSchema).describe('The roles it may carry; empty for a type that carries none'),
    }),
  ),
});

export const partnerInvitationViewSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  customerTenantId: z.string().nullable(),
  customerDomain: z.string().nullable(),
  customerName: z
    .string()
    .nullable()
    .describe('The customer organization’s name, once an admin who accepted confirmed it'),
  customerAdminEmail: z.string(),
  relationshipType: relationshipTypeSchema,
  roles: z.array(adminRoleSchema),
  message: z.string().nullable(),
  duration: z.string().nullable(),
  autoExtend: z.string().nullable(),
  status: z.enum(invitationStatuses),
  expiresAt: time,
  createdAt: time,
  createdBy: z.object({ objectId: z.string(), name: z.string().nullable() }),
  decidedAt: time.nullable(),
  relationshipId: z.string().nullable(),
});

const invitationUrlSchema = z
  .string()
  .nullable()
  .describe(
    'The customer admin’s acceptance link, to copy and pass on: only in the answer that made its code (only the code’s hash is stored), so null on an Idempotency-Key replay; send again for a new one',
  );

/** What sending an invitation again answers: the view, and the customer's new link. */
export const sentInvitationSchema = partnerInvitationViewSchema.extend({ invitationUrl: invitationUrlSchema });
/** What creating one answers: the view, with the link when asked for (`include=invitationUrl`). */
export const createdInvitationSchema = partnerInvitationViewSchema.extend({
  invitationUrl: invitationUrlSchema.optional(),
});

/** A pending invitation as the invited customer's admins list it (GET /api/customers/{tenantId}/invitations). */
export const customerInvitationViewSchema = z.object({
  id: z.string(),
  partner: z.object({ id: z.string(), displayName: z.string() }),
  customerTenantId: z.string().nullable(),
  customerDomain: z
    .string()
    .nullable()
    .describe('For an invitation to a domain: the domain, which Entra ID says the tenant owns'),
  relationshipType: relationshipTypeSchema,
  roles: z.array(adminRoleSchema),
  duration: z.string().nullable(),
  message: z.string().nullable(),
  createdAt: time,
  expiresAt: time,
  url: z.string().describe('The acceptance page, which opens without the email’s code for the invited tenant'),
});

export const acceptancePageSchema = z.object({
  id: z.string(),
  status: z.enum(invitationStatuses),
  expiresAt: time,
  partner: z.object({
    id: z.string(),
    displayName: z.string(),
    website: z.string().nullable(),
    description: z.string().nullable(),
  }),
  customerTenantId: z.string().nullable(),
  customerDomain: z.string().nullable(),
  relationshipType: relationshipTypeSchema,
  relationshipDescription: z.string().describe('What the type lets the partner do'),
  roles: z.array(adminRoleSchema),
  duration: z.string().nullable(),
  autoExtend: z.string().nullable(),
  message: z.string().nullable(),
  customerAgreement: z.object({ url: z.string(), version: z.string() }),
  canDecide: z
    .boolean()
    .describe('Whether this caller may accept or decline (a Global or Billing administrator, while pending)'),
});

const acceptedBySchema = z.object({ objectId: z.string(), name: z.string().nullable(), email: z.string().nullable() });

export const relationshipViewSchema = z.object({
  id: z.string(),
  customerTenantId: z.string(),
  customerName: z
    .string()
    .nullable()
    .describe(
      'The customer organization’s name, as the admin who accepted confirmed it; null for relationships made before it was asked',
    ),
  partner: z.object({ id: z.string(), displayName: z.string() }),
  type: relationshipTypeSchema,
  typeDescription: z.string().describe('What the type lets the partner do, as far as the roles it holds now allow'),
  status: relationshipStatusSchema,
  roles: z
    .array(adminRoleSchema)
    .describe('The admin roles the partner holds now: none once the relationship has expired or was terminated'),
  endedRoles: z
    .array(adminRoleSchema)
    .describe(
      'The admin roles the partner held until the relationship expired or was terminated (at rolesEndedAt); it holds none of them now',
    ),
  rolesEndedAt: time
    .nullable()
    .describe(
      'When endedRoles ended: the expiry date or the termination; null while roles are held or there were none',
    ),
  duration: z.string().nullable().describe('How long the held roles were granted for; null without held roles'),
  autoExtend: z.string().nullable(),
  activatedAt: time.nullable().describe('When the held roles were granted; null without held roles'),
  endsAt: time
    .nullable()
    .describe(
      'When the held admin roles end (auto-extend already rolled forward); null without held roles or without a duration',
    ),
  createdAt: time,
  updatedAt: time,
  terminationRequestedAt: time.nullable(),
  terminatedAt: time.nullable(),
  agreement: z
    .object({ version: z.string(), url: z.string(), acceptedAt: time, acceptedBy: acceptedBySchema })
    .nullable()
    .optional(),
  history: z.array(historyEntrySchema).optional(),
});
export type RelationshipView = z.infer<typeof relationshipViewSchema>;

const countSchema = z.number().int().min(0);
export const relationshipCountsSchema = z.object({
  expiry: z.object({ '1d': countSchema, '7d': countSchema, '30d': countSchema, expired: countSchema }),
  terminationRequested: countSchema,
  at: time,
});
export type RelationshipCounts = z.infer<typeof relationshipCountsSchema>;

export const acceptanceViewSchema = z.object({
  id: z.string(),
  version: z.string(),
  url: z.string(),
  acceptedAt: time,
  acceptedBy: acceptedBySchema,
  invitationId: z.string().nullable(),
});

export const agreementStateSchema = z.object({
  customerTenantId: z.string(),
  current: z.object({ url: z.string(), version: z.string() }),
  acceptedCurrentVersion: z.boolean(),
  latest: acceptanceViewSchema.nullable(),
  acceptances: z.array(acceptanceViewSchema),
});

const verdictSchema = z.object({ allowed: z.boolean(), reasons: z.array(eligibilityReasonSchema) });
export const eligibilityViewSchema = z.object({
  partnerId: z.string(),
  customerTenantId: z.string(),
  customerName: z
    .string()
    .nullable()
    .describe('The customer organization’s name, as an admin who accepted confirmed it'),
  purchase: verdictSchema,
  manage: verdictSchema,
  relationships: z.array(z.object({ id: z.string(), type: relationshipTypeSchema, status: relationshipStatusSchema })),
  agreement: z.object({ currentVersion: z.string(), acceptedVersion: z.string().nullable() }),
});

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), continuationToken: z.string().nullable() });

/** Form posts send booleans as text. */
const booleanSchema = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
export const customerSettingsSchema = z.object({ mpsaPurchaseVisibility: booleanSchema }).strict();
/**
 * The Settings page's form (no JavaScript): a ticked box sends `true`, an unticked one nothing; `etag` is the
 * version the page showed, since a form cannot send If-Match.
 */
export const customerSettingsFormSchema = z
  .object({ mpsaPurchaseVisibility: z.literal('true').optional(), etag: z.string().max(200).optional() })
  .strict();

export const healthSchema = z.object({
  status: z.literal('healthy'),
  checks: z.object({ tableStorage: z.literal('ok'), queueStorage: z.literal('ok') }),
});

export const invitationAcceptedSchema = z.object({
  invitationId: z.string(),
  status: z.literal('accepted'),
  relationship: relationshipViewSchema,
});
export const invitationDeclinedSchema = z.object({ invitationId: z.string(), status: z.literal('declined') });

/** A partner's newest invitation batches (the Invitations page links each to its progress and results). */
export const invitationBatchListSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      createdAt: time,
      createdBy: z.object({ name: z.string().nullable() }),
      total: z.number().int().describe('Customers in the batch'),
    }),
  ),
});

/** A relationship batch as its partner follows it: progress, and each row's outcome or the problem that refused it. */
export const relationshipBatchViewSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  createdAt: time,
  action: z.enum(['terminate', 'setAutoExtend']),
  autoExtend: z.boolean().nullable().describe('For `setAutoExtend`: whether it turns auto-extend on or off'),
  status: z.enum(['running', 'done']).describe('`done` once every row is done or failed'),
  total: z.number().int(),
  done: z.number().int().describe('Rows whose relationship was changed (or already was as asked)'),
  failed: z.number().int(),
  rows: z.array(
    z.object({
      row: z.number().int().describe('1 for the first id of `relationshipIds`'),
      relationshipId: z.string(),
      customerTenantId: z.string().nullable().describe("Once the row found the partner's relationship"),
      customerName: z.string().nullable(),
      status: z.enum(relationshipRowStatuses),
      problem: z
        .object({ field: z.string(), message: z.string() })
        .nullable()
        .describe('Why the row failed: the field at fault (`relationshipId`, `autoExtend`) and what is wrong'),
    }),
  ),
});

/** An invitation batch as its partner follows it: progress, and each row's invitation or the problem that failed it. */
export const invitationBatchViewSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  createdAt: time,
  status: z.enum(['running', 'done']).describe('`done` once every row is created or failed'),
  total: z.number().int(),
  done: z.number().int().describe('Rows whose invitation was created'),
  failed: z.number().int(),
  rows: z.array(
    z.object({
      row: z.number().int().describe('1 for the first row (the CSV line after the header)'),
      customerTenantId: z.string().nullable(),
      customerDomain: z.string().nullable(),
      customerAdminEmail: z.string().nullable(),
      status: z.enum(rowStatuses),
      invitationId: z.string().nullable(),
      invitationUrl: z
        .string()
        .nullable()
        .describe(
          'The invitation’s page for the customer’s admins, to copy and pass on: they sign in to the invited organization, which is the proof (the email carries the link with its code)',
        ),
      problem: z
        .object({ field: z.string(), message: z.string() })
        .nullable()
        .describe('Why the row failed: the field at fault and what is wrong with it'),
    }),
  ),
});
