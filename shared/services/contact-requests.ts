import type { InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { now } from '../clock.js';
import {
  confirmationEmailJobId,
  contactRequestRateLimits,
  newContactRequestId,
  partnerEmailJobId,
  type ContactRequest,
  type acceptedContactRequestSchema,
  type ContactRequestBody,
  type contactRequestStatusSchema,
  type deliverySchema,
} from '../domain/contact-requests.js';
import { getEmailStatus } from '../email/status.js';
import { AppError, type FieldError } from '../errors.js';
import { createContactRequest, enqueueFanOut, readContactRequest } from '../storage/contact-requests.js';
import { directoryIndex } from '../storage/directory.js';
import { consumeRateLimits } from '../storage/rate-limit.js';
import { idempotentCreate } from './idempotent-create.js';

export interface ContactRequestSubmission {
  body: ContactRequestBody;
  /** The client address as the platform gave it (`clientAddress`), or `unknown`. */
  clientAddress: string;
  idempotencyKey: string | undefined;
}

/** The stored request, and whether it was stored by an earlier try with the same Idempotency-Key. */
export interface SubmittedContactRequest {
  request: ContactRequest;
  replay: boolean;
}

type Log = Pick<InvocationContext, 'log' | 'warn'>;

/** The chosen partners as the directory knows them now: all must be active. */
async function chosenPartners(ids: string[]): Promise<{ id: string; displayName: string }[]> {
  const index = await directoryIndex();
  const errors: FieldError[] = [];
  const partners = ids.flatMap((id, i) => {
    const entry = index.get(id);
    if (!entry) errors.push({ path: `partnerIds.${i}`, message: 'is not an active partner in the directory' });
    return entry ? [{ id: entry.id, displayName: entry.displayName }] : [];
  });
  if (errors.length > 0) throw new AppError('validation', 'Choose partners from the directory.', { errors });
  return partners;
}

/** Counts the request against its limits (all or none), or refuses it with 429 and the longest Retry-After. */
async function enforceRateLimits(email: string, address: string, log: Log): Promise<void> {
  const decisions = await consumeRateLimits(contactRequestRateLimits(email, address));
  const refused = decisions.flatMap(({ key, decision }) =>
    decision.allowed ? [] : [{ which: key.which, retryAfter: decision.retryAfterSeconds }],
  );
  if (refused.length === 0) return;
  log.warn(`contact request refused: too many from this ${refused.map((r) => r.which).join(' and ')}`);
  const retryAfter = Math.max(...refused.map((r) => r.retryAfter));
  throw new AppError('rate-limited', 'Too many contact requests were sent from here recently. Try again later.', {
    headers: { 'Retry-After': String(retryAfter) },
  });
}

/** The request as stored, before its fan-out (exported for the bench's floor, which stores the same). */
export function newRecord(
  id: string,
  body: ContactRequestBody,
  partners: { id: string; displayName: string }[],
): ContactRequest {
  const createdAt = now().toISOString();
  return {
    id,
    createdAt,
    requester: {
      name: body.name,
      email: body.email,
      ...(body.phone ? { phone: body.phone } : {}),
      company: body.company,
      country: body.country,
      organizationSize: body.organizationSize,
      ...(body.industry ? { industry: body.industry } : {}),
    },
    businessNeeds: body.businessNeeds,
    consent: { contact: true, shareDetails: true, givenAt: createdAt },
    partners: partners.map((p) => ({
      partnerId: p.id,
      partnerName: p.displayName,
      jobId: partnerEmailJobId(id, p.id),
      state: 'pending',
    })),
    confirmation: { jobId: confirmationEmailJobId(id), state: 'pending' },
  };
}

/**
 * A retry of a request that was stored: its fan-out may not have been queued if the first try failed after storing; it
 * is idempotent, so queue it again.
 */
async function completeFanOut(earlier: ContactRequest): Promise<ContactRequest> {
  if (earlier.partners.some((p) => p.state === 'pending') || earlier.confirmation.state === 'pending')
    await enqueueFanOut(earlier.id);
  return earlier;
}

/**
 * Stores a contact request to its partners and queues its fan-out, within the rate limits (a
 * retry with the same Idempotency-Key and body is the same request, so no limit counts it again).
 */
export async function submitContactRequest(
  { body, clientAddress, idempotencyKey }: ContactRequestSubmission,
  log: Log,
): Promise<SubmittedContactRequest> {
  // Bots fill every field; people never see this one. Say nothing about why.
  if (body.website) throw new AppError('validation', 'The request could not be accepted.');
  const partners = await chosenPartners(body.partnerIds);
  const { value: request, replay } = await idempotentCreate({
    scope: 'contact-requests',
    idempotencyKey,
    body,
    newId: () => newContactRequestId(now().getTime()),
    read: async (id) => (await readContactRequest(id))?.request,
    complete: completeFanOut,
    admit: () => enforceRateLimits(body.email, clientAddress, log),
    create: async (id) => {
      const record = newRecord(id, body, partners);
      if (!(await createContactRequest(record))) return undefined;
      await enqueueFanOut(id);
      log.log(`contact request ${id} stored for ${partners.length} partner(s)`);
      return record;
    },
  });
  return { request, replay };
}

type AcceptedContactRequest = z.infer<typeof acceptedContactRequestSchema>;
type ContactRequestStatus = z.infer<typeof contactRequestStatusSchema>;

/** What the requester is told about a stored request: its id and partners. */
export const acceptedView = (request: ContactRequest): AcceptedContactRequest => ({
  id: request.id,
  partners: request.partners.map((p) => ({ id: p.partnerId, displayName: p.partnerName })),
});

const noSuchRequest = () => new AppError('not-found', 'There is no such contact request.');

/** A stored request as the requester sees it (the thank-you page); its id is unguessable. */
export async function acceptedContactRequest(id: string): Promise<AcceptedContactRequest> {
  const stored = await readContactRequest(id);
  if (!stored) throw noSuchRequest();
  return acceptedView(stored.request);
}

async function deliveryOf(state: 'pending' | 'queued', jobId: string): Promise<z.infer<typeof deliverySchema>> {
  if (state === 'pending') return 'pending';
  return (await getEmailStatus(jobId))?.status ?? 'queued';
}

/** Where a request stands: which partners, and whether each email went out; no personal details. */
export async function contactRequestStatus(id: string): Promise<ContactRequestStatus> {
  const stored = await readContactRequest(id);
  if (!stored) throw noSuchRequest();
  const { request: record } = stored;
  return {
    id: record.id,
    createdAt: record.createdAt,
    partners: await Promise.all(
      record.partners.map(async (p) => ({
        id: p.partnerId,
        displayName: p.partnerName,
        delivery: await deliveryOf(p.state, p.jobId),
      })),
    ),
    confirmation: { delivery: await deliveryOf(record.confirmation.state, record.confirmation.jobId) },
    ...(record.fanOutFailure ? { failure: `The emails could not be queued (${record.fanOutFailure.at}).` } : {}),
  };
}
