import { odata, type TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { now } from '../clock.js';
import {
  contactRequestSchema,
  leadStatusSchema,
  requesterSchema,
  type ContactRequest,
  type LeadStatus,
} from '../domain/contact-requests.js';
import { auditActorSchema } from '../domain/audit.js';
import { timeSchema } from '../domain/time.js';
import { storageStatus } from './errors.js';
import type { Page } from '../domain/paging.js';
import { enqueue, storage } from './clients.js';
import { etagOf, readEntity, readPage, tableCodec } from './entities.js';
import { newestFirstRowKey } from './keys.js';
import { queueNames, rateLimitTablePrefix, tableNames } from './names.js';

/**
 * Contact requests: one entity per request (partition = id, so a request is one point read),
 * and one lead per chosen partner in the leads table (partition = partner id, row key =
 * inverted creation time + id, so a partner's leads list newest first in one partition query).
 */

/**
 * The storage operations one `POST /api/contact-requests` performs, in order; the benchmark
 * replays exactly these with the SDK to compare. Rate-limit counters run in parallel.
 */
export const contactRequestPostOperations = [
  {
    step: 'idempotency',
    table: tableNames.idempotencyKeys,
    operation: 'createEntity',
    when: 'only with an Idempotency-Key header',
  },
  {
    step: 'rate limit per email from the client address',
    table: `${rateLimitTablePrefix}<day>`,
    operation:
      'createEntity of a free slot, or updateEntity (Replace, If-Match) of one taken a window ago; in the first hour of a UTC day, a slot not yet taken that day is closed in the previous day’s table first',
  },
  {
    step: 'rate limit per client address',
    table: `${rateLimitTablePrefix}<day>`,
    operation:
      'createEntity of a free slot, or updateEntity (Replace, If-Match) of one taken a window ago; in the first hour of a UTC day, a slot not yet taken that day is closed in the previous day’s table first',
  },
  { step: 'store the request', table: tableNames.contactRequests, operation: 'createEntity' },
  { step: 'start the fan-out', queue: queueNames.contactRequestFanOut, operation: 'sendMessage' },
] as const;

const contactRequests = tableCodec(tableNames.contactRequests, contactRequestSchema, {
  keys: (request) => ({ partitionKey: request.id, rowKey: '' }),
  fromKeys: (keys) => ({ id: keys.partitionKey }),
  json: ['requester', 'consent', 'partners', 'confirmation', 'fanOutFailure'],
});

const table = async (name: (typeof tableNames)['contactRequests' | 'leads']): Promise<TableClient> =>
  (await storage()).table(name);

/** Stores a new request; false when one with this id exists already (a replayed Idempotency-Key). */
export async function createContactRequest(request: ContactRequest): Promise<boolean> {
  try {
    await (await table(tableNames.contactRequests)).createEntity(contactRequests.encode(request));
    return true;
  } catch (error) {
    if (storageStatus(error) === 409) return false;
    throw error;
  }
}

export async function readContactRequest(id: string): Promise<{ request: ContactRequest; etag: string } | undefined> {
  const e = await readEntity(await table(tableNames.contactRequests), id, '');
  return e && { request: contactRequests.decode(e), etag: etagOf(e) };
}

/** Records how far each email got; 412 from storage (someone else wrote first) is thrown for the caller to retry. */
export async function saveDeliveries(request: ContactRequest, etag: string): Promise<void> {
  const { partitionKey, rowKey, partners, confirmation } = contactRequests.encode(request);
  await (
    await table(tableNames.contactRequests)
  ).updateEntity({ partitionKey, rowKey, partners, confirmation }, 'Merge', { etag });
}

/** The fan-out gave up: say so on the request (whatever its version; this is a fact, not a state change). */
export async function recordFanOutFailure(id: string, reason: string): Promise<void> {
  const fanOutFailure = JSON.stringify({ at: now().toISOString(), reason: reason.slice(0, 1000) });
  await (
    await table(tableNames.contactRequests)
  ).updateEntity({ partitionKey: id, rowKey: '', fanOutFailure }, 'Merge', { etag: '*' });
}

export const fanOutMessageSchema = z.object({ contactRequestId: z.string().min(1).max(100) });

/** Queues the fan-out of a stored request (partner leads and emails, confirmation). */
export async function enqueueFanOut(contactRequestId: string): Promise<void> {
  await enqueue((await storage()).queue(queueNames.contactRequestFanOut), { contactRequestId } satisfies z.infer<
    typeof fanOutMessageSchema
  >);
}

// ---------------------------------------------------------------------------------------------
// Leads

/** One move of a lead's status, by a partner's staffer: what its audit event and webhook event report. */
const leadStatusChangeSchema = z.object({
  from: leadStatusSchema,
  to: leadStatusSchema,
  at: timeSchema,
  by: auditActorSchema,
});
export type LeadStatusChange = z.infer<typeof leadStatusChangeSchema>;
/** Changes a lead keeps (the latest): enough for a follow-up to find its own among later ones. */
const keptStatusChanges = 20;

const leadSchema = z.object({
  contactRequestId: z.string(),
  partnerId: z.string(),
  status: leadStatusSchema,
  createdAt: timeSchema,
  statusChangedAt: timeSchema,
  requester: requesterSchema,
  businessNeeds: z.string(),
  /** How many partners the request went to (this one included); leads filed before it was kept have none. */
  partnerCount: z.number().int().optional(),
  /** Oldest first; absent on leads no one has moved. */
  statusChanges: z.array(leadStatusChangeSchema).optional(),
});
export type Lead = z.infer<typeof leadSchema>;

/** Inverted creation time first, so a partition lists newest first; derived from the id alone. */
export const leadRowKey = (contactRequestId: string): string => newestFirstRowKey(contactRequestId);

const leads = tableCodec(tableNames.leads, leadSchema, {
  keys: (lead) => ({ partitionKey: lead.partnerId, rowKey: leadRowKey(lead.contactRequestId) }),
  fromKeys: (keys) => ({ partnerId: keys.partitionKey }),
  json: ['requester', 'statusChanges'],
});
const leadOf = (entity: Record<string, unknown>): Lead & { etag: string } => ({
  ...leads.decode(entity),
  etag: etagOf(entity),
});

/** Files the request as a new lead of `partnerId`; doing it again changes nothing. */
export async function createLead(partnerId: string, request: ContactRequest): Promise<void> {
  const entity = leads.encode({
    contactRequestId: request.id,
    partnerId,
    status: 'new',
    createdAt: request.createdAt,
    statusChangedAt: request.createdAt,
    requester: request.requester,
    businessNeeds: request.businessNeeds,
    partnerCount: request.partners.length,
  });
  try {
    await (await table(tableNames.leads)).createEntity(entity);
  } catch (error) {
    if (storageStatus(error) !== 409) throw error;
  }
}

/** A partner's leads, newest first, optionally only those in one status. */
export async function listLeads(
  partnerId: string,
  options: { status: LeadStatus | undefined; top: number; continuationToken: string | undefined },
): Promise<Page<Lead & { etag: string }>> {
  const filter = options.status
    ? odata`PartitionKey eq ${partnerId} and status eq ${options.status}`
    : odata`PartitionKey eq ${partnerId}`;
  const page = await readPage(await table(tableNames.leads), { filter }, options.top, options.continuationToken);
  return { items: page.entities.map(leadOf), continuationToken: page.continuationToken };
}

export async function readLead(
  partnerId: string,
  contactRequestId: string,
): Promise<(Lead & { etag: string }) | undefined> {
  const e = await readEntity(await table(tableNames.leads), partnerId, leadRowKey(contactRequestId));
  return e && leadOf(e);
}

/** Writes a lead's status change only over the version read (`etag`): a lost race is 412, a lead gone 404. */
export async function saveLeadStatus(
  lead: Lead,
  change: LeadStatusChange,
  etag: string,
): Promise<Lead & { etag: string }> {
  const statusChanges = [...(lead.statusChanges ?? []), change].slice(-keptStatusChanges);
  const result = await (
    await table(tableNames.leads)
  ).updateEntity(
    {
      partitionKey: lead.partnerId,
      rowKey: leadRowKey(lead.contactRequestId),
      status: change.to,
      statusChangedAt: change.at,
      statusChanges: JSON.stringify(statusChanges),
    },
    'Merge',
    { etag },
  );
  return { ...lead, status: change.to, statusChangedAt: change.at, statusChanges, etag: etagOf(result) };
}
