import type { HttpRequest, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/caller.js';
import { expiryWindowSchema, expiryWindows, relationshipStatuses } from '../shared/domain/relationships.js';
import { pageSchema, relationshipCountsSchema, relationshipViewSchema } from '../shared/domain/views.js';
import { readBody, readOptionalBody, readParams, readQuery } from '../shared/http/body.js';
import { ifMatch, jsonWithViewEtag, notModified } from '../shared/http/etag.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';
import { pageQuerySchema } from '../shared/domain/paging.js';
import { relationshipCsvColumns, relationshipCsvRow } from '../shared/domain/exports.js';
import { csvExportText, pageOrCsv, type CsvExport } from '../shared/http/csv.js';
import { formPostAnswer } from '../shared/web/forms.js';
import { problemPage } from '../shared/web/page.js';
import {
  customerRelationship,
  customerRelationships,
  customerRelationshipsExport,
  partnerRelationship,
  partnerRelationshipCounts,
  partnerRelationships,
  partnerRelationshipsExport,
  removeRoles,
  requestTermination,
  setAutoExtend,
  terminate,
  type RelationshipAnswer,
  type RelationshipView,
} from '../shared/services/relationships.js';

/** Partner relationships, seen by the customer and by the partner (shared/services/relationships.ts). */
const routes = [
  route(
    'GET',
    'customers/{tenantId}/relationships',
    'signedIn',
    listCustomerRelationships,
    'customer-relationships-list',
  ),
  route(
    'GET',
    'customers/{tenantId}/relationships/{relationshipId}',
    'signedIn',
    getCustomerRelationship,
    'customer-relationships-get',
  ),
  route(
    'DELETE',
    'customers/{tenantId}/relationships/{relationshipId}/roles',
    'customerAdmin',
    removeAdminRoles,
    'customer-relationships-remove-roles',
  ),
  route(
    'POST',
    'customers/{tenantId}/relationships/{relationshipId}/termination-request',
    'customerAdmin',
    askForTermination,
    'customer-relationships-termination-request',
  ),
  route('GET', 'partners/{partnerId}/relationships', 'partner', listPartnerRelationships, 'partner-relationships-list'),
  route(
    'GET',
    'partners/{partnerId}/relationship-counts',
    'partner',
    countPartnerRelationships,
    'partner-relationships-counts',
  ),
  route(
    'GET',
    'partners/{partnerId}/relationships/{relationshipId}',
    'partner',
    getPartnerRelationship,
    'partner-relationships-get',
  ),
  route(
    'POST',
    'partners/{partnerId}/relationships/{relationshipId}/terminate',
    'partner',
    terminateRelationship,
    'partner-relationships-terminate',
  ),
  route(
    'POST',
    'partners/{partnerId}/relationships/{relationshipId}/auto-extend',
    'partner',
    changeAutoExtend,
    'partner-relationships-auto-extend',
  ),
];

const customerParams = z.object({ tenantId: z.string() });
const customerRelationshipParams = z.object({ tenantId: z.string(), relationshipId: z.string() });
const partnerParams = z.object({ partnerId: z.string() });
const partnerRelationshipParams = z.object({ partnerId: z.string(), relationshipId: z.string() });
const partnerRelationshipsQuery = z.object({
  status: z.enum(relationshipStatuses).optional(),
  expiry: expiryWindowSchema
    .optional()
    .describe(
      'Only relationships (not terminated) whose roles end within 1, 7 or 30 days (`1d`, `7d`, `30d`), or that expired in the last 365 days (`expired`)',
    ),
  format: z
    .literal('csv')
    .optional()
    .describe(
      '`csv`: the CSV download, as with `Accept: text/csv` (for a plain link, such as the Customers page’s Export)',
    ),
  ...pageQuerySchema.shape,
});
const autoExtendBody = z.object({
  autoExtend: z
    .boolean()
    .describe('`true`: the admin roles renew by themselves, 180 days at a time; `false`: they end'),
});
const terminationRequestBody = z.object({ reason: z.string().trim().min(1).max(2000).optional() });

const relationshipsCsv = (name: string): CsvExport<RelationshipView> => ({
  columns: relationshipCsvColumns,
  row: relationshipCsvRow,
  name,
});

const withEtag = ({ view, etag }: RelationshipAnswer) => ({ status: 200, ...jsonWithViewEtag(view, etag) });

async function listCustomerRelationships(request: HttpRequest) {
  const caller = await authenticate(request);
  const { tenantId } = readParams(request, customerParams);
  const query = readQuery(request, pageQuerySchema);
  return pageOrCsv(
    request,
    () => customerRelationships(caller, tenantId, query),
    async () => customerRelationshipsExport(caller, tenantId),
    relationshipsCsv(`partner-relationships-${tenantId}`),
  );
}

async function getCustomerRelationship(request: HttpRequest) {
  const caller = await authenticate(request);
  const { tenantId, relationshipId } = readParams(request, customerRelationshipParams);
  return withEtag(await customerRelationship(caller, tenantId, relationshipId));
}

async function removeAdminRoles(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { tenantId, relationshipId } = readParams(request, customerRelationshipParams);
  return withEtag(await removeRoles(caller, tenantId, relationshipId, ifMatch(request, false), context.invocationId));
}

async function askForTermination(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { tenantId, relationshipId } = readParams(request, customerRelationshipParams);
  const body = await readOptionalBody(request, terminationRequestBody);
  return withEtag(
    await requestTermination(
      caller,
      tenantId,
      relationshipId,
      body.reason,
      ifMatch(request, false),
      context.invocationId,
    ),
  );
}

async function listPartnerRelationships(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId } = readParams(request, partnerParams);
  const query = readQuery(request, partnerRelationshipsQuery);
  return pageOrCsv(
    request,
    () => partnerRelationships(caller, partnerId, query),
    () => partnerRelationshipsExport(caller, partnerId, query),
    relationshipsCsv(`relationships-${partnerId}`),
    query.format === 'csv',
  );
}

