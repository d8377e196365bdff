import type { HttpRequest, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/caller.js';
import type { FunctionDefinition } from '../shared/definitions.js';
import { partnerIdSchema } from '../shared/domain/directory.js';
import { topSchema } from '../shared/domain/paging.js';
import { pageSchema } from '../shared/domain/views.js';
import {
  createSubscriptionBodySchema,
  deliveryIdSchema,
  deliveryViewSchema,
  subscriptionViewSchema,
  subscriptionWithSecretSchema,
  updateSubscriptionBodySchema,
  webhookEventTypes,
  webhookEventTypeSchema,
} from '../shared/domain/webhooks.js';
import { readBody, readParams, readQuery } from '../shared/http/body.js';
import { ifMatch, notModified } from '../shared/http/etag.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';
import {
  createSubscription,
  deleteSubscription,
  deliverMessage,
  partnerSubscription,
  partnerSubscriptions,
  redeliver,
  rotateSecret,
  sendTestEvent,
  subscriptionDeliveries,
  subscriptionDelivery,
  updateSubscription,
} from '../shared/services/webhooks.js';
import { queueNames } from '../shared/storage/names.js';

/** A partner's webhook subscriptions and their deliveries (shared/services/webhooks.ts). */
const routes = [
  route('POST', 'partners/{partnerId}/webhooks', 'partner', create, 'webhooks-create'),
  route('GET', 'partners/{partnerId}/webhooks', 'partner', list, 'webhooks-list'),
  route('GET', 'partners/{partnerId}/webhooks/{subscriptionId}', 'partner', get, 'webhooks-get'),
  route('PATCH', 'partners/{partnerId}/webhooks/{subscriptionId}', 'partner', update, 'webhooks-update'),
  route('DELETE', 'partners/{partnerId}/webhooks/{subscriptionId}', 'partner', remove, 'webhooks-delete'),
  route('POST', 'partners/{partnerId}/webhooks/{subscriptionId}/rotate-secret', 'partner', rotate, 'webhooks-rotate'),
  route('POST', 'partners/{partnerId}/webhooks/{subscriptionId}/test', 'partner', test, 'webhooks-test'),
  route(
    'GET',
    'partners/{partnerId}/webhooks/{subscriptionId}/deliveries',
    'partner',
    deliveries,
    'webhooks-deliveries',
  ),
  route(
    'GET',
    'partners/{partnerId}/webhooks/{subscriptionId}/deliveries/{deliveryId}',
    'partner',
    delivery,
    'webhooks-delivery',
  ),
  route(
    'POST',
    'partners/{partnerId}/webhooks/{subscriptionId}/deliveries/{deliveryId}/redeliver',
    'partner',
    redeliverOne,
    'webhooks-redeliver',
  ),
  route('GET', 'webhook-event-types', 'anyone', eventTypes, 'webhooks-event-types'),
];

const partnerParamsSchema = z.object({ partnerId: partnerIdSchema });
const subscriptionParamsSchema = partnerParamsSchema.extend({ subscriptionId: z.uuid() });
const deliveryParamsSchema = subscriptionParamsSchema.extend({ deliveryId: deliveryIdSchema });
const createBodySchema = createSubscriptionBodySchema;
const updateBodySchema = updateSubscriptionBodySchema;
const pageQuerySchema = z.object({ top: topSchema, continuationToken: z.string().max(4000).optional() });

async function create(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId } = readParams(request, partnerParamsSchema);
  const body = await readBody(request, createBodySchema);
  const created = await createSubscription(caller, partnerId, body);
  return {
    status: 201,
    headers: { Location: `/api/partners/${created.partnerId}/webhooks/${created.id}`, ETag: created.etag },
    jsonBody: created,
  };
}

async function list(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId } = readParams(request, partnerParamsSchema);
  return { status: 200, jsonBody: await partnerSubscriptions(caller, partnerId) };
}

async function get(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId, subscriptionId } = readParams(request, subscriptionParamsSchema);
  const found = await partnerSubscription(caller, partnerId, subscriptionId);
  return { status: 200, headers: { ETag: found.etag }, jsonBody: found };
}

async function update(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId, subscriptionId } = readParams(request, subscriptionParamsSchema);
  const expected = ifMatch(request, false);
  const body = await readBody(request, updateBodySchema);
  const updated = await updateSubscription(caller, partnerId, subscriptionId, body, expected);
  return { status: 200, headers: { ETag: updated.etag }, jsonBody: updated };
}

async function remove(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId, subscriptionId } = readParams(request, subscriptionParamsSchema);
  await deleteSubscription(caller, partnerId, subscriptionId, ifMatch(request, false));
  return { status: 204 };
}

async function rotate(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId, subscriptionId } = readParams(request, subscriptionParamsSchema);
  const rotated = await rotateSecret(caller, partnerId, subscriptionId, ifMatch(request, false));
  return { status: 200, headers: { ETag: rotated.etag }, jsonBody: rotated };
}

async function test(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId, subscriptionId } = readParams(request, subscriptionParamsSchema);
  return { status: 202, jsonBody: await sendTestEvent(caller, partnerId, subscriptionId) };
}

async function deliveries(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId, subscriptionId } = readParams(request, subscriptionParamsSchema);
  const query = readQuery(request, pageQuerySchema);
  return { status: 200, jsonBody: await subscriptionDeliveries(caller, partnerId, subscriptionId, query) };
}

async function delivery(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId, subscriptionId, deliveryId } = readParams(request, deliveryParamsSchema);
  return { status: 200, jsonBody: await subscriptionDelivery(caller, partnerId, subscriptionId, deliveryId) };
}

async function redeliverOne(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId, subscriptionId, deliveryId } = readParams(request, deliveryParamsSchema);
  return { status: 202, jsonBody: await redeliver(caller, partnerId, subscriptionId, deliveryId) };
}

