import type { HttpRequest, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/caller.js';
import { createInvitationSchema, invitationAcceptanceBody, invitationStatuses } from '../shared/domain/invitations.js';
import {
  acceptancePageSchema,
  createdInvitationSchema,
  invitationAcceptedSchema,
  invitationDeclinedSchema,
  pageSchema,
  partnerInvitationViewSchema,
  sentInvitationSchema,
} from '../shared/domain/views.js';
import { readBody, readParams, readQuery } from '../shared/http/body.js';
import { ifMatch, jsonWithViewEtag, notModified, viewEtag } from '../shared/http/etag.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';
import { readIdempotencyKey } from '../shared/http/idempotency-key.js';
import { pageQuerySchema } from '../shared/domain/paging.js';
import {
  acceptedInvitation,
  declinedInvitation,
  invitePartnerCustomer,
  partnerInvitation,
  partnerInvitations,
  resendPartnerInvitation,
  revokePartnerInvitation,
} from '../shared/services/invitation-answers.js';
import { reviewInvitation } from '../shared/services/invitation-views.js';
import { formPostAnswer } from '../shared/web/forms.js';
import { decisionAnswer } from '../shared/web/invitation-view.js';
import { problemPage } from '../shared/web/page.js';

/** Invitations: partners invite customers, whose admins accept or decline them (shared/services/invitation-*.ts). */
const routes = [
  route('POST', 'partners/{partnerId}/invitations', 'partner', createInvitation, 'invitations-create'),
  route('GET', 'partners/{partnerId}/invitations', 'partner', listInvitations, 'invitations-list'),
  route('GET', 'partners/{partnerId}/invitations/{invitationId}', 'partner', getInvitation, 'invitations-get'),
  route(
    'POST',
    'partners/{partnerId}/invitations/{invitationId}/revoke',
    'partner',
    revokeInvitation,
    'invitations-revoke',
  ),
  route(
    'POST',
    'partners/{partnerId}/invitations/{invitationId}/resend',
    'partner',
    resendInvitation,
    'invitations-resend',
  ),
  route('GET', 'invitations/{invitationId}', 'signedIn', reviewCustomerInvitation, 'invitations-review'),
  route('POST', 'invitations/{invitationId}/accept', 'customerAdmin', acceptInvitation, 'invitations-accept'),
  route('POST', 'invitations/{invitationId}/decline', 'customerAdmin', declineInvitation, 'invitations-decline'),
];

const partnerParams = z.object({ partnerId: z.string() });
const invitationParams = z.object({ partnerId: z.string(), invitationId: z.string() });
const customerInvitationParams = z.object({ invitationId: z.string() });
const notInvited =
  'Unknown invitation, wrong code, another tenant, or (domain invitation) a tenant that does not own the domain';
const domainOwnerUnknown = {
  description:
    'Domain invitation: Entra ID could not confirm which tenant owns the domain; try again after Retry-After',
};

/**
 * The link carries the code, so the answer holds it only when asked: the page that shows it after
 * sending asks; other clients never get a code into their logs by accident.
 */
const createInvitationQuery = z.object({
  include: z
    .literal('invitationUrl')
    .optional()
    .describe('`invitationUrl`: answer the customer admin’s acceptance link too, to copy'),
});
const listInvitationsQuery = z.object({ status: z.enum(invitationStatuses).optional(), ...pageQuerySchema.shape });
const codeSchema = z.string().min(1).max(200);
const reviewQuery = z.object({ code: codeSchema });
/** Accepting through the email's link: its code, and what every acceptance carries. */
const acceptBody = z.object({ code: codeSchema, ...invitationAcceptanceBody.shape });
const declineBody = z.object({ code: codeSchema });

const invitationPath = (partnerId: string, id: string) =>
  `/api/partners/${encodeURIComponent(partnerId)}/invitations/${id}`;

async function createInvitation(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { partnerId } = readParams(request, partnerParams);
  const idempotencyKey = readIdempotencyKey(request);
  const { include } = readQuery(request, createInvitationQuery);
  const body = await readBody(request, createInvitationSchema);
  const { view, etag, invitationUrl, replay } = await invitePartnerCustomer({
    caller,
    partnerId,
    request: body,
    idempotencyKey,
    invocationId: context.invocationId,
  });
  return {
    status: 201,
    // The ETag is the view's, as a GET shows it: the link is no part of the invitation's state.
    headers: {
      Location: invitationPath(view.partnerId, view.id),
      ETag: viewEtag(view, etag),
      ...(replay ? { 'Idempotency-Replayed': 'true' } : {}),
    },
    jsonBody: include === 'invitationUrl' ? { ...view, invitationUrl } : view,
  };
}

async function listInvitations(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId } = readParams(request, partnerParams);
  const query = readQuery(request, listInvitationsQuery);
  return { status: 200, jsonBody: await partnerInvitations(caller, partnerId, query) };
}

