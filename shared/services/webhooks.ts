import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Caller } from '../auth/token.js';
import { now } from '../clock.js';
import { settings } from '../config.js';
import type { AuditEvent } from '../domain/audit.js';
import type { Page } from '../domain/paging.js';
import { requireIfMatch } from '../domain/versions.js';
import {
  cloudEventOf,
  partnerEventOf,
  maxSubscriptionsPerPartner,
  outcomeOf,
  retryDelaySeconds,
  retryWindowMs,
  type Attempt,
  type CloudEvent,
  type DeliveryView,
  type PartnerEvent,
  type SubscriptionView,
  type WebhookEventType,
} from '../domain/webhooks.js';
import { enqueueEmail } from '../email/jobs.js';
import { AppError } from '../errors.js';
import { postTo, resolveTarget, signedHeaders, TargetRefused, type PostResult } from '../outbound/webhook-post.js';
import { storageStatus } from '../storage/errors.js';
import { getPartnerProfile, partnerProfileOf } from '../storage/partner-profiles.js';
import {
  deleteDeliveries,
  deleteDelivery,
  deleteSubscription as removeSubscription,
  deliveryId,
  deliveryMessageSchema,
  enqueueDelivery,
  insertSubscription,
  listDeliveries,
  listSubscriptions,
  readDelivery,
  readSubscription,
  recordDelivery,
  replaceSubscription,
  saveDelivery,
  type Delivery,
  type StoredDelivery,
  type StoredSubscription,
  type Subscription,
} from '../storage/webhooks.js';
import { followUpKind, fulfil, intend, readOncePerFollowUp } from './follow-ups.js';
import { requirePartnerStaff } from './partner-staff.js';

/**
 * Webhooks: a partner's subscriptions, the events its state changes raise (recorded with the audit
 * event, inside the change's follow-ups, so an event is neither lost nor invented) and their
 * delivery through the `webhook-deliveries` queue, signed per Standard Webhooks.
 */

/** A receiver has this long to answer an attempt. */
export const deliveryTimeoutMs = 5_000;
/** Attempts a delivery keeps: the first (it starts the retry window) and the latest ones. */
const keptAttempts = 30;

const policy = () => ({ allowLocalhost: settings().webhooks.allowLocalhost });
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
/** The event's id, the same for every recording of one state change: derived from its key (e.g. its audit event's id). */
const eventIdOf = (key: string) => `evt_${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`;

const subscriptionView = ({ secret: _secret, ...s }: StoredSubscription): SubscriptionView => s;
const deliveryView = (d: StoredDelivery): DeliveryView => ({
  id: d.id,
  subscriptionId: d.subscriptionId,
  eventId: d.event.id,
  eventType: d.event.type,
  eventTime: d.event.time,
  status: d.status,
  attempts: d.attempts,
  ...(d.nextAttemptAt ? { nextAttemptAt: d.nextAttemptAt } : {}),
});

/** The target must be one this deployment may reach, checked now (and again before every attempt). */
async function requireReachable(url: string): Promise<void> {
  try {
    await resolveTarget(url, policy());
  } catch (error) {
    if (!(error instanceof TargetRefused)) throw error;
    throw new AppError('validation', `The webhook URL ${error.message}.`, {
      errors: [{ path: 'url', message: `The URL ${error.message}.` }],
    });
  }
}

async function staffSubscription(caller: Caller, partnerId: string, id: string): Promise<StoredSubscription> {
  const partner = await requirePartnerStaff(caller, partnerId);
  const found = await readSubscription(partner.partnerId, id);
  if (!found) throw new AppError('not-found', 'No such webhook subscription.');
  return found;
}

export interface SubscriptionInput {
  url: string;
  eventTypes: WebhookEventType[];
  description?: string | undefined;
}

