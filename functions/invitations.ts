import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/caller.js';
import { requirePartnerStaff } from '../shared/auth/partner-staff.js';
import { now } from '../shared/clock.js';
import { settings } from '../shared/config.js';
import type { FunctionDefinition } from '../shared/definitions.js';
import { acceptancePageSchema, pageSchema, partnerInvitationViewSchema, relationshipViewSchema } from '../shared/domain/views.js';
import { createInvitationSchema, invitationStatuses } from '../shared/domain/invitations.js';
import { isBrowserFormPost, readBody, readParams, readQuery } from '../shared/http/body.js';
import { ifMatch, jsonWithViewEtag, notModified, viewEtag } from '../shared/http/etag.js';
import { httpFunction } from '../shared/http/handler.js';
import { pageQuerySchema } from '../shared/http/paging.js';
import { createInvitation } from '../shared/services/invitation-create.js';
import { acceptInvitation, declineInvitation, revokeInvitation } from '../shared/services/invitation-decide.js';
import { getPartnerInvitation, listPartnerInvitations, reviewInvitation } from '../shared/services/invitation-views.js';
import { relationshipView } from '../shared/services/relationships.js';
import { readIdempotencyKey } from '../shared/storage/idempotency.js';
import { acceptAgreementBody } from './agreements.js';

const partnerParams = z.object({ partnerId: z.string() });
const invitationParams = z.object({ partnerId: z.string(), invitationId: z.string() });
const customerInvitationParams = z.object({ invitationId: z.string() });
const notInvited = 'Unknown invitation, wrong code, another tenant, or (domain invitation) a tenant that does not own the domain';
const domainOwnerUnknown = { description: 'Domain invitation: Entra ID could not confirm which tenant owns the domain; try again after Retry-After' };

export const listInvitationsQuery = z.object({ status: z.enum(invitationStatuses).optional(), ...pageQuerySchema.shape });
const codeSchema = z.string().min(1).max(200);
export const reviewQuery = z.object({ code: codeSchema });
/** Accepting an invitation accepts the Customer Agreement: the same fields as accepting it on its own. */
export const acceptBody = z.object({ code: codeSchema, ...acceptAgreementBody.shape });
export const declineBody = z.object({ code: codeSchema });

const acceptedSchema = z.object({ invitationId: z.string(), status: z.literal('accepted'), relationship: relationshipViewSchema });
const declinedSchema = z.object({ invitationId: z.string(), status: z.literal('declined') });

const invitationUrl = (partnerId: string, id: string) => `/api/partners/${encodeURIComponent(partnerId)}/invitations/${id}`;

/** Browser form posts get a page back (303) rather than JSON. */
function formAnswer(request: HttpRequest, id: string, result: string, json: HttpResponseInit): HttpResponseInit {
  if (isBrowserFormPost(request)) return { status: 303, headers: { Location: `${settings().publicBaseUrl}/invitations/${id}?result=${result}` } };
  return json;
}

async function partnerInvitationRequest(request: HttpRequest) {
  const { partnerId, invitationId } = readParams(request, invitationParams);
  const caller = await authenticate(request);
  const partner = await requirePartnerStaff(caller, partnerId);
  return { caller, partnerId: partner.partnerId, id: invitationId };
}

