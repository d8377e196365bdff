import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { settings } from '../shared/config.js';
import type { FunctionDefinition } from '../shared/definitions.js';
import {
  clientAddress,
  confirmationEmailJobId,
  contactRequestBodySchema,
  contactRequestIdSchema,
  contactRequestLimits,
  newContactRequestId,
  partnerEmailJobId,
  type ContactRequest,
  type ContactRequestBody,
} from '../shared/domain/contact-requests.js';
import { getEmailStatus } from '../shared/email/status.js';
import { isBrowserFormPost, readBody, readParams } from '../shared/http/body.js';
import { httpFunction } from '../shared/http/handler.js';
import { AppError, type FieldError } from '../shared/http/problem.js';
import { createContactRequest, enqueueFanOut, readContactRequest } from '../shared/storage/contact-requests.js';
import { directoryIndex } from '../shared/storage/directory.js';
import { findIdempotencyKey, readIdempotencyKey, requestFingerprint, reserveIdempotencyKey } from '../shared/storage/idempotency.js';
import { checkRateLimit, consumeRateLimit, type RateLimitDecision } from '../shared/storage/rate-limit.js';

const acceptedSchema = z.object({
  id: z.string(),
  partners: z.array(z.object({ id: z.string(), displayName: z.string() })),
});

/** A recipient's email: `pending` until queued, then as the email queue function reports it. */
const deliverySchema = z.enum(['pending', 'queued', 'sending', 'sent', 'failed']);
const statusSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  partners: z.array(z.object({ id: z.string(), displayName: z.string(), delivery: deliverySchema })),
  confirmation: z.object({ delivery: deliverySchema }),
  /** Present when sending kept failing and was given up. */
  failure: z.string().optional(),
});

const idParamsSchema = z.object({ id: contactRequestIdSchema });

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

/**
 * Per requester email and per client address. Both limits are checked before either counts, so a
 * refused request moves no counter; only a request that goes on to be stored is counted.
 */
async function enforceRateLimits(request: HttpRequest, body: ContactRequestBody, context: InvocationContext): Promise<void> {
  const address = clientAddress(request.headers.get('x-forwarded-for')) ?? 'unknown';
  const limits = [
    { which: 'email', scope: 'contact-request-email', key: body.email, limit: contactRequestLimits.perEmail },
    { which: 'client address', scope: 'contact-request-address', key: address, limit: contactRequestLimits.perClientAddress },
  ];
  const refuse = (decisions: RateLimitDecision[]) => {
    const refused = decisions.flatMap((d, i) => (d.allowed ? [] : [{ which: limits[i]!.which, retryAfter: d.retryAfterSeconds }]));
    if (refused.length === 0) return;
    context.warn(`contact request refused: too many from this ${refused.map((r) => r.which).join(' and ')}`);
    const retryAfter = Math.max(...refused.map((r) => r.retryAfter));
    throw new AppError('rate-limited', 'Too many contact requests were sent from here recently. Try again later.', { headers: { 'Retry-After': String(retryAfter) } });
  };
  refuse(await Promise.all(limits.map((l) => checkRateLimit(l.scope, l.key, l.limit))));
  // A concurrent request may take the last slot between check and count: then this one is refused too.
  refuse(await Promise.all(limits.map((l) => consumeRateLimit(l.scope, l.key, l.limit))));
}

function newRecord(id: string, body: ContactRequestBody, partners: { id: string; displayName: string }[]): ContactRequest {
  const createdAt = new Date().toISOString();
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
    partners: partners.map((p) => ({ partnerId: p.id, partnerName: p.displayName, jobId: partnerEmailJobId(id, p.id), state: 'pending' })),
    confirmation: { jobId: confirmationEmailJobId(id), state: 'pending' },
  };
}

function accepted(request: HttpRequest, record: ContactRequest): HttpResponseInit {
  if (isBrowserFormPost(request)) {
    return { status: 303, headers: { Location: `${settings().publicBaseUrl}/contact/thank-you?id=${record.id}` } };
  }
  return {
    status: 202,
    headers: { Location: `/api/contact-requests/${record.id}` },
    jsonBody: { id: record.id, partners: record.partners.map((p) => ({ id: p.partnerId, displayName: p.partnerName })) } satisfies z.infer<typeof acceptedSchema>,
  };
}