async function countPartnerRelationships(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId } = readParams(request, partnerParams);
  return { status: 200, jsonBody: await partnerRelationshipCounts(caller, partnerId) };
}

async function getPartnerRelationship(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId, relationshipId } = readParams(request, partnerRelationshipParams);
  return withEtag(await partnerRelationship(caller, partnerId, relationshipId));
}

async function terminateRelationship(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { partnerId, relationshipId } = readParams(request, partnerRelationshipParams);
  const answer = await terminate(caller, partnerId, relationshipId, ifMatch(request, false), context.invocationId);
  // Customers and relationships without JavaScript (its confirmation posts here) goes back to that page.
  return formPostAnswer(
    request,
    `/partner/customers?partner=${encodeURIComponent(partnerId)}`,
    'terminated',
    withEtag(answer),
  );
}

async function changeAutoExtend(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { partnerId, relationshipId } = readParams(request, partnerRelationshipParams);
  const { autoExtend } = await readBody(request, autoExtendBody);
  return withEtag(
    await setAutoExtend(caller, partnerId, relationshipId, autoExtend, ifMatch(request, false), context.invocationId),
  );
}

const docs = {
  'customer-relationships-list': {
    summary: 'The customer’s partner relationships, newest first',
    description: `Ordered by when each relationship was made. ${csvExportText} Each partner with its type and admin roles by name: who has access to the tenant.`,
    caller: 'a user of the tenant',
    tags: ['relationships'],
    params: customerParams,
    query: pageQuerySchema,
    responses: {
      200: {
        description: 'A page of relationships',
        schema: pageSchema(relationshipViewSchema),
        csvColumns: relationshipCsvColumns,
      },
    },
  },
  'customer-relationships-get': {
    summary: 'One relationship',
    description:
      'Partner, type and what it lets the partner do (`typeDescription`), the admin roles held (`roles`) with duration and end date, the roles that ended with an expired or terminated relationship (`endedRoles`, `rolesEndedAt`), agreement, dates, history; `ETag`.',
    caller: 'a user of the tenant',
    tags: ['relationships'],
    params: customerRelationshipParams,
    responses: {
      200: { description: 'The relationship', schema: relationshipViewSchema },
      304: notModified,
      404: { description: 'Not found' },
    },
  },
  'customer-relationships-remove-roles': {
    summary: 'Remove every admin role the partner holds',
    description:
      'The relationship stays, `resellerAndDelegatedAdministrator` becoming `reseller` (other types keep their type, with no roles).',
    tags: ['relationships'],
    params: customerRelationshipParams,
    responses: {
      200: { description: 'The relationship without roles', schema: relationshipViewSchema },
      403: { description: 'Not an admin' },
      409: { description: '`relationship-ended`: terminated or expired' },
      412: { description: 'If-Match mismatch' },
    },
  },
  'customer-relationships-termination-request': {
    summary: 'Ask the partner to end the relationship',
    description:
      'Optional body `{ reason }`; status `terminationRequested`; the partner is emailed. Asking again: `409` `termination-already-requested`.',
    tags: ['relationships'],
    params: customerRelationshipParams,
    body: terminationRequestBody,
    responses: {
      200: { description: 'The relationship, terminationRequested', schema: relationshipViewSchema },
      403: { description: 'Not an admin' },
      409: { description: '`termination-already-requested`; `relationship-ended`: terminated or expired' },
    },
  },
  'partner-relationships-list': {
    summary:
      'The partner’s customer relationships, newest first, optionally only those with one status or in one expiry window',
    description: `\`status\` = \`active\`, \`terminationRequested\`, \`terminated\` or \`expired\`; \`expiry\` = ${expiryWindows.map((w) => `\`${w}\``).join(', ')}: roles ending within 1, 7 or 30 days, or expired in the last 365 days (auto-extending relationships never end by themselves, terminated ones are in none). Both filters may be combined; a filtered page may hold fewer than \`top\`. ${csvExportText} \`format=csv\` asks for the same download from a plain link (the Customers page’s Export without JavaScript). Customer name and tenant id, type and admin roles by name.`,
    tags: ['relationships'],
    params: partnerParams,
    query: partnerRelationshipsQuery,
    responses: {
      200: {
        description: 'A page of relationships; with a status filter a page may hold fewer than top',
        schema: pageSchema(relationshipViewSchema),
        csvColumns: relationshipCsvColumns,
      },
    },
  },
  'partner-relationships-counts': {
    summary: 'The partner’s expiring dashboard: how many relationships end soon, expired lately or ask to end',
    description:
      '`expiry`: how many relationships each `expiry` filter of the list would return now (`1d`, `7d`, `30d` include the shorter windows); `terminationRequested`: how many await the partner’s termination; `at`: the moment counted.',
    tags: ['relationships'],
    params: partnerParams,
    responses: { 200: { description: 'The counts', schema: relationshipCountsSchema } },
  },
  'partner-relationships-get': {
    summary: 'One of the partner’s relationships',
    description: "The same details as the customer's view; `ETag`.",
    tags: ['relationships'],
    params: partnerRelationshipParams,
    responses: {
      200: { description: 'The relationship', schema: relationshipViewSchema },
      304: notModified,
      404: { description: 'Not found' },
    },
  },
  'partner-relationships-terminate': {
    summary: 'End the relationship',
    description:
      'Every customer admin who accepted into it is emailed. A form post with `Accept: text/html` (the Customers page’s confirmation, signed in by the session cookie) gets `303` to `{PUBLIC_BASE_URL}/partner/customers?partner={partnerId}&result=terminated`.',
    tags: ['relationships'],
    params: partnerRelationshipParams,
    formPost: true,
    responses: {
      200: { description: 'The terminated relationship', schema: relationshipViewSchema },
      409: { description: '`relationship-ended`: already terminated or expired' },
    },
  },
  'partner-relationships-auto-extend': {
    summary: 'Turn auto-extend on or off',
    description:
      '`{ autoExtend }`: on, the admin roles renew by themselves 180 days at a time (never with Global Administrator among them, nor without admin roles: `400` naming `autoExtend`); off, they end at the date they have now. Asking for what is already so changes nothing. `If-Match` optional (`412`); in both sides’ audit logs (`relationship.autoExtendChanged`) and the relationship’s history.',
    tags: ['relationships'],
    params: partnerRelationshipParams,
    body: autoExtendBody,
    responses: {
      200: { description: 'The relationship', schema: relationshipViewSchema },
      400: { description: '`autoExtend` not allowed for these roles' },
      409: { description: '`relationship-ended`: terminated or expired' },
      412: { description: 'If-Match mismatch' },
    },
  },
} satisfies Record<string, RouteDoc>;

export const relationshipFunctions = httpFunctions(routes, docs, { errorPage: problemPage });
