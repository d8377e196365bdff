import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import {
  acceptedContactRequestSchema,
  clientAddress,
  contactRequestBodySchema,
  contactRequestIdSchema,
  contactRequestStatusSchema,
} from '../shared/domain/contact-requests.js';
import { readBody, readEnteredFields, readParams } from '../shared/http/body.js';
import { refuseCrossSitePost } from '../shared/http/cross-site.js';
import { jsonWithViewEtag, notModified } from '../shared/http/etag.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';
import { readIdempotencyKey } from '../shared/http/idempotency-key.js';
import { acceptedView, contactRequestStatus, submitContactRequest } from '../shared/services/contact-requests.js';
import { partnerIdSchema } from '../shared/domain/directory.js';
import type { FieldError } from '../shared/errors.js';
import { chosenPartnerProfiles } from '../shared/services/directory.js';
import { contactFormPage, rateLimitedMessage } from '../shared/web/contact-view.js';
import { formPostAnswer } from '../shared/web/forms.js';
import { pageResponse, problemPage } from '../shared/web/page.js';

/** Contact requests from the directory's web form (shared/services/contact-requests.ts). */
const routes = [
  route('POST', 'contact-requests', 'anyone', createContactRequest, 'contact-requests-create'),
  route('GET', 'contact-requests/{id}', 'anyone', getContactRequest, 'contact-requests-get'),
];

const idParamsSchema = z.object({ id: contactRequestIdSchema });

async function createContactRequest(request: HttpRequest, context: InvocationContext) {
  refuseCrossSitePost(request);
  const body = await readBody(request, contactRequestBodySchema);
  const idempotencyKey = readIdempotencyKey(request);
  const address = clientAddress(request.headers.get('x-forwarded-for')) ?? 'unknown';
  const submitted = await submitContactRequest({ body, clientAddress: address, idempotencyKey }, context);
  const accepted = acceptedView(submitted.request);
  const replayed: Record<string, string> = submitted.replay ? { 'Idempotency-Replayed': 'true' } : {};
  const answer = formPostAnswer(request, `/contact/thank-you?id=${accepted.id}`, 'sent', {
    status: 202,
    headers: { Location: `/api/contact-requests/${accepted.id}` },
    jsonBody: accepted,
  });
  return { ...answer, headers: { ...(answer.headers as Record<string, string>), ...replayed } };
}

/**
 * A browser's refused contact form: the form again with what was entered, with a sentence at each
 * refused field, or the rate limit's own message; any other problem as the error page.
 */
async function contactFormProblem(problem: HttpResponseInit, request: HttpRequest): Promise<HttpResponseInit> {
  const { errors = [] } = problem.jsonBody as { errors?: FieldError[] };
  const headers = (problem.headers ?? {}) as Record<string, string>;
  const rateLimited = problem.status === 429;
  if (!rateLimited && !(problem.status === 400 && errors.length > 0)) return problemPage(problem, request);
  const entered = await readEnteredFields(request);
  const ids = [entered.partnerIds ?? []].flat().filter((id) => partnerIdSchema.safeParse(id).success);
  const partners = await chosenPartnerProfiles(ids).catch(() => []);
  if (partners.length === 0) return problemPage(problem, request);
  const search = new URLSearchParams(partners.map((p): [string, string] => ['partnerIds', p.id]));
  for (const [name, field] of [
    ['country', 'country'],
    ['size', 'organizationSize'],
  ] as const) {
    const value = entered[field];
    if (typeof value === 'string' && value) search.set(name, value);
  }
  const page = pageResponse(
    problem.status ?? 400,
    contactFormPage({
      partners,
      values: entered,
      errors: rateLimited ? [] : errors,
      ...(rateLimited ? { message: rateLimitedMessage(Number(headers['Retry-After'] ?? '3600')) } : {}),
      changeSelection: `/?${search}`,
    }),
  );
  const { 'Content-Type': _, ...problemHeaders } = headers;
  return { ...page, headers: { ...problemHeaders, ...(page.headers as Record<string, string>) } };
}

async function getContactRequest(request: HttpRequest) {
  const { id } = readParams(request, idParamsSchema);
  return { status: 200, ...jsonWithViewEtag(await contactRequestStatus(id)) };
}

const docs = {
  'contact-requests-create': {
    summary: 'Send a contact request to one to five partners',
    description:
      'JSON or form post; `202 {id, partners}` + `Location`, or `303` to `/contact/thank-you?id=…&result=sent` for a browser form (`Accept: text/html`), which when refused gets the contact form again as HTML with what was entered and a sentence per field (or the rate limit’s message); `Idempotency-Key` supported (a retry answers the same request, `Idempotency-Replayed: true`); a browser post from another site is `403`; `429` with `Retry-After` beyond the rate limits.',
    tags: ['Contact requests'],
    body: contactRequestBodySchema,
    formPost: true,
    responses: {
      202: {
        description:
          'Stored; the partners and the requester are emailed shortly (a replayed Idempotency-Key: `Idempotency-Replayed: true`)',
        schema: acceptedContactRequestSchema,
      },
      303: { description: 'A browser form post: to the thank-you page' },
      400: { description: 'Invalid fields, unknown or inactive partners, a malformed Idempotency-Key' },
      403: { description: 'A browser post from another site (Origin / Sec-Fetch-Site)' },
      409: { description: '`idempotency-key-reused`: the Idempotency-Key was used with another body' },
      413: { description: 'Body over 64 KiB' },
      429: {
        description:
          'Too many requests from this client address, or of this email from it, within an hour; see Retry-After',
      },
    },
  },
  'contact-requests-get': {
    summary: 'Where a contact request stands',
    description:
      'Which partners, and whether each email was `pending`, `queued`, `sending`, `sent` or `failed`; no personal details; `ETag` (of the answer: it changes as emails go out).',
    caller: 'anyone (the id is unguessable)',
    tags: ['Contact requests'],
    params: idParamsSchema,
    responses: {
      200: { description: 'Delivery state per partner and of the confirmation', schema: contactRequestStatusSchema },
      304: notModified,
      404: { description: 'No such request' },
    },
  },
} satisfies Record<string, RouteDoc>;

export const contactRequestFunctions = httpFunctions(routes, docs, { errorPage: contactFormProblem });