async function deliveryOf(state: 'pending' | 'queued', jobId: string): Promise<z.infer<typeof deliverySchema>> {
  if (state === 'pending') return 'pending';
  return (await getEmailStatus(jobId))?.status ?? 'queued';
}

export const contactRequestFunctions: FunctionDefinition[] = [
  httpFunction({
    name: 'contact-requests-create',
    route: 'contact-requests',
    methods: ['POST'],
    doc: {
      summary: 'Send a contact request to one to five partners (JSON or form post; Idempotency-Key supported)',
      tags: ['Contact requests'],
      audience: 'anyone',
      body: contactRequestBodySchema,
      formPost: true,
      responses: {
        202: { description: 'Stored; the partners and the requester are emailed shortly', schema: acceptedSchema },
        303: { description: 'A browser form post: to the thank-you page' },
        400: { description: 'Invalid fields, unknown or inactive partners' },
        409: { description: 'The Idempotency-Key was used with another body' },
        413: { description: 'Body over 64 KiB' },
        429: { description: 'Too many requests from this email or client address; see Retry-After' },
      },
    },
    handler: async (request, context) => {
      const body = await readBody(request, contactRequestBodySchema);
      // Bots fill every field; people never see this one. Say nothing about why.
      if (body.website) throw new AppError('validation', 'The request could not be accepted.');
      const partners = await chosenPartners(body.partnerIds);

      let id = newContactRequestId();
      const idempotencyKey = readIdempotencyKey(request);
      const fingerprint = requestFingerprint(body);
      /** The answer to a retry of a request that was stored (no rate limit: it is the same request). */
      const replay = async (earlierId: string): Promise<HttpResponseInit | undefined> => {
        const earlier = await readContactRequest(earlierId);
        if (!earlier) return undefined;
        // The fan-out may not have been queued if the first try failed after storing; it is idempotent, so queue it again.
        if (earlier.request.partners.some((p) => p.state === 'pending') || earlier.request.confirmation.state === 'pending') await enqueueFanOut(earlierId);
        return accepted(request, earlier.request);
      };
      if (idempotencyKey !== undefined) {
        // Looked up before the rate limits and reserved only after them: a refused request leaves no claim behind.
        const earlierId = await findIdempotencyKey('contact-requests', idempotencyKey, fingerprint);
        const answer = earlierId === undefined ? undefined : await replay(earlierId);
        if (answer) return answer;
      }
      await enforceRateLimits(request, body, context);
      if (idempotencyKey !== undefined) {
        const reserved = await reserveIdempotencyKey('contact-requests', idempotencyKey, fingerprint, id);
        id = reserved.id;
        const answer = reserved.replay ? await replay(id) : undefined;
        if (answer) return answer;
      }
      const record = newRecord(id, body, partners);
      if (!(await createContactRequest(record))) {
        // The same Idempotency-Key raced us: the other request stored it first.
        const stored = await readContactRequest(id);
        if (!stored) throw new Error(`contact request ${id} exists and cannot be read`);
        return accepted(request, stored.request);
      }
      await enqueueFanOut(id);
      context.log(`contact request ${id} stored for ${partners.length} partner(s)`);
      return accepted(request, record);
    },
  }),
  httpFunction({
    name: 'contact-requests-get',
    route: 'contact-requests/{id}',
    methods: ['GET'],
    doc: {
      summary: 'Where a contact request stands: which partners, and whether their emails went out (no personal details)',
      tags: ['Contact requests'],
      audience: 'anyone',
      params: idParamsSchema,
      responses: { 200: { description: 'Delivery state per partner and of the confirmation', schema: statusSchema }, 404: { description: 'No such request' } },
    },
    handler: async (request) => {
      const { id } = readParams(request, idParamsSchema);
      const stored = await readContactRequest(id);
      if (!stored) throw new AppError('not-found', 'There is no such contact request.');
      const { request: record } = stored;
      return {
        status: 200,
        jsonBody: {
          id: record.id,
          createdAt: record.createdAt,
          partners: await Promise.all(
            record.partners.map(async (p) => ({ id: p.partnerId, displayName: p.partnerName, delivery: await deliveryOf(p.state, p.jobId) })),
          ),
          confirmation: { delivery: await deliveryOf(record.confirmation.state, record.confirmation.jobId) },
          ...(record.fanOutFailure ? { failure: `The emails could not be queued (${record.fanOutFailure.at}).` } : {}),
        } satisfies z.infer<typeof statusSchema>,
      };
    },
  }),
];