async function getInvitation(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId, invitationId } = readParams(request, invitationParams);
  const { view, etag } = await partnerInvitation(caller, partnerId, invitationId);
  return { status: 200, ...jsonWithViewEtag(view, etag) };
}

async function revokeInvitation(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { partnerId, invitationId } = readParams(request, invitationParams);
  const { view, etag } = await revokePartnerInvitation(
    caller,
    partnerId,
    invitationId,
    ifMatch(request, false),
    context.invocationId,
  );
  // The Invitations page's Revoke without JavaScript (its confirmation posts here) goes back to that page.
  return formPostAnswer(request, `/partner/invitations?partner=${encodeURIComponent(partnerId)}`, 'revoked', {
    status: 200,
    ...jsonWithViewEtag(view, etag),
  });
}

async function resendInvitation(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { partnerId, invitationId } = readParams(request, invitationParams);
  const { view, etag, invitationUrl } = await resendPartnerInvitation(
    caller,
    partnerId,
    invitationId,
    ifMatch(request, false),
    context.invocationId,
  );
  return { status: 200, headers: { ETag: viewEtag(view, etag) }, jsonBody: { ...view, invitationUrl } };
}

async function reviewCustomerInvitation(request: HttpRequest) {
  const caller = await authenticate(request);
  const { invitationId } = readParams(request, customerInvitationParams);
  const { code } = readQuery(request, reviewQuery);
  const { page, etag } = await reviewInvitation(caller, invitationId, code);
  return { status: 200, ...jsonWithViewEtag(page, etag) };
}

async function acceptInvitation(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { invitationId } = readParams(request, customerInvitationParams);
  const body = await readBody(request, acceptBody);
  const accepted = await acceptedInvitation({
    caller,
    id: invitationId,
    code: body.code,
    agreementVersion: body.agreementVersion,
    customerName: body.customerName,
    ifMatch: ifMatch(request, false),
    invocationId: context.invocationId,
  });
  return decisionAnswer(request, invitationId, 'accepted', { status: 200, jsonBody: accepted });
}

async function declineInvitation(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { invitationId } = readParams(request, customerInvitationParams);
  const body = await readBody(request, declineBody);
  const declined = await declinedInvitation({
    caller,
    id: invitationId,
    code: body.code,
    ifMatch: ifMatch(request, false),
    invocationId: context.invocationId,
  });
  return decisionAnswer(request, invitationId, 'declined', { status: 200, jsonBody: declined });
}

