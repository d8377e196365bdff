import { odata } from '@azure/data-tables';
import { z } from 'zod';
import { attemptSchema, cloudEventSchema, deliveryStatuses, webhookEventTypeSchema } from '../domain/webhooks.js';
import { timeSchema } from '../domain/time.js';
import type { Page } from '../domain/paging.js';
import { enqueue, storage } from './clients.js';
import { storageStatus } from './errors.js';
import { etagOf, readEntity, readPage, tableCodec } from './entities.js';
import { newestFirstKey } from './keys.js';
import { queueNames, tableNames } from './names.js';

/**
 * Webhook subscriptions, in table `webhooks` (PartitionKey the partner id, RowKey the subscription
 * id), and their deliveries, in table `webhookdeliveries` (PartitionKey the subscription id, RowKey
 * newest first by event time, then the event id: one delivery per event and subscription however
 * often it is recorded).
 */
const subscriptionSchema = z.object({
  partnerId: z.string(),
  id: z.string(),
  url: z.string(),
  eventTypes: z.array(webhookEventTypeSchema),
  description: z.string().optional(),
  /** The Standard Webhooks signing secret (`whsec_…`): read only to sign, never shown again after create or rotate. */
  secret: z.string(),
  status: z.enum(['enabled', 'disabled']),
  disabledReason: z.string().optional(),
  disabledAt: timeSchema.optional(),
  createdAt: timeSchema,
  updatedAt: timeSchema,
});
export type Subscription = z.infer<typeof subscriptionSchema>;
export type StoredSubscription = Subscription & { etag: string };

const subscriptions = tableCodec(tableNames.webhooks, subscriptionSchema, {
  keys: (s) => ({ partitionKey: s.partnerId, rowKey: s.id }),
  fromKeys: (keys) => ({ partnerId: keys.partitionKey, id: keys.rowKey }),
  json: ['eventTypes'],
});

const deliverySchema = z.object({
  subscriptionId: z.string(),
  id: z.string(),
  partnerId: z.string(),
  event: cloudEventSchema,
  status: z.enum(deliveryStatuses),
  attempts: z.array(attemptSchema),
  nextAttemptAt: timeSchema.optional(),
});
export type Delivery = z.infer<typeof deliverySchema>;
export type StoredDelivery = Delivery & { etag: string };

const deliveries = tableCodec(tableNames.webhookDeliveries, deliverySchema, {
  keys: (d) => ({ partitionKey: d.subscriptionId, rowKey: d.id }),
  fromKeys: (keys) => ({ subscriptionId: keys.partitionKey, id: keys.rowKey }),
  json: ['event', 'attempts'],
});

/** A delivery's id: newest first by its event's time, then the event id. */
export const deliveryId = (event: { id: string; time: string }): string =>
  newestFirstKey(Date.parse(event.time), event.id);

/** The queue message that asks for one delivery attempt. */
export const deliveryMessageSchema = z.object({
  partnerId: z.string().min(1).max(200),
  subscriptionId: z.string().min(1).max(100),
  deliveryId: z.string().min(1).max(200),
});
export type DeliveryMessage = z.infer<typeof deliveryMessageSchema>;

const subscriptionsTable = async () => (await storage()).table(tableNames.webhooks);
const deliveriesTable = async () => (await storage()).table(tableNames.webhookDeliveries);

export async function insertSubscription(s: Subscription): Promise<string> {
  return etagOf(await (await subscriptionsTable()).createEntity(subscriptions.encode(s)));
}

/** Replaces a subscription only at the version `etag` names (412 otherwise). */
export async function replaceSubscription(s: Subscription, etag: string): Promise<string> {
  return etagOf(await (await subscriptionsTable()).updateEntity(subscriptions.encode(s), 'Replace', { etag }));
}

export async function deleteSubscription(partnerId: string, id: string, etag: string): Promise<void> {
  await (await subscriptionsTable()).deleteEntity(partnerId, id, { etag });
}

export async function readSubscription(partnerId: string, id: string): Promise<StoredSubscription | undefined> {
  const entity = await readEntity(await subscriptionsTable(), partnerId, id);
  return entity && { ...subscriptions.decode(entity), etag: etagOf(entity) };
}

/** A partner's subscriptions (at most a handful: `maxSubscriptionsPerPartner`). */
export async function listSubscriptions(partnerId: string): Promise<StoredSubscription[]> {
  const out: StoredSubscription[] = [];
  for await (const entity of (await subscriptionsTable()).listEntities({
    queryOptions: { filter: odata`PartitionKey eq ${partnerId}` },
  }))
    out.push({ ...subscriptions.decode(entity), etag: etagOf(entity) });
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Records a delivery unless it is recorded already; answers the stored one either way. */
export async function recordDelivery(d: Delivery): Promise<StoredDelivery> {
  const table = await deliveriesTable();
  try {
    return { ...d, etag: etagOf(await table.createEntity(deliveries.encode(d))) };
  } catch (error) {
    if (storageStatus(error) !== 409) throw error;
    const stored = await readDelivery(d.subscriptionId, d.id);
    if (!stored) throw error;
    return stored;
  }
}

export async function readDelivery(subscriptionId: string, id: string): Promise<StoredDelivery | undefined> {
  const entity = await readEntity(await deliveriesTable(), subscriptionId, id);
  return entity && { ...deliveries.decode(entity), etag: etagOf(entity) };
}

/** Saves a delivery only at the version `etag` names (412 otherwise: another attempt got there first). */
export async function saveDelivery(d: Delivery, etag: string): Promise<string> {
  return etagOf(await (await deliveriesTable()).updateEntity(deliveries.encode(d), 'Replace', { etag }));
}

/** Deletes one delivery; gone already is fine. */
export async function deleteDelivery(subscriptionId: string, id: string): Promise<void> {
  try {
    await (await deliveriesTable()).deleteEntity(subscriptionId, id, { etag: '*' });
  } catch (error) {
    if (storageStatus(error) !== 404) throw error;
  }
}

/** Deletes every delivery of a (deleted) subscription, whatever state each is in; doing it again deletes what is left. */
export async function deleteDeliveries(subscriptionId: string): Promise<void> {
  const pages = (await deliveriesTable())
    .listEntities({ queryOptions: { filter: odata`PartitionKey eq ${subscriptionId}`, select: ['RowKey'] } })
    .byPage({ maxPageSize: 100 });
  for await (const page of pages)
    await Promise.all(
      page.map(({ rowKey }) => {
        if (rowKey === undefined) throw new Error('Table Storage returned an entity without its keys.');
        return deleteDelivery(subscriptionId, rowKey);
      }),
    );
}

export async function listDeliveries(
  subscriptionId: string,
  top: number,
  continuationToken: string | undefined,
): Promise<Page<StoredDelivery>> {
  const page = await readPage(
    await deliveriesTable(),
    { filter: odata`PartitionKey eq ${subscriptionId}` },
    top,
    continuationToken,
  );
  return {
    items: page.entities.map((e) => ({ ...deliveries.decode(e), etag: etagOf(e) })),
    continuationToken: page.continuationToken,
  };
}

/** Asks for an attempt now, or after `delaySeconds` (the message stays invisible that long: the retry back-off). */
export async function enqueueDelivery(message: DeliveryMessage, delaySeconds = 0): Promise<void> {
  await enqueue(
    (await storage()).queue(queueNames.webhookDeliveries),
    message,
    delaySeconds > 0 ? { visibilityTimeout: delaySeconds } : {},
  );
}