async function eventTypes() {
  return { status: 200, jsonBody: { items: webhookEventTypes } };
}

const tags = ['Webhooks'];
const notFound = { description: 'Not a partner of the caller, or no such subscription' };
const changed = { description: 'The subscription changed since it was read (If-Match)' };
const docs = {
  'webhooks-create': {
    summary: 'Subscribe a receiver to the partner’s events',
    description:
      '`{ url, eventTypes, description? }`: an https URL whose host resolves to public addresses only (`400` naming `url` otherwise; locally http to localhost too). `201` + `Location`, `ETag`; the answer’s `secret` (`whsec_…`, Standard Webhooks) is shown only here. Deliveries are CloudEvents JSON signed with it (`webhook-id`, `webhook-timestamp`, `webhook-signature`). At most 10 subscriptions (`409`).',
    tags,
    params: partnerParamsSchema,
    body: createBodySchema,
    responses: {
      201: { description: 'Subscribed; the secret shown once', schema: subscriptionWithSecretSchema },
      404: notFound,
      409: { description: 'The partner has 10 subscriptions already' },
    },
  },
  'webhooks-list': {
    summary: 'The partner’s webhook subscriptions',
    description: 'Oldest first; never their secrets.',
    tags,
    params: partnerParamsSchema,
    responses: {
      200: { description: 'Every subscription', schema: z.object({ items: z.array(subscriptionViewSchema) }) },
      404: notFound,
    },
  },
  'webhooks-get': {
    summary: 'One webhook subscription',
    description: 'Whether it is on (`status`, and why it was turned off); `ETag`; never its secret.',
    tags,
    params: subscriptionParamsSchema,
    responses: {
      200: { description: 'The subscription', schema: subscriptionViewSchema },
      304: notModified,
      404: notFound,
    },
  },
  'webhooks-update': {
    summary: 'Change a webhook subscription, or turn it on or off',
    description:
      'Any of `{ url, eventTypes, description, enabled }`; `If-Match` optional (`412` stale). `enabled: true` turns on a subscription that was turned off (by the partner, a `410` or a day of failures).',
    tags,
    params: subscriptionParamsSchema,
    body: updateBodySchema,
    responses: {
      200: { description: 'The subscription', schema: subscriptionViewSchema },
      404: notFound,
      412: changed,
    },
  },
  'webhooks-delete': {
    summary: 'Delete a webhook subscription',
    description:
      '`204`; its delivery records go with it (a follow-up of the deletion), and deliveries still queued are dropped, not retried (an attempt already under way may still arrive, once). `If-Match` optional (`412` stale).',
    tags,
    params: subscriptionParamsSchema,
    responses: { 204: { description: 'Deleted' }, 404: notFound, 412: changed },
  },
  'webhooks-rotate': {
    summary: 'Give a webhook subscription a new signing secret',
    description:
      'The new `secret` is shown only in this answer; every delivery from now on is signed with it. `If-Match` optional (`412` stale).',
    tags,
    params: subscriptionParamsSchema,
    responses: {
      200: { description: 'The subscription with its new secret', schema: subscriptionWithSecretSchema },
      404: notFound,
      412: changed,
    },
  },
  'webhooks-test': {
    summary: 'Send a test event to a webhook subscription',
    description:
      'A `webhook.test` event, queued and signed like every other: `202` with its delivery, to follow in the deliveries list. `409` when the subscription is off.',
    tags,
    params: subscriptionParamsSchema,
    responses: {
      202: { description: 'The test event’s delivery', schema: deliveryViewSchema },
      404: notFound,
      409: { description: 'The subscription is turned off' },
    },
  },
  'webhooks-deliveries': {
    summary: 'A webhook subscription’s deliveries, newest event first',
    description:
      'Each with its event, `status` (`pending`, `delivered`, `failed`, `cancelled`) and attempts (time, outcome, duration, status code, at most 200 characters of the answer).',
    tags,
    params: subscriptionParamsSchema,
    query: pageQuerySchema,
    responses: {
      200: { description: 'One page of deliveries', schema: pageSchema(deliveryViewSchema) },
      404: notFound,
    },
  },
  'webhooks-delivery': {
    summary: 'One delivery of a webhook subscription',
    tags,
    params: deliveryParamsSchema,
    responses: { 200: { description: 'The delivery', schema: deliveryViewSchema }, 404: notFound },
  },
  'webhooks-redeliver': {
    summary: 'Send one delivery again',
    description:
      'The same event with the same `webhook-id` (receivers de-duplicate by it), whatever became of it: `202`. `409` when the subscription is off.',
    tags,
    params: deliveryParamsSchema,
    responses: {
      202: { description: 'Queued again', schema: deliveryViewSchema },
      404: { description: 'No such delivery' },
      409: { description: 'The subscription is turned off' },
    },
  },
  'webhooks-event-types': {
    summary: 'The event types a webhook subscription may ask for',
    description:
      'Every `type` a delivery may carry, as `eventTypes` names them (what the Webhooks page offers). `webhook.test` is what the test route sends, whatever a subscription asks for.',
    tags,
    responses: {
      200: { description: 'The event types', schema: z.object({ items: z.array(webhookEventTypeSchema) }) },
    },
  },
} satisfies Record<string, RouteDoc>;

export const webhookFunctions: FunctionDefinition[] = [
  ...httpFunctions(routes, docs),
  {
    kind: 'queue',
    name: 'webhook-deliveries',
    queueName: queueNames.webhookDeliveries,
    connection: 'AzureWebJobsStorage',
    handler: async (message: unknown, context: InvocationContext) => {
      context.log(`webhook delivery: ${await deliverMessage(message)}`);
    },
  },
];
