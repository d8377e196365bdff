import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { settings } from '../shared/config.js';
import type { FunctionDefinition } from '../shared/definitions.js';
import { clientAddress, contactRequestBodySchema, contactRequestIdSchema } from '../shared/domain/contact-requests.js';
import { getEmailStatus } from '../shared/email/status.js';
import { isBrowserFormPost, readBody, readParams } from '../shared/http/body.js';
import { refuseCrossSitePost } from '../shared/http/cross-site.js';
import { jsonWithViewEtag, notModified } from '../shared/http/etag.js';
import { httpFunction } from '../shared/http/handler.js';
import { AppError } from '../shared/http/problem.js';
import { submitContactRequest, type SubmittedContactRequest } from '../shared/services/contact-requests.js';
import { readContactRequest } from '../shared/storage/contact-requests.js';
import { readIdempotencyKey } from '../shared/storage/idempotency.js';

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

function accepted(request: HttpRequest, { request: record, replay }: SubmittedContactRequest): HttpResponseInit {
  const replayed: Record<string, string> = replay ? { 'Idempotency-Replayed': 'true' } : {};
  if (isBrowserFormPost(request)) {
    return { status: 303, headers: { Location: `${settings().publicBaseUrl}/contact/thank-you?id=${record.id}`, ...replayed } };
  }
  return {
    status: 202,
    headers: { Location: `/api/contact-requests/${record.id}`, ...replayed },
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
        202: { description: 'Stored; the partners and the requester are emailed shortly (a replayed Idempotency-Key: `Idempotency-Replayed: true`)', schema: acceptedSchema },
        303: { description: 'A browser form post: to the thank-you page' },
        400: { description: 'Invalid fields, unknown or inactive partners, a malformed Idempotency-Key' },
        403: { description: 'A browser post from another site (Origin / Sec-Fetch-Site)' },
        409: { description: '`idempotency-key-reused`: the Idempotency-Key was used with another body' },
        413: { description: 'Body over 64 KiB' },
        429: { description: 'Too many requests from this client address, or of this email from it, within an hour; see Retry-After' },
      },
    },
    handler: async (request, context) => {
      refuseCrossSitePost(request);
      const body = await readBody(request, contactRequestBodySchema);
      const idempotencyKey = readIdempotencyKey(request);
      const address = clientAddress(request.headers.get('x-forwarded-for')) ?? 'unknown';
      return accepted(request, await submitContactRequest({ body, clientAddress: address, idempotencyKey }, context));
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
      responses: { 200: { description: 'Delivery state per partner and of the confirmation', schema: statusSchema }, 304: notModified, 404: { description: 'No such request' } },
    },
    handler: async (request) => {
      const { id } = readParams(request, idParamsSchema);
      const stored = await readContactRequest(id);
      if (!stored) throw new AppError('not-found', 'There is no such contact request.');
      const { request: record } = stored;
      const body: z.infer<typeof statusSchema> = {
        id: record.id,
        createdAt: record.createdAt,
        partners: await Promise.all(
          record.partners.map(async (p) => ({ id: p.partnerId, displayName: p.partnerName, delivery: await deliveryOf(p.state, p.jobId) })),
        ),
        confirmation: { delivery: await deliveryOf(record.confirmation.state, record.confirmation.jobId) },
        ...(record.fanOutFailure ? { failure: `The emails could not be queued (${record.fanOutFailure.at}).` } : {}),
      };
      return { status: 200, ...jsonWithViewEtag(body) };
    },
  }),
];
