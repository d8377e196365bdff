import { z } from 'zod';
import type { AuditAction, AuditEvent } from './audit.js';
import { timeSchema } from './time.js';

/**
 * Webhook events: one for each state change the audit log records that concerns a partner, named
 * as consumers expect (`relationship.roles-removed`, not the audit log's `relationship.rolesRemoved`),
 * and those of changes no one makes (an invitation or relationship running out, read off the clock)
 * or that come from the public (a lead), which the audit log does not record.
 */
const eventTypeOfAction = {
  'invitation.created': 'invitation.created',
  'invitation.resent': 'invitation.resent',
  'invitation.revoked': 'invitation.revoked',
  'invitation.accepted': 'invitation.accepted',
  'invitation.declined': 'invitation.declined',
  'relationship.created': 'relationship.created',
  'relationship.merged': 'relationship.merged',
  'relationship.rolesRemoved': 'relationship.roles-removed',
  'relationship.terminationRequested': 'relationship.termination-requested',
  'relationship.terminated': 'relationship.terminated',
  'relationship.autoExtendChanged': 'relationship.auto-extend-changed',
  'agreement.accepted': 'agreement.accepted',
  'settings.updated': undefined,
  'alertSettings.updated': 'alert-settings.updated',
  'directory.created': 'directory.created',
  'directory.updated': 'directory.updated',
  'directory.deactivated': 'directory.deactivated',
  'directory.tenantChanged': 'directory.tenant-changed',
  'lead.statusChanged': 'lead.updated',
} as const satisfies Record<AuditAction, string | undefined>;

/** When each event is raised: the README's event table is rendered from this (`npm run docs`). */
export const webhookEventDescriptions = {
  'invitation.created': 'The partner invited a customer.',
  'invitation.resent': 'The partner sent an invitation again.',
  'invitation.revoked': 'The partner withdrew an invitation.',
  'invitation.accepted': 'The customer accepted an invitation (`after.relationshipId` names its relationship).',
  'invitation.declined': 'The customer declined an invitation.',
  'invitation.expired':
    'A pending invitation passed its expiry (noticed within the hour; `time` is when it expired). No audit event: no one did it.',
  'relationship.created': 'An accepted invitation made a new relationship.',
  'relationship.merged': 'An accepted invitation joined an existing relationship (roles and duration merged).',
  'relationship.roles-removed': 'The customer removed the partner’s admin roles.',
  'relationship.termination-requested': 'The customer asked the partner to end the relationship.',
  'relationship.terminated': 'The partner ended the relationship.',
  'relationship.auto-extend-changed':
    'The partner turned the relationship’s auto-extend on or off (`before.autoExtend`, `after.autoExtend`).',
  'relationship.ending-soon':
    'The relationship’s roles end within one of the partner’s alert windows (default 30, 7 and 1 days): once per window and end date, with the ending-soon email. `after`: `endsAt`, `daysLeft`, `windowDays`.',
  'relationship.expired':
    'The relationship’s roles ran out: once, with the expiry emails. `after`: `expiredAt` and the roles it held.',
  'agreement.accepted':
    'The customer accepted the Customer Agreement: while accepting this partner’s invitation, or on its own, then sent to every partner with a relationship in effect with the customer (active or termination requested). `after.version`.',
  'alert-settings.updated': 'The partner changed its alert settings.',
  'directory.created': 'The partner’s directory entry was created.',
  'directory.updated': 'The partner’s directory entry changed.',
  'directory.deactivated': 'The partner’s directory entry was taken out of the directory.',
  'directory.tenant-changed': 'The partner’s directory entry moved to another tenant.',
  'lead.created':
    'A contact request named the partner: a new lead. `after`: its status, the requester (name, email, phone, company, country, size, industry) and business needs. No audit event: the Leads page lists it.',
  'lead.updated': 'The partner’s staff moved a lead to another status (`before.status`, `after.status`).',
  'webhook.test': 'The partner sent a test event (`POST …/webhooks/{id}/test`).',
} as const;

export type WebhookEventType = keyof typeof webhookEventDescriptions;
const [firstType, ...otherTypes] = Object.keys(webhookEventDescriptions).filter(
  (t): t is WebhookEventType => t in webhookEventDescriptions,
);
if (!firstType) throw new Error('no webhook event types');
export const webhookEventTypes: readonly WebhookEventType[] = [firstType, ...otherTypes];
export const webhookEventTypeSchema = z.enum([firstType, ...otherTypes]);