export async function createSubscription(
  caller: Caller,
  partnerId: string,
  input: SubscriptionInput,
): Promise<SubscriptionView & { secret: string }> {
  const partner = await requirePartnerStaff(caller, partnerId);
  if ((await listSubscriptions(partner.partnerId)).length >= maxSubscriptionsPerPartner)
    throw new AppError('conflict', `A partner may have at most ${maxSubscriptionsPerPartner} webhook subscriptions.`);
  await requireReachable(input.url);
  const at = now().toISOString();
  const subscription: Subscription = {
    partnerId: partner.partnerId,
    id: randomUUID(),
    url: input.url,
    eventTypes: input.eventTypes,
    ...(input.description ? { description: input.description } : {}),
    secret: newSecret(),
    status: 'enabled',
    createdAt: at,
    updatedAt: at,
  };
  const etag = await insertSubscription(subscription);
  return { ...subscriptionView({ ...subscription, etag }), secret: subscription.secret };
}

export async function partnerSubscriptions(caller: Caller, partnerId: string): Promise<{ items: SubscriptionView[] }> {
  const partner = await requirePartnerStaff(caller, partnerId);
  return { items: (await listSubscriptions(partner.partnerId)).map(subscriptionView) };
}

export async function partnerSubscription(caller: Caller, partnerId: string, id: string): Promise<SubscriptionView> {
  return subscriptionView(await staffSubscription(caller, partnerId, id));
}

/** Changes what a subscription wants, where it goes, or turns it on or off; turning it on clears why it was off. */
export async function updateSubscription(
  caller: Caller,
  partnerId: string,
  id: string,
  patch: Partial<SubscriptionInput> & { enabled?: boolean | undefined },
  ifMatch: string | undefined,
): Promise<SubscriptionView> {
  const current = await staffSubscription(caller, partnerId, id);
  requireIfMatch(ifMatch, current.etag, 'The webhook subscription changed since you read it; read it again.');
  if (patch.url !== undefined) await requireReachable(patch.url);
  const { etag: _etag, disabledAt: _at, disabledReason: _reason, ...rest } = current;
  const enabled = patch.enabled ?? current.status === 'enabled';
  const next: Subscription = {
    ...rest,
    ...(patch.url !== undefined ? { url: patch.url } : {}),
    ...(patch.eventTypes !== undefined ? { eventTypes: patch.eventTypes } : {}),
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    status: enabled ? 'enabled' : 'disabled',
    ...(enabled
      ? {}
      : {
          disabledReason: current.disabledReason ?? 'turned off by the partner',
          disabledAt: current.disabledAt ?? now().toISOString(),
        }),
    updatedAt: now().toISOString(),
  };
  const etag = await replaceSubscription(next, current.etag).catch(preconditionFailed);
  return subscriptionView({ ...next, etag });
}

function preconditionFailed(error: unknown): never {
  if (storageStatus(error) === 412)
    throw new AppError('precondition-failed', 'The webhook subscription changed meanwhile; read it again.');
  throw error;
}

/** A deleted subscription owes the deletion of its deliveries: the messages still queued for them then find nothing to do. */
const deletedIntentSchema = z.object({ partnerId: z.string(), subscriptionId: z.string() });

export const webhookDeletedFollowUp = followUpKind({
  name: 'webhook-deleted',
  payload: deletedIntentSchema,
  async complete(intent) {
    // Still there: its deletion never happened (the request died or lost a race before it).
    if (await readSubscription(intent.partnerId, intent.subscriptionId)) return;
    await deleteDeliveries(intent.subscriptionId);
  },
});

export async function deleteSubscription(
  caller: Caller,
  partnerId: string,
  id: string,
  ifMatch: string | undefined,
): Promise<void> {
  const current = await staffSubscription(caller, partnerId, id);
  requireIfMatch(ifMatch, current.etag, 'The webhook subscription changed since you read it; read it again.');
  const intent = { partnerId: current.partnerId, subscriptionId: current.id };
  const intentId = `${intent.partnerId}:${intent.subscriptionId}`;
  await intend(webhookDeletedFollowUp, intentId, intent, () =>
    removeSubscription(current.partnerId, current.id, current.etag),
  ).catch(preconditionFailed);
  await fulfil(webhookDeletedFollowUp, intentId, () => deleteDeliveries(current.id));
}

