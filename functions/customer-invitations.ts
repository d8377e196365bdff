import type { HttpRequest, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/caller.js';
import { domainSchema, invitationAcceptanceBody } from '../shared/domain/invitations.js';
import {
  acceptancePageSchema,
  customerInvitationViewSchema,
  invitationAcceptedSchema,
  invitationDeclinedSchema,
} from '../shared/domain/views.js';
import { readBody, readOptionalBody, readParams, readQuery } from '../shared/http/body.js';
import { ifMatch, jsonWithViewEtag, notModified } from '../shared/http/etag.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';
import {
  acceptCustomerInvitation,
  customerInvitation,
  customerInvitations,
  declineCustomerInvitation,
} from '../shared/services/customer-invitations.js';
import { decisionAnswer } from '../shared/web/invitation-view.js';
import { problemPage } from '../shared/web/page.js';

/**
 * The invitations waiting for a customer's decision, seen from the customer's side: found without
 * the email and opened without its code, the tenant being the proof (shared/services/customer-invitations.ts).
 */
const routes = [
  route(
    'GET',
    'customers/{tenantId}/invitations',
    'customerAdmin',
    listCustomerInvitations,
    'customer-invitations-list',
  ),
  route(
    'GET',
    'customers/{tenantId}/invitations/{invitationId}',
    'signedIn',
    getCustomerInvitation,
    'customer-invitations-get',
  ),
  route(
    'POST',
    'customers/{tenantId}/invitations/{invitationId}/accept',
    'customerAdmin',
    acceptInvitation,
    'customer-invitations-accept',
  ),
  route(
    'POST',
    'customers/{tenantId}/invitations/{invitationId}/decline',
    'customerAdmin',
    declineInvitation,
    'customer-invitations-decline',
  ),
];

const customerParams = z.object({ tenantId: z.string() });
const invitationParams = z.object({ tenantId: z.string(), invitationId: z.string() });
const listQuery = z.object({
  domain: domainSchema
    .optional()
    .describe(
      'A domain of the organization to list invitations to, besides its tenant id and the domain of the caller’s sign-in name',
    ),
});
const notInvited =
  'Another tenant, an unknown invitation, or (domain invitation) a tenant that does not own the domain';
const domainOwnerUnknown = {
  description: 'Entra ID could not confirm which tenant owns a domain; try again after Retry-After',
};

async function listCustomerInvitations(request: HttpRequest) {
  const caller = await authenticate(request);
  const { tenantId } = readParams(request, customerParams);
  const { domain } = readQuery(request, listQuery);
  return { status: 200, jsonBody: await customerInvitations(caller, tenantId, domain) };
}

async function getCustomerInvitation(request: HttpRequest) {
  const caller = await authenticate(request);
  const { tenantId, invitationId } = readParams(request, invitationParams);
  const { page, etag } = await customerInvitation(caller, tenantId, invitationId);
  return { status: 200, ...jsonWithViewEtag(page, etag) };
}

async function acceptInvitation(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { tenantId, invitationId } = readParams(request, invitationParams);
  const body = await readBody(request, invitationAcceptanceBody);
  const accepted = await acceptCustomerInvitation({
    caller,
    tenantId,
    id: invitationId,
    agreementVersion: body.agreementVersion,
    customerName: body.customerName,
    ifMatch: ifMatch(request, false),
    invocationId: context.invocationId,
  });
  return decisionAnswer(request, invitationId, 'accepted', { status: 200, jsonBody: accepted });
}

async function declineInvitation(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { tenantId, invitationId } = readParams(request, invitationParams);
  await readOptionalBody(request, z.object({}).strict());
  const declined = await declineCustomerInvitation({
    caller,
    tenantId,
    id: invitationId,
    ifMatch: ifMatch(request, false),
    invocationId: context.invocationId,
  });
  return decisionAnswer(request, invitationId, 'declined', { status: 200, jsonBody: declined });
}

const docs = {
  'customer-invitations-list': {
    summary: 'The pending invitations addressed to the customer, newest first',
    description:
      'By its tenant id, or by a domain Entra ID says the tenant owns: the domain of the caller’s sign-in name, and `domain` when given (`404` when the tenant does not own it). Each with its partner, type, roles, expiry and `url`, the acceptance page, which opens for the invited tenant without the email’s code. `{ items }`, at most 50.',
    caller: 'a customer admin of the tenant',
    tags: ['invitations'],
    params: customerParams,
    query: listQuery,
    responses: {
      200: {
        description: 'The pending invitations',
        schema: z.object({ items: z.array(customerInvitationViewSchema) }),
      },
      403: { description: 'Not a Global or Billing administrator' },
      404: { description: 'Another tenant, or a domain the tenant does not own' },
      503: domainOwnerUnknown,
    },
  },
  'customer-invitations-get': {
    summary: 'What the acceptance page shows, opened without the email’s code',
    description:
      'The same as `GET /api/invitations/{id}?code=…`, for a user of the invited tenant (for a domain invitation, the tenant Entra ID says owns the domain); `ETag`.',
    caller: 'a user of the invited tenant',
    tags: ['invitations'],
    params: invitationParams,
    responses: {
      200: { description: 'The acceptance page data', schema: acceptancePageSchema },
      304: notModified,
      404: { description: notInvited },
      503: domainOwnerUnknown,
    },
  },
  'customer-invitations-accept': {
    summary: 'Accept the Customer Agreement and authorize the partner, without the email’s code',
    description:
      'Body `{ acceptAgreement: true, agreementVersion, customerName }` (JSON or form); otherwise as `POST /api/invitations/{id}/accept`, a browser form post included (`303` to the acceptance page).',
    caller: 'a customer admin of the invited tenant',
    tags: ['invitations'],
    formPost: true,
    params: invitationParams,
    body: invitationAcceptanceBody,
    responses: {
      200: { description: 'Accepted: the relationship', schema: invitationAcceptedSchema },
      400: { description: 'The agreement box is not ticked, or a field is invalid' },
      403: { description: 'Not a Global or Billing administrator' },
      404: { description: notInvited },
      409: { description: '`already-decided`; `agreement-version-changed`' },
      410: { description: 'Expired' },
      503: domainOwnerUnknown,
    },
  },
  'customer-invitations-decline': {
    summary: 'Decline an invitation, without the email’s code',
    description:
      'No body (or an empty form); the partner is emailed. Otherwise as `POST /api/invitations/{id}/decline`, a browser form post included.',
    caller: 'a customer admin of the invited tenant',
    tags: ['invitations'],
    formPost: true,
    params: invitationParams,
    responses: {
      200: { description: 'Declined', schema: invitationDeclinedSchema },
      403: { description: 'Not an admin' },
      404: { description: notInvited },
      409: { description: '`already-decided`' },
      410: { description: 'Expired' },
      503: domainOwnerUnknown,
    },
  },
} satisfies Record<string, RouteDoc>;

export const customerInvitationFunctions = httpFunctions(routes, docs, { errorPage: problemPage });