/** The event an audit event raises, if any (a customer's settings concern no partner). */
export const eventTypeOf = (action: AuditAction): WebhookEventType | undefined => eventTypeOfAction[action];

/** What the event is about: ids, and names where the change carries them. */
export const webhookSubjectSchema = z.object({
  partnerId: z.string(),
  partnerName: z.string().optional(),
  customerTenantId: z.string().optional(),
  customerName: z.string().optional(),
  invitationId: z.string().optional(),
  relationshipId: z.string().optional(),
  leadId: z.string().optional(),
  subscriptionId: z.string().optional(),
});
type WebhookSubject = z.infer<typeof webhookSubjectSchema>;

const actorOfEventSchema = z
  .object({ tenantId: z.string(), objectId: z.string(), name: z.string().optional() })
  .nullable();

/** A delivery's body: CloudEvents 1.0 structured JSON (https://cloudevents.io). */
export const cloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string(),
  type: webhookEventTypeSchema,
  source: z.string(),
  time: timeSchema,
  /** The resource the event is about, as a path: `relationships/{id}`, `invitations/{id}`, `leads/{id}`. */
  subject: z.string(),
  datacontenttype: z.literal('application/json'),
  data: z.object({
    subject: webhookSubjectSchema,
    /** Who made the change; null when no one did (an expiry, a reminder window, a contact request from the public). */
    actor: actorOfEventSchema,
    before: z.record(z.string(), z.unknown()).nullable(),
    after: z.record(z.string(), z.unknown()).nullable(),
  }),
});
export type CloudEvent = z.infer<typeof cloudEventSchema>;

/**
 * One event for one partner, before it is dressed as a CloudEvent. `key` is stable for the change
 * it reports (an audit event's id, or one derived from the expiry, window or lead), so recording it
 * again is the same event with the same id.
 */