/** A new signing secret, shown once; deliveries from now on are signed with it. */
export async function rotateSecret(
  caller: Caller,
  partnerId: string,
  id: string,
  ifMatch: string | undefined,
): Promise<SubscriptionView & { secret: string }> {
  const current = await staffSubscription(caller, partnerId, id);
  requireIfMatch(ifMatch, current.etag, 'The webhook subscription changed since you read it; read it again.');
  const { etag: _etag, ...rest } = current;
  const next: Subscription = { ...rest, secret: newSecret(), updatedAt: now().toISOString() };
  const etag = await replaceSubscription(next, current.etag).catch(preconditionFailed);
  return { ...subscriptionView({ ...next, etag }), secret: next.secret };
}

const source = () => `${settings().publicBaseUrl}/api`;

/** Sends a `webhook.test` event to one subscription, through the same queue and signing as every event. */
export async function sendTestEvent(caller: Caller, partnerId: string, id: string): Promise<DeliveryView> {
  const subscription = await staffSubscription(caller, partnerId, id);
  if (subscription.status !== 'enabled')
    throw new AppError('conflict', 'The webhook subscription is turned off; turn it on first.');
  const partner = await getPartnerProfile(subscription.partnerId);
  const event: CloudEvent = {
    specversion: '1.0',
    id: eventIdOf(`webhook.test:${randomUUID()}`),
    type: 'webhook.test',
    source: source(),
    time: now().toISOString(),
    subject: `webhooks/${subscription.id}`,
    datacontenttype: 'application/json',
    data: {
      subject: {
        partnerId: subscription.partnerId,
        ...(partner ? { partnerName: partner.displayName } : {}),
        subscriptionId: subscription.id,
      },
      actor: { tenantId: caller.tenantId, objectId: caller.objectId, ...(caller.name ? { name: caller.name } : {}) },
      before: null,
      after: null,
    },
  };
  return deliveryView(await recordAndSend(subscription, event));
}

async function recordAndSend(subscription: StoredSubscription, event: CloudEvent): Promise<StoredDelivery> {
  const delivery = await recordDelivery({
    subscriptionId: subscription.id,
    id: deliveryId(event),
    partnerId: subscription.partnerId,
    event,
    status: 'pending',
    attempts: [],
  });
  // Not yet tried: its message may not have been sent (a crash between the two), so send one. A
  // delivery already tried has its next message queued before its attempt was recorded.
  if (delivery.status === 'pending' && delivery.attempts.length === 0)
    await enqueueDelivery({
      partnerId: delivery.partnerId,
      subscriptionId: delivery.subscriptionId,
      deliveryId: delivery.id,
    });
  return delivery;
}

/** A partner's subscriptions and name, read once per follow-up however many events it records. */
const subscriptionsOf = readOncePerFollowUp(listSubscriptions);
const partnerNameOf = readOncePerFollowUp(async (partnerId) => (await getPartnerProfile(partnerId))?.displayName);

/**
 * Records a partner's event for each of its subscriptions that wants it, and queues its delivery.
 * Runs inside the state change's follow-ups (or the queued work that stands for them): a failure
 * leaves the intent for the sweeper, and running again records the same deliveries (one per event
 * and subscription).
 */
export async function recordEvent(event: PartnerEvent): Promise<void> {
  const wanted = (await subscriptionsOf(event.partnerId)).filter(
    (s) => s.status === 'enabled' && s.eventTypes.includes(event.type),
  );
  if (wanted.length === 0) return;
  const cloudEvent = cloudEventOf(event, {
    eventId: eventIdOf(event.key),
    partnerName: await partnerNameOf(event.partnerId),
    source: source(),
  });
  await Promise.all(wanted.map((s) => recordAndSend(s, cloudEvent)));
}

/** Records the event an audit event raises for its partner, if any. */
export async function recordEvents(event: AuditEvent): Promise<void> {
  const partnerEvent = partnerEventOf(event);
  if (partnerEvent) await recordEvent(partnerEvent);
}

async function staffDelivery(caller: Caller, partnerId: string, subscriptionId: string, id: string) {
  const subscription = await staffSubscription(caller, partnerId, subscriptionId);
  const delivery = await readDelivery(subscription.id, id);
  if (!delivery) throw new AppError('not-found', 'No such delivery.');
  return { subscription, delivery };
}

