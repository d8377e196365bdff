import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { authenticate, requireTenant } from '../shared/auth/caller.js';
import { requirePartnerStaff } from '../shared/auth/partner-staff.js';
import { now } from '../shared/clock.js';
import type { FunctionDefinition } from '../shared/definitions.js';
import { relationshipStatuses } from '../shared/domain/relationships.js';
import { pageSchema, relationshipViewSchema } from '../shared/domain/views.js';
import { readOptionalBody, readParams, readQuery } from '../shared/http/body.js';
import { ifMatch, jsonWithViewEtag, notModified } from '../shared/http/etag.js';
import { httpFunction } from '../shared/http/handler.js';
import { pageQuerySchema, type Page } from '../shared/http/paging.js';
import { AppError } from '../shared/http/problem.js';
import { relationshipView, removeRoles, requestTermination, terminate } from '../shared/services/relationships.js';
import { latestAcceptance } from '../shared/storage/agreements.js';
import {
  getPartnerRelationship,
  getRelationship,
  listCustomerRelationships,
  listPartnerRelationships,
  type RelationshipRecord,
} from '../shared/storage/relationships.js';

const customerParams = z.object({ tenantId: z.string() });
const customerRelationshipParams = z.object({ tenantId: z.string(), relationshipId: z.string() });
const partnerParams = z.object({ partnerId: z.string() });
const partnerRelationshipParams = z.object({ partnerId: z.string(), relationshipId: z.string() });
export const partnerRelationshipsQuery = z.object({ status: z.enum(relationshipStatuses).optional(), ...pageQuerySchema.shape });
export const terminationRequestBody = z.object({ reason: z.string().trim().min(1).max(2000).optional() });

const notFound = () => new AppError('not-found', 'No such relationship.');

/** A relationship of the caller's own tenant (404 for any other tenant's, or none). */
async function customerRelationship(request: HttpRequest) {
  const { tenantId, relationshipId } = readParams(request, customerRelationshipParams);
  const caller = await authenticate(request);
  requireTenant(caller, tenantId);
  const record = await getRelationship(caller.tenantId, relationshipId);
  if (!record) throw notFound();
  return { caller, record };
}

async function partnerRelationship(request: HttpRequest) {
  const { partnerId, relationshipId } = readParams(request, partnerRelationshipParams);
  const caller = await authenticate(request);
  const partner = await requirePartnerStaff(caller, partnerId);
  const record = await getPartnerRelationship(partner.partnerId, relationshipId);
  if (!record) throw notFound();
  return { caller, record };
}

/**
 * A relationship with its agreement and history: what a GET and every change answer, so the ETag
 * of a change is the one a GET right after gives.
 */
async function details(record: RelationshipRecord) {
  return { status: 200, ...jsonWithViewEtag(relationshipView(record, now(), { agreement: await latestAcceptance(record.customerTenantId) }), record.etag) };
}

/** A page of relationships, each status derived at the same moment (the one a status filter used). */
function listed(page: Page<RelationshipRecord>, at = now()) {
  return { status: 200, jsonBody: { items: page.items.map((r) => relationshipView(r, at)), continuationToken: page.continuationToken } };
}