export interface PartnerEvent {
  key: string;
  type: WebhookEventType;
  time: string;
  partnerId: string;
  /** The resource path: `relationships/{id}`. */
  resource: string;
  subject: Omit<WebhookSubject, 'partnerId' | 'partnerName'>;
  actor: z.infer<typeof actorOfEventSchema>;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

const nameIn = (record: Record<string, unknown> | null, field: string): string | undefined => {
  const value = record?.[field];
  return typeof value === 'string' ? value : undefined;
};

const resourceNames = {
  invitation: 'invitations',
  relationship: 'relationships',
  agreement: 'agreements',
  settings: 'settings',
  directoryEntry: 'partners',
  lead: 'leads',
} as const satisfies Record<AuditEvent['target']['type'], string>;

/** The event an audit event raises for `partnerId` (its own partner unless named); undefined when it raises none. */
export function partnerEventOf(event: AuditEvent, partnerId = event.partnerId): PartnerEvent | undefined {
  const type = eventTypeOf(event.action);
  if (!type || !partnerId) return undefined;
  const { target } = event;
  const customerName = nameIn(event.after, 'customerName') ?? nameIn(event.before, 'customerName');
  return {
    key: event.id,
    type,
    time: event.time,
    partnerId,
    resource: `${resourceNames[target.type]}/${target.id}`,
    subject: {
      ...(event.customerTenantId ? { customerTenantId: event.customerTenantId } : {}),
      ...(customerName ? { customerName } : {}),
      ...(target.type === 'invitation' ? { invitationId: target.id } : {}),
      ...(target.type === 'relationship' ? { relationshipId: target.id } : {}),
      ...(target.type === 'lead' ? { leadId: target.id } : {}),
    },
    actor: event.actor,
    before: event.before,
    after: event.after,
  };
}

/** The CloudEvent of a partner's event; `id` is derived from the event's key by the caller. */
export function cloudEventOf(
  event: PartnerEvent,
  ids: { eventId: string; partnerName: string | undefined; source: string },
): CloudEvent {
  return {
    specversion: '1.0',
    id: ids.eventId,
    type: event.type,
    source: ids.source,
    time: event.time,
    subject: event.resource,
    datacontenttype: 'application/json',
    data: {
      subject: {
        partnerId: event.partnerId,
        ...(ids.partnerName ? { partnerName: ids.partnerName } : {}),
        ...event.subject,
      },
      actor: event.actor,
      before: event.before,
      after: event.after,
    },
  };
}

/** Subscriptions a partner may have at once: each event fans out to every one of them. */
export const maxSubscriptionsPerPartner = 10;

/**
 * Retries: exponential back-off from `firstDelaySeconds` (doubling, at most an hour apart) with
 * full jitter over the upper half, for `retryWindowMs` after the first attempt (about a day).
 */
export const retryWindowMs = 24 * 60 * 60 * 1000;
const maxDelaySeconds = 60 * 60;

export function retryDelaySeconds(attempt: number, firstDelaySeconds: number, random: number): number {
  const ceiling = Math.min(maxDelaySeconds, firstDelaySeconds * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.round(ceiling / 2 + (ceiling / 2) * random));
}

/** How an attempt ended, from the receiver's answer (or its absence). */
export type AttemptOutcome = 'delivered' | 'retry' | 'failed' | 'gone';

export function outcomeOf(statusCode: number | undefined): AttemptOutcome {
  if (statusCode === undefined) return 'retry'; // network error, timeout, refused target
  if (statusCode >= 200 && statusCode < 300) return 'delivered';
  if (statusCode === 410) return 'gone';
  if (statusCode >= 500 || statusCode === 408 || statusCode === 429) return 'retry';
  return 'failed';
}

export const attemptSchema = z.object({
  at: timeSchema,
  outcome: z.enum(['delivered', 'retry', 'failed', 'gone']),
  durationMs: z.number(),
  /** The receiver's HTTP status; absent when it never answered. */
  statusCode: z.number().optional(),
  /** What went wrong without an answer (timeout, refused address), or the first bytes of the answer. */
  error: z.string().optional(),
  responseExcerpt: z.string().optional(),
});
export type Attempt = z.infer<typeof attemptSchema>;

export const deliveryStatuses = ['pending', 'delivered', 'failed', 'cancelled'] as const;

export const subscriptionViewSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  url: z.string(),
  eventTypes: z.array(webhookEventTypeSchema),
  description: z.string().optional(),
  status: z.enum(['enabled', 'disabled']),
  disabledReason: z.string().optional(),
  disabledAt: timeSchema.optional(),
  createdAt: timeSchema,
  updatedAt: timeSchema,
  etag: z.string(),
});
export type SubscriptionView = z.infer<typeof subscriptionViewSchema>;

/** What create and rotate answer: the signing secret, shown this once. */
export const subscriptionWithSecretSchema = subscriptionViewSchema.extend({
  secret: z.string().describe('whsec_… (Standard Webhooks); shown only in this answer'),
});

export const deliveryViewSchema = z.object({
  id: z.string(),
  subscriptionId: z.string(),
  eventId: z.string(),
  eventType: webhookEventTypeSchema,
  eventTime: timeSchema,
  status: z.enum(deliveryStatuses),
  attempts: z.array(attemptSchema),
  nextAttemptAt: timeSchema.optional(),
});
export type DeliveryView = z.infer<typeof deliveryViewSchema>;

/** What a subscription is asked to be, as the API and the Webhooks page's forms take it. */
export const webhookUrlSchema = z.url({ protocol: /^https?$/ }).max(2000);
const subscriptionEventTypesSchema = z
  .array(webhookEventTypeSchema)
  .min(1)
  .max(webhookEventTypes.length)
  .transform((types) => [...new Set(types)]);
export const createSubscriptionBodySchema = z.object({
  url: webhookUrlSchema,
  eventTypes: subscriptionEventTypesSchema,
  description: z.string().trim().max(200).optional(),
});
export const updateSubscriptionBodySchema = z
  .object({
    url: webhookUrlSchema.optional(),
    eventTypes: subscriptionEventTypesSchema.optional(),
    description: z.string().trim().max(200).optional(),
    enabled: z.boolean().optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'must change at least one field');
/** A delivery's id: its event's time and id (storage/webhooks.ts `deliveryId`). */
export const deliveryIdSchema = z.string().regex(/^\d{13}_evt_[\w-]{32}$/);