export async function subscriptionDeliveries(
  caller: Caller,
  partnerId: string,
  subscriptionId: string,
  query: { top: number; continuationToken?: string | undefined },
): Promise<Page<DeliveryView>> {
  const subscription = await staffSubscription(caller, partnerId, subscriptionId);
  const page = await listDeliveries(subscription.id, query.top, query.continuationToken);
  return { items: page.items.map(deliveryView), continuationToken: page.continuationToken };
}

export async function subscriptionDelivery(
  caller: Caller,
  partnerId: string,
  subscriptionId: string,
  id: string,
): Promise<DeliveryView> {
  return deliveryView((await staffDelivery(caller, partnerId, subscriptionId, id)).delivery);
}

/** Sends one delivery again (the same event, the same webhook-id), whatever became of it. */
export async function redeliver(
  caller: Caller,
  partnerId: string,
  subscriptionId: string,
  id: string,
): Promise<DeliveryView> {
  const { subscription, delivery } = await staffDelivery(caller, partnerId, subscriptionId, id);
  if (subscription.status !== 'enabled')
    throw new AppError('conflict', 'The webhook subscription is turned off; turn it on first.');
  const { etag, ...rest } = delivery;
  const next: Delivery = { ...rest, status: 'pending', nextAttemptAt: now().toISOString() };
  await enqueueDelivery({
    partnerId: subscription.partnerId,
    subscriptionId: subscription.id,
    deliveryId: delivery.id,
  });
  const saved = await saveDelivery(next, etag).catch(preconditionFailed);
  return deliveryView({ ...next, etag: saved });
}

/** The email a subscription's disabling owes the partner: keyed by the subscription and when it was disabled. */
const disabledIntentSchema = z.object({
  partnerId: z.string(),
  subscriptionId: z.string(),
  disabledAt: z.string(),
  reason: z.enum(['gone', 'failing']),
});
type DisabledIntent = z.infer<typeof disabledIntentSchema>;

export const webhookDisabledFollowUp = followUpKind({
  name: 'webhook-disabled',
  payload: disabledIntentSchema,
  complete: emailDisabled,
});

async function emailDisabled(intent: DisabledIntent): Promise<void> {
  const subscription = await readSubscription(intent.partnerId, intent.subscriptionId);
  // Turned on again, deleted, or this disabling never saved: nothing to say.
  if (subscription?.status !== 'disabled' || subscription.disabledAt !== intent.disabledAt) return;
  const partner = await partnerProfileOf(intent.partnerId, `webhook subscription ${intent.subscriptionId}`);
  await enqueueEmail({
    jobId: `webhook-disabled:${intent.subscriptionId}:${Date.parse(intent.disabledAt)}`,
    template: 'webhookDisabled',
    to: [{ address: partner.contactEmail, displayName: partner.displayName }],
    data: {
      partnerId: partner.partnerId,
      partnerName: partner.displayName,
      subscriptionId: subscription.id,
      receiverHost: new URL(subscription.url).host,
      cause: intent.reason,
      disabledAt: intent.disabledAt,
    },
  });
}

const disabledReasons = {
  gone: 'the receiver answered 410 Gone',
  failing: 'deliveries failed for a day',
} as const;

/** Turns a subscription off and emails the partner, both or neither (a follow-up intent). */
async function disable(subscription: StoredSubscription, reason: DisabledIntent['reason'], at: Date): Promise<void> {
  const { etag, ...rest } = subscription;
  const intent: DisabledIntent = {
    partnerId: subscription.partnerId,
    subscriptionId: subscription.id,
    disabledAt: at.toISOString(),
    reason,
  };
  const id = `${intent.partnerId}:${intent.subscriptionId}:${at.getTime()}`;
  try {
    await intend(webhookDisabledFollowUp, id, intent, () =>
      replaceSubscription(
        {
          ...rest,
          status: 'disabled',
          disabledReason: disabledReasons[reason],
          disabledAt: intent.disabledAt,
          updatedAt: intent.disabledAt,
        },
        etag,
      ),
    );
  } catch (error) {
    // Changed meanwhile (turned off already, edited) or deleted: that change stands.
    if (storageStatus(error) === 412 || storageStatus(error) === 404) return;
    throw error;
  }
  await fulfil(webhookDisabledFollowUp, id, () => emailDisabled(intent));
}

