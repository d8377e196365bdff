import { z } from 'zod';
import type { AuditAction, AuditEvent } from './audit.js';
import { timeSchema } from './time.js';

/**
 * Webhook events: one for each state change the audit log records that concerns a partner, named
 * as consumers expect (`relationship.roles-removed`, not the audit log's `relationship.rolesRemoved`).
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
  'agreement.accepted': 'agreement.accepted',
  'settings.updated': undefined,
  'alertSettings.updated': 'alert-settings.updated',
  'directory.created': 'directory.created',
  'directory.updated': 'directory.updated',
  'directory.deactivated': 'directory.deactivated',
  'directory.tenantChanged': 'directory.tenant-changed',
} as const satisfies Record<AuditAction, string | undefined>;

export const webhookEventTypes = [
  ...new Set(Object.values(eventTypeOfAction).filter((t): t is NonNullable<typeof t> => t !== undefined)),
  'webhook.test',
] as const;
export const webhookEventTypeSchema = z.enum(webhookEventTypes);
export type WebhookEventType = z.infer<typeof webhookEventTypeSchema>;

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
  subscriptionId: z.string().optional(),
});

/** A delivery's body: CloudEvents 1.0 structured JSON (https://cloudevents.io). */
export const cloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string(),
  type: webhookEventTypeSchema,
  source: z.string(),
  time: timeSchema,
  /** The resource the event is about, as a path: `relationships/{id}`, `invitations/{id}`. */
  subject: z.string(),
  datacontenttype: z.literal('application/json'),
  data: z.object({
    subject: webhookSubjectSchema,
    actor: z.object({ tenantId: z.string(), objectId: z.string(), name: z.string().optional() }).nullable(),
    before: z.record(z.string(), z.unknown()).nullable(),
    after: z.record(z.string(), z.unknown()).nullable(),
  }),
});
export type CloudEvent = z.infer<typeof cloudEventSchema>;

const nameIn = (record: Record<string, unknown> | null, field: string): string | undefined => {
  const value = record?.[field];
  return typeof value === 'string' ? value : undefined;
};

/**
 * The CloudEvent of an audit event for a partner's subscribers; undefined when the change raises
 * none. `id` is derived from the audit event's id by the caller, so recording it again is the same event.
 */
export function cloudEventOf(
  event: AuditEvent,
  ids: { eventId: string; partnerName: string | undefined; source: string },
): CloudEvent | undefined {
  const type = eventTypeOf(event.action);
  if (!type || !event.partnerId) return undefined;
  const target = event.target;
  const customerName = nameIn(event.after, 'customerName') ?? nameIn(event.before, 'customerName');
  return {
    specversion: '1.0',
    id: ids.eventId,
    type,
    source: ids.source,
    time: event.time,
    subject: `${target.type === 'directoryEntry' ? 'partners' : `${target.type}s`}/${target.id}`,
    datacontenttype: 'application/json',
    data: {
      subject: {
        partnerId: event.partnerId,
        ...(ids.partnerName ? { partnerName: ids.partnerName } : {}),
        ...(event.customerTenantId ? { customerTenantId: event.customerTenantId } : {}),
        ...(customerName ? { customerName } : {}),
        ...(target.type === 'invitation' ? { invitationId: target.id } : {}),
        ...(target.type === 'relationship' ? { relationshipId: target.id } : {}),
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
