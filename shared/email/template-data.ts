import { z } from 'zod';

/**
 * What each email the product sends needs to say. Producers enqueue a job with one of these;
 * the email queue function renders it (links are made absolute from PUBLIC_BASE_URL there).
 */
const text = (max: number) => z.string().trim().min(1).max(max);
const id = z.string().min(1).max(200);
const isoTime = z.iso.datetime({ offset: true });
const role = z.object({ id: z.string(), name: text(200), description: text(1000).optional() });
/** Links in emails are followed by people: only http(s), never `javascript:` and the like. */
const webUrl = z.url({ protocol: /^https?$/ });
/** The customer's organization name when the producer knows it; emails fall back to the tenant id. */
const customerName = text(200).optional();

export const templateDataSchemas = {
  /** A visitor's contact request, to one chosen partner. */
  contactRequestToPartner: z.object({
    contactRequestId: id,
    partnerId: id,
    partnerName: text(200),
    requesterName: text(200),
    requesterEmail: z.email(),
    requesterPhone: text(50).optional(),
    company: text(200),
    country: text(2),
    organizationSize: text(20),
    industry: text(200).optional(),
    businessNeeds: text(4000),
  }),
  /** To the visitor: which partners were contacted. */
  contactConfirmation: z.object({
    contactRequestId: id,
    requesterName: text(200),
    partners: z.array(z.object({ name: text(200), website: webUrl.optional() })).min(1),
    businessNeeds: text(4000),
  }),
  /** To the customer admin: a partner asks for a relationship; the link opens the acceptance page. */
  invitationToCustomer: z.object({
    invitationId: id,
    code: id,
    partnerName: text(200),
    relationshipType: text(100),
    relationshipDescription: text(1000),
    roles: z.array(role),
    /** How long the roles last once accepted (ISO 8601) and whether they renew, when they run for a duration. */
    duration: text(20).optional(),
    autoExtend: text(20).optional(),
    message: text(2000).optional(),
    expiresAt: isoTime,
  }),
  /** To the partner: the customer accepted. */
  invitationAccepted: z.object({
    invitationId: id,
    relationshipId: id,
    partnerName: text(200),
    customerTenantId: id,
    customerName,
    acceptedByName: text(200),
    relationshipType: text(100),
    roles: z.array(role),
    acceptedAt: isoTime,
  }),
  /** To the partner: the customer declined. */
  invitationDeclined: z.object({
    invitationId: id,
    partnerName: text(200),
    customerTenantId: id,
    customerName,
    declinedByName: text(200),
    declinedAt: isoTime,
  }),
  /** To the partner: the customer asks it to end the relationship. */
  terminationRequested: z.object({
    relationshipId: id,
    partnerName: text(200),
    customerTenantId: id,
    customerName,
    requestedByName: text(200),
    reason: text(2000).optional(),
    requestedAt: isoTime,
  }),
  /** To the customer admins: the partner ended the relationship. */
  relationshipTerminated: z.object({
    relationshipId: id,
    partnerName: text(200),
    customerTenantId: id,
    customerName,
    terminatedAt: isoTime,
  }),
  /**
   * To the customer admins: the partner turned auto-extend on (the roles renew 180 days at a time) or off (they end
   * at `rolesEndAt`); the link opens the relationship's details.
   */
  autoExtendChanged: z.object({
    relationshipId: id,
    partnerName: text(200),
    customerTenantId: id,
    customerName,
    autoExtend: z.boolean(),
    changedAt: isoTime,
    /** When the roles end now: the current period's end when they renew. */
    rolesEndAt: isoTime,
    /** How long each renewal lasts (ISO 8601), when auto-extend is on. */
    renewsFor: text(20).optional(),
    roles: z.array(role),
  }),
  /** To the partner: a customer admin removed every admin role the partner held; the relationship stays. */
  rolesRemoved: z.object({
    relationshipId: id,
    partnerName: text(200),
    customerTenantId: id,
    customerName,
    removedByName: text(200),
    removedAt: isoTime,
    /** The roles the partner held until then. */
    removedRoles: z.array(role),
    /** The relationship's type from now on (e.g. `reseller` after `resellerAndDelegatedAdministrator`). */
    relationshipType: text(100),
  }),
  /** To the partner, or to a customer admin: the relationship's admin roles reached their end date; it has expired. */
  relationshipExpired: z.object({
    relationshipId: id,
    audience: z.enum(['customer', 'partner']),
    partnerName: text(200),
    customerTenantId: id,
    customerName,
    expiredAt: isoTime,
    endedRoles: z.array(role),
  }),
  /** To customer or partner: admin roles granted for a duration end soon. */
  relationshipEndingReminder: z.object({
    relationshipId: id,
    audience: z.enum(['customer', 'partner']),
    partnerName: text(200),
    customerTenantId: id,
    customerName,
    endsAt: isoTime,
    daysLeft: z.number().int().min(0),
  }),
  /**
   * To the partner's contact (the old and the new one when it changed): an operator changed the partner's directory
   * entry.
   */
  directoryEntryChanged: z.object({
    partnerId: id,
    partnerName: text(200),
    change: z.enum(['updated', 'deactivated', 'tenantChanged']),
    changedAt: isoTime,
    /** The fields that changed, as people read them. */
    changedFields: z.array(text(100)),
    contactEmail: z.object({ from: z.email(), to: z.email() }).optional(),
    tenant: z.object({ from: id, to: id }).optional(),
    reason: text(1000).optional(),
  }),
  /** To the partner's contact: a webhook subscription stopped receiving events (its receiver answered 410, or failed for a day). */
  webhookDisabled: z.object({
    partnerId: id,
    partnerName: text(200),
    subscriptionId: id,
    /** The receiver's host (not its whole URL, which may carry a token in its path). */
    receiverHost: text(300),
    cause: z.enum(['gone', 'failing']),
    disabledAt: isoTime,
  }),
} as const;

export type TemplateName = keyof typeof templateDataSchemas;
export type TemplateData<T extends TemplateName> = z.infer<(typeof templateDataSchemas)[T]>;
export const templateNames = Object.keys(templateDataSchemas) as TemplateName[];