function attemptOf(result: PostResult, at: Date): Attempt {
  return {
    at: at.toISOString(),
    outcome: result.refused ? 'failed' : outcomeOf(result.statusCode),
    durationMs: result.durationMs,
    ...(result.statusCode !== undefined ? { statusCode: result.statusCode } : {}),
    ...(result.error ? { error: result.error } : {}),
    ...(result.excerpt ? { responseExcerpt: result.excerpt } : {}),
  };
}

async function attempt(subscription: StoredSubscription, event: CloudEvent, at: Date): Promise<PostResult> {
  const body = JSON.stringify(event);
  try {
    const target = await resolveTarget(subscription.url, policy());
    return await postTo(target, signedHeaders(subscription.secret, event.id, at, body), body, deliveryTimeoutMs);
  } catch (error) {
    if (!(error instanceof TargetRefused)) throw error;
    return {
      statusCode: undefined,
      durationMs: 0,
      refused: !error.temporary,
      error: `refused: the URL ${error.message}`,
    };
  }
}

/**
 * The `webhook-deliveries` queue function: one attempt of the delivery a message names. A delivery
 * no longer pending (delivered, given up, its subscription gone) needs nothing. A retry is queued
 * before the attempt is recorded, so a crash in between repeats an attempt rather than losing the
 * event; a crash during the attempt leaves the message to come back.
 */
export async function deliverMessage(
  message: unknown,
): Promise<'delivered' | 'retry' | 'failed' | 'nothing to do' | 'not a delivery message'> {
  const parsed = deliveryMessageSchema.safeParse(message);
  if (!parsed.success) return 'not a delivery message';
  const { partnerId, subscriptionId, deliveryId: id } = parsed.data;
  const delivery = await readDelivery(subscriptionId, id);
  if (delivery?.status !== 'pending') return 'nothing to do';
  const { etag, ...record } = delivery;
  const subscription = await readSubscription(partnerId, subscriptionId);
  if (!subscription) {
    // Deleted, its deliveries with it: this one was recorded by an event read just before the deletion.
    await deleteDelivery(subscriptionId, id);
    return 'nothing to do';
  }
  if (subscription.status !== 'enabled') {
    await saveDelivery({ ...record, status: 'cancelled', nextAttemptAt: undefined }, etag).catch(ignoreConflict);
    return 'nothing to do';
  }
  const at = now();
  const result = await attempt(subscription, record.event, at);
  const tried = attemptOf(result, at);
  const first = record.attempts[0] ?? tried;
  const attempts = [first, ...[...record.attempts, tried].slice(1).slice(-(keptAttempts - 1))];
  let outcome = tried.outcome;
  let nextAttemptAt: string | undefined;
  if (outcome === 'retry') {
    const delay = retryDelaySeconds(
      record.attempts.length + 1,
      settings().webhooks.firstRetryDelaySeconds,
      Math.random(),
    );
    const next = at.getTime() + delay * 1000;
    if (next - Date.parse(first.at) > retryWindowMs) outcome = 'failed';
    else {
      nextAttemptAt = new Date(next).toISOString();
      await enqueueDelivery({ partnerId, subscriptionId, deliveryId: id }, delay);
    }
  }
  if (tried.outcome === 'gone') await disable(subscription, 'gone', at);
  else if (tried.outcome === 'retry' && outcome === 'failed') await disable(subscription, 'failing', at);
  const status = outcome === 'delivered' ? 'delivered' : outcome === 'retry' ? 'pending' : 'failed';
  await saveDelivery({ ...record, status, attempts, nextAttemptAt }, etag).catch(ignoreConflict);
  return outcome === 'gone' ? 'failed' : outcome;
}

/**
 * Another attempt (a redelivery, a duplicate message) recorded first: its record stands. Or the delivery is gone: its
 * subscription was deleted while this attempt was under way, and a record written now would outlive it.
 */
function ignoreConflict(error: unknown): void {
  if (storageStatus(error) !== 412 && storageStatus(error) !== 404) throw error;
}