export const invitationFunctions: FunctionDefinition[] = [
  httpFunction({
    name: 'invitations-create',
    route: 'partners/{partnerId}/invitations',
    methods: ['POST'],
    doc: {
      summary: 'Invite a customer to a relationship (partner staff). Idempotency-Key makes retries return the same invitation.',
      tags: ['invitations'],
      audience: 'partner',
      params: partnerParams,
      body: createInvitationSchema,
      responses: {
        201: { description: 'The invitation; its email is queued to the customer admin.', schema: partnerInvitationViewSchema },
        400: { description: 'Invalid fields, or roles/duration the type does not allow.' },
        404: { description: 'No such partner for this caller.' },
        409: { description: '`idempotency-key-reused`: the Idempotency-Key was used with another body; `conflict`: the partner is inactive' },
      },
    },
    handler: async (request, context) => {
      const { partnerId } = readParams(request, partnerParams);
      const caller = await authenticate(request);
      const partner = await requirePartnerStaff(caller, partnerId);
      const idempotencyKey = readIdempotencyKey(request);
      const body = await readBody(request, createInvitationSchema);
      const { invitation, etag, replay } = await createInvitation({ partner, caller, request: body, idempotencyKey, invocationId: context.invocationId });
      return {
        status: 201,
        headers: { Location: invitationUrl(partner.partnerId, invitation.id), ETag: viewEtag(invitation, etag), ...(replay ? { 'Idempotency-Replayed': 'true' } : {}) },
        jsonBody: invitation,
      };
    },
  }),
  httpFunction({
    name: 'invitations-list',
    route: 'partners/{partnerId}/invitations',
    methods: ['GET'],
    doc: {
      summary: 'List the partner’s invitations, newest first, optionally by status (partner staff).',
      tags: ['invitations'],
      audience: 'partner',
      params: partnerParams,
      query: listInvitationsQuery,
      responses: { 200: { description: 'A page of invitations', schema: pageSchema(partnerInvitationViewSchema) } },
    },
    handler: async (request) => {
      const { partnerId } = readParams(request, partnerParams);
      const caller = await authenticate(request);
      const partner = await requirePartnerStaff(caller, partnerId);
      const query = readQuery(request, listInvitationsQuery);
      const page = await listPartnerInvitations(partner.partnerId, { status: query.status, top: query.top, continuationToken: query.continuationToken });
      return { status: 200, jsonBody: page };
    },
  }),
  httpFunction({
    name: 'invitations-get',
    route: 'partners/{partnerId}/invitations/{invitationId}',
    methods: ['GET'],
    doc: { summary: 'One of the partner’s invitations (partner staff).', tags: ['invitations'], audience: 'partner', params: invitationParams, responses: { 200: { description: 'The invitation', schema: partnerInvitationViewSchema }, 304: notModified, 404: { description: 'No such invitation' } } },
    handler: async (request) => {
      const { partnerId, id } = await partnerInvitationRequest(request);
      const { invitation, etag } = await getPartnerInvitation(partnerId, id);
      return { status: 200, ...jsonWithViewEtag(invitation, etag) };
    },
  }),
  httpFunction({
    name: 'invitations-revoke',
    route: 'partners/{partnerId}/invitations/{invitationId}/revoke',
    methods: ['POST'],
    doc: {
      summary: 'Revoke a pending invitation (partner staff).',
      tags: ['invitations'],
      audience: 'partner',
      params: invitationParams,
      responses: { 200: { description: 'The revoked invitation', schema: partnerInvitationViewSchema }, 409: { description: '`already-decided`: already accepted, declined or revoked' }, 410: { description: 'Expired' } },
    },
    handler: async (request, context) => {
      const target = await partnerInvitationRequest(request);
      const { invitation, etag } = await revokeInvitation({ ...target, ifMatch: ifMatch(request, false), invocationId: context.invocationId });
      return { status: 200, ...jsonWithViewEtag(invitation, etag) };
    },
  }),
  httpFunction({
    name: 'invitations-review',
    route: 'invitations/{invitationId}',
    methods: ['GET'],
    doc: {
      summary: 'What the acceptance page shows: partner, type, roles, Customer Agreement, expiry, status (signed-in user of the invited tenant).',
      tags: ['invitations'],
      audience: 'signedIn',
      params: customerInvitationParams,
      query: reviewQuery,
      responses: { 200: { description: 'The acceptance page data', schema: acceptancePageSchema }, 304: notModified, 404: { description: notInvited }, 503: domainOwnerUnknown },
    },
    handler: async (request) => {
      const { invitationId } = readParams(request, customerInvitationParams);
      const caller = await authenticate(request);
      const { code } = readQuery(request, reviewQuery);
      const { page, etag } = await reviewInvitation(caller, invitationId, code);
      return { status: 200, ...jsonWithViewEtag(page, etag) };
    },
  }),
  httpFunction({
    name: 'invitations-accept',
    route: 'invitations/{invitationId}/accept',
    methods: ['POST'],
    doc: {
      summary: 'Accept the Customer Agreement and authorize the partner (Global or Billing administrator of the invited tenant).',
      tags: ['invitations'],
      audience: 'customerAdmin',
      params: customerInvitationParams,
      body: acceptBody,
      formPost: true,
      responses: {
        200: { description: 'Accepted: the relationship', schema: acceptedSchema },
        400: { description: 'The agreement box is not ticked, or a field is missing' },
        403: { description: 'Not a Global or Billing administrator' },
        404: { description: notInvited },
        409: { description: '`already-decided`: already decided (or by another request at the same moment); `agreement-version-changed`: not the current agreement version' },
        410: { description: 'Expired' },
        503: domainOwnerUnknown,
      },
    },
    handler: async (request, context) => {
      const { invitationId } = readParams(request, customerInvitationParams);
      const caller = await authenticate(request);
      const body = await readBody(request, acceptBody);
      const { invitation, relationship } = await acceptInvitation({
        caller,
        id: invitationId,
        code: body.code,
        agreementVersion: body.agreementVersion,
        ifMatch: ifMatch(request, false),
        invocationId: context.invocationId,
      });
      return formAnswer(request, invitationId, 'accepted', {
        status: 200,
        jsonBody: { invitationId: invitation.id, status: 'accepted', relationship: relationshipView(relationship, now()) },
      });
    },
  }),
  httpFunction({
    name: 'invitations-decline',
    route: 'invitations/{invitationId}/decline',
    methods: ['POST'],
    doc: {
      summary: 'Decline an invitation (Global or Billing administrator of the invited tenant); the partner is told.',
      tags: ['invitations'],
      audience: 'customerAdmin',
      params: customerInvitationParams,
      body: declineBody,
      formPost: true,
      responses: { 200: { description: 'Declined', schema: declinedSchema }, 403: { description: 'Not an admin' }, 404: { description: notInvited }, 409: { description: '`already-decided`: already decided' }, 410: { description: 'Expired' }, 503: domainOwnerUnknown },
    },
    handler: async (request, context) => {
      const { invitationId } = readParams(request, customerInvitationParams);
      const caller = await authenticate(request);
      const body = await readBody(request, declineBody);
      const declined = await declineInvitation({ caller, id: invitationId, code: body.code, ifMatch: ifMatch(request, false), invocationId: context.invocationId });
      return formAnswer(request, invitationId, 'declined', { status: 200, jsonBody: { invitationId: declined.id, status: 'declined' } });
    },
  }),
];