const docs = {
  'invitations-create': {
    summary: 'Invite a customer to a relationship',
    description:
      "`201` + `Location`, `ETag`; with `include=invitationUrl` the answer's `invitationUrl` is the customer admin's acceptance link, to copy and pass on: shown only in this answer (only the code's hash is stored; an Idempotency-Key replay answers null, send again for a new one). Never the partner's own tenant (`400` naming `customerTenantId`). `Idempotency-Key` header: a retry returns the same invitation (`Idempotency-Replayed: true`); the same key with another body is `409` `idempotency-key-reused`.",
    tags: ['invitations'],
    params: partnerParams,
    query: createInvitationQuery,
    body: createInvitationSchema,
    responses: {
      201: {
        description:
          'The invitation (with `include=invitationUrl`, the customer’s link to copy); its email is queued to the customer admin.',
        schema: createdInvitationSchema,
      },
      400: { description: 'Invalid fields, or roles/duration the type does not allow.' },
      404: { description: 'No such partner for this caller.' },
      409: {
        description:
          '`idempotency-key-reused`: the Idempotency-Key was used with another body; `conflict`: the partner is inactive',
      },
    },
  },
  'invitations-list': {
    summary: 'List the partner’s invitations, newest first, optionally by status',
    description: '`status` = `pending`, `accepted`, `declined`, `revoked` or `expired`.',
    tags: ['invitations'],
    params: partnerParams,
    query: listInvitationsQuery,
    responses: { 200: { description: 'A page of invitations', schema: pageSchema(partnerInvitationViewSchema) } },
  },
  'invitations-get': {
    summary: 'One of the partner’s invitations',
    description: 'With its `ETag`.',
    tags: ['invitations'],
    params: invitationParams,
    responses: {
      200: { description: 'The invitation', schema: partnerInvitationViewSchema },
      304: notModified,
      404: { description: 'No such invitation' },
    },
  },
  'invitations-revoke': {
    summary: 'Revoke a pending invitation',
    description:
      "`409` `already-decided` if decided, `410` if expired; `If-Match` optional (`ETag`); shown in the invited customer's audit log. A form post with `Accept: text/html` (the Invitations page's confirmation, signed in by the session cookie) gets `303` to `{PUBLIC_BASE_URL}/partner/invitations?partner={partnerId}&result=revoked`.",
    tags: ['invitations'],
    params: invitationParams,
    formPost: true,
    responses: {
      200: { description: 'The revoked invitation', schema: partnerInvitationViewSchema },
      409: { description: '`already-decided`: already accepted, declined or revoked' },
      410: { description: 'Expired' },
    },
  },
  'invitations-resend': {
    summary: 'Send a pending invitation again',
    description:
      "A new code and a new email to the customer admin; the old link is refused from then on (404). `200` with the new `invitationUrl` to copy and the `ETag`; `If-Match` optional (`412`); `409` `already-decided` if decided (or at the same moment), `410` if expired. In the partner's audit log (and the customer's, for a tenant invitation).",
    tags: ['invitations'],
    params: invitationParams,
    responses: {
      200: { description: 'The invitation with its new link', schema: sentInvitationSchema },
      404: { description: 'No such invitation' },
      409: { description: '`already-decided`: already accepted, declined or revoked' },
      410: { description: 'Expired' },
      412: { description: 'If-Match mismatch' },
    },
  },
  'invitations-review': {
    summary: 'What the acceptance page shows',
    description:
      'Partner profile, type and what it lets the partner do, each role (name, description), Customer Agreement URL and version, expiry, status, `canDecide`.',
    caller: 'a user of the invited tenant',
    tags: ['invitations'],
    params: customerInvitationParams,
    query: reviewQuery,
    responses: {
      200: { description: 'The acceptance page data', schema: acceptancePageSchema },
      304: notModified,
      404: { description: notInvited },
      503: domainOwnerUnknown,
    },
  },
  'invitations-accept': {
    summary: 'Accept the Customer Agreement and authorize the partner',
    description:
      "Body `{ code, acceptAgreement: true, agreementVersion, customerName }` (JSON or form; `customerName`, the organization's name as the admin confirms it, is shown to the partner next to the tenant id). `200 { invitationId, status, relationship }`; a form post with `Accept: text/html` gets `303` to `{PUBLIC_BASE_URL}/invitations/{id}?result=accepted`. `409` `already-decided` or `agreement-version-changed`; `403` from the partner's own tenant.",
    caller: 'a customer admin of the invited tenant',
    tags: ['invitations'],
    params: customerInvitationParams,
    body: acceptBody,
    formPost: true,
    responses: {
      200: { description: 'Accepted: the relationship', schema: invitationAcceptedSchema },
      400: { description: 'The agreement box is not ticked, or a field is missing' },
      403: { description: 'Not a Global or Billing administrator' },
      404: { description: notInvited },
      409: {
        description:
          '`already-decided`: already decided (or by another request at the same moment); `agreement-version-changed`: not the current agreement version',
      },
      410: { description: 'Expired' },
      503: domainOwnerUnknown,
    },
  },
  'invitations-decline': {
    summary: 'Decline an invitation',
    description: 'Body `{ code }`; the partner is emailed.',
    caller: 'a customer admin of the invited tenant',
    tags: ['invitations'],
    params: customerInvitationParams,
    body: declineBody,
    formPost: true,
    responses: {
      200: { description: 'Declined', schema: invitationDeclinedSchema },
      403: { description: 'Not an admin' },
      404: { description: notInvited },
      409: { description: '`already-decided`: already decided' },
      410: { description: 'Expired' },
      503: domainOwnerUnknown,
    },
  },
} satisfies Record<string, RouteDoc>;

export const invitationFunctions = httpFunctions(routes, docs, { errorPage: problemPage });