export const relationshipFunctions: FunctionDefinition[] = [
  httpFunction({
    name: 'customer-relationships-list',
    route: 'customers/{tenantId}/relationships',
    methods: ['GET'],
    doc: { summary: 'The customer’s partner relationships, newest first (users of that tenant).', tags: ['relationships'], audience: 'signedIn', params: customerParams, query: pageQuerySchema, responses: { 200: { description: 'A page of relationships', schema: pageSchema(relationshipViewSchema) } } },
    handler: async (request) => {
      const { tenantId } = readParams(request, customerParams);
      const caller = await authenticate(request);
      requireTenant(caller, tenantId);
      const query = readQuery(request, pageQuerySchema);
      return listed(await listCustomerRelationships(caller.tenantId, query.top, query.continuationToken));
    },
  }),
  httpFunction({
    name: 'customer-relationships-get',
    route: 'customers/{tenantId}/relationships/{relationshipId}',
    methods: ['GET'],
    doc: {
      summary: 'One relationship with partner, type, roles, agreement, dates and history.',
      tags: ['relationships'],
      audience: 'signedIn',
      params: customerRelationshipParams,
      responses: { 200: { description: 'The relationship', schema: relationshipViewSchema }, 304: notModified, 404: { description: 'Not found' } },
    },
    handler: async (request) => details((await customerRelationship(request)).record),
  }),
  httpFunction({
    name: 'customer-relationships-remove-roles',
    route: 'customers/{tenantId}/relationships/{relationshipId}/roles',
    methods: ['DELETE'],
    doc: {
      summary: 'Remove every admin role the partner holds; the relationship stays (e.g. as reseller). Customer admin.',
      tags: ['relationships'],
      audience: 'customerAdmin',
      params: customerRelationshipParams,
      responses: { 200: { description: 'The relationship without roles', schema: relationshipViewSchema }, 403: { description: 'Not an admin' }, 409: { description: '`relationship-ended`: terminated or expired' }, 412: { description: 'If-Match mismatch' } },
    },
    handler: async (request, context) => {
      const { caller, record } = await customerRelationship(request);
      return details(await removeRoles(caller, record, ifMatch(request, false), context.invocationId));
    },
  }),
  httpFunction({
    name: 'customer-relationships-termination-request',
    route: 'customers/{tenantId}/relationships/{relationshipId}/termination-request',
    methods: ['POST'],
    doc: {
      summary: 'Ask the partner to end the relationship (the partner is emailed). Customer admin.',
      tags: ['relationships'],
      audience: 'customerAdmin',
      params: customerRelationshipParams,
      body: terminationRequestBody,
      responses: { 200: { description: 'The relationship, terminationRequested', schema: relationshipViewSchema }, 403: { description: 'Not an admin' }, 409: { description: '`termination-already-requested`; `relationship-ended`: terminated or expired' } },
    },
    handler: async (request, context) => {
      const { caller, record } = await customerRelationship(request);
      const body = await readOptionalBody(request, terminationRequestBody);
      return details(await requestTermination(caller, record, body.reason, ifMatch(request, false), context.invocationId));
    },
  }),
  httpFunction({
    name: 'partner-relationships-list',
    route: 'partners/{partnerId}/relationships',
    methods: ['GET'],
    doc: {
      summary: 'The partner’s customer relationships, newest first, optionally only those with one status (partner staff).',
      tags: ['relationships'],
      audience: 'partner',
      params: partnerParams,
      query: partnerRelationshipsQuery,
      responses: { 200: { description: 'A page of relationships; with a status filter a page may hold fewer than top', schema: pageSchema(relationshipViewSchema) } },
    },
    handler: async (request) => {
      const { partnerId } = readParams(request, partnerParams);
      const caller = await authenticate(request);
      const partner = await requirePartnerStaff(caller, partnerId);
      const { status, top, continuationToken } = readQuery(request, partnerRelationshipsQuery);
      const at = now();
      return listed(await listPartnerRelationships(partner.partnerId, { status, at, top, continuationToken }), at);
    },
  }),
  httpFunction({
    name: 'partner-relationships-get',
    route: 'partners/{partnerId}/relationships/{relationshipId}',
    methods: ['GET'],
    doc: { summary: 'One of the partner’s relationships with agreement and history (partner staff).', tags: ['relationships'], audience: 'partner', params: partnerRelationshipParams, responses: { 200: { description: 'The relationship', schema: relationshipViewSchema }, 304: notModified, 404: { description: 'Not found' } } },
    handler: async (request) => details((await partnerRelationship(request)).record),
  }),
  httpFunction({
    name: 'partner-relationships-terminate',
    route: 'partners/{partnerId}/relationships/{relationshipId}/terminate',
    methods: ['POST'],
    doc: {
      summary: 'End the relationship (partner staff); the customer admin is emailed.',
      tags: ['relationships'],
      audience: 'partner',
      params: partnerRelationshipParams,
      responses: { 200: { description: 'The terminated relationship', schema: relationshipViewSchema }, 409: { description: '`relationship-ended`: already terminated or expired' } },
    },
    handler: async (request, context) => {
      const { caller, record } = await partnerRelationship(request);
      return details(await terminate(caller, record, ifMatch(request, false), context.invocationId));
    },
  }),
];
