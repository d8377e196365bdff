import type { HttpRequest, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/caller.js';
import { directorySearchQuerySchema, directorySearchResultSchema } from '../shared/domain/directory-search.js';
import {
  directoryEntryInputSchema,
  directoryEntrySchema,
  partnerIdSchema,
  publicProfileSchema,
  tenantChangeSchema,
} from '../shared/domain/directory.js';
import { readBody, readParams, readQuery } from '../shared/http/body.js';
import { ifMatch, notModified } from '../shared/http/etag.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';
import {
  changeTenant,
  deactivateEntry,
  partnerProfile,
  putEntry,
  searchDirectory,
} from '../shared/services/directory.js';

/**
 * The partner directory: anyone searches and reads public profiles; operators change entries
 * (shared/services/directory.ts).
 */
const routes = [
  route('GET', 'partners', 'anyone', searchPartners, 'partners-search'),
  route('GET', 'partners/{partnerId}', 'anyone', getPartner, 'partners-get'),
  route('PUT', 'partners/{partnerId}', 'operator', putPartner, 'partners-put'),
  route('DELETE', 'partners/{partnerId}', 'operator', deletePartner, 'partners-delete'),
  route('POST', 'partners/{partnerId}/tenant-change', 'operator', changePartnerTenant, 'partners-tenant-change'),
];

const partnerParamsSchema = z.object({ partnerId: partnerIdSchema });

async function searchPartners(request: HttpRequest) {
  const query = readQuery(request, directorySearchQuerySchema);
  return { status: 200, jsonBody: await searchDirectory(query) };
}

async function getPartner(request: HttpRequest) {
  const { partnerId } = readParams(request, partnerParamsSchema);
  const { profile, etag } = await partnerProfile(partnerId);
  return { status: 200, headers: { ETag: etag }, jsonBody: profile };
}

async function putPartner(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { partnerId } = readParams(request, partnerParamsSchema);
  const expected = ifMatch(request, false);
  const body = await readBody(request, directoryEntryInputSchema);
  const { entry, etag, created } = await putEntry(caller, partnerId, body, expected, context.invocationId);
  return {
    status: created ? 201 : 200,
    headers: { ETag: etag, ...(created ? { Location: `/api/partners/${encodeURIComponent(partnerId)}` } : {}) },
    jsonBody: entry,
  };
}

async function deletePartner(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { partnerId } = readParams(request, partnerParamsSchema);
  const { etag } = await deactivateEntry(caller, partnerId, ifMatch(request, false), context.invocationId);
  return { status: 204, headers: { ETag: etag } };
}

async function changePartnerTenant(request: HttpRequest, context: InvocationContext) {
  const caller = await authenticate(request);
  const { partnerId } = readParams(request, partnerParamsSchema);
  const expected = ifMatch(request, false);
  const body = await readBody(request, tenantChangeSchema);
  const { entry, etag } = await changeTenant(caller, partnerId, body, expected, context.invocationId);
  return { status: 200, headers: { ETag: etag }, jsonBody: entry };
}

const docs = {
  'partners-search': {
    summary: 'Search the partner directory by location, organization size and words',
    description:
      'Active entries only; best match first (`sort=bestMatch`, the default) or A to Z by name (`sort=name`), each with the `reasons` it matched.',
    tags: ['Directory'],
    query: directorySearchQuerySchema,
    responses: {
      200: {
        description: 'Active partners in the order asked for, each with the reasons it matched',
        schema: directorySearchResultSchema,
      },
    },
  },
  'partners-get': {
    summary: "A partner's public profile",
    description: 'No contact email, no tenant id; `ETag`.',
    tags: ['Directory'],
    params: partnerParamsSchema,
    responses: {
      200: { description: 'The public profile (no contact email)', schema: publicProfileSchema },
      304: notModified,
      404: { description: 'No active partner with that id' },
    },
  },
  'partners-put': {
    summary: 'Create or replace a directory entry',
    description:
      "Creates (`201`, `Location`) or replaces (`200`) an entry; `If-Match` honoured (`412`; `*` replaces, never creates); `ETag`. Another `tenantId` than the entry's is `409` (`tenant-change`, `errors[].path` `tenantId`) and nothing is written: the tenant changes only through `POST …/tenant-change`. The same entry again writes nothing; a change is audited and emailed to the partner.",
    tags: ['Directory'],
    params: partnerParamsSchema,
    body: directoryEntryInputSchema,
    responses: {
      200: { description: 'Updated (or unchanged: the same entry again writes nothing)', schema: directoryEntrySchema },
      201: { description: 'Created', schema: directoryEntrySchema },
      409: {
        description:
          "The body names another tenant than the entry's (type tenant-change, errors[].path tenantId); nothing is written",
      },
      412: { description: 'If-Match does not match the current entry' },
    },
  },
  'partners-delete': {
    summary: 'Deactivate a directory entry',
    description:
      '`204`; the entry stays in the table for history but search no longer finds it; audited and emailed to the partner.',
    tags: ['Directory'],
    params: partnerParamsSchema,
    responses: {
      204: { description: 'Deactivated; no longer found by search' },
      404: { description: 'No such entry' },
      412: { description: 'If-Match does not match' },
    },
  },
  'partners-tenant-change': {
    summary: 'Move a partner to another Entra ID tenant',
    description:
      "`{ tenantId, reason }` under `If-Match` (`428` without, `412` stale): the new tenant's staff manage its leads and relationships from then on; `200` + `ETag`; in the partner's audit log (`directory.tenantChanged`, who, old and new tenant, reason) and emailed to the partner.",
    tags: ['Directory'],
    params: partnerParamsSchema,
    body: tenantChangeSchema,
    responses: {
      200: { description: 'Changed', schema: directoryEntrySchema },
      400: { description: "The tenant is the entry's tenant already, or no reason was given" },
      404: { description: 'No such entry' },
      412: { description: 'If-Match does not match the current entry' },
      428: { description: 'If-Match is missing' },
    },
  },
} satisfies Record<string, RouteDoc>;

export const directoryFunctions = httpFunctions(routes, docs);
