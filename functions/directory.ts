import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { authenticate, requireOperator } from '../shared/auth/caller.js';
import type { FunctionDefinition } from '../shared/definitions.js';
import { directorySearchQuerySchema, matchReasonSchema } from '../shared/domain/directory-search.js';
import { directoryEntryInputSchema, directoryEntrySchema, partnerIdSchema, publicProfile, publicProfileSchema, tenantChangeSchema } from '../shared/domain/directory.js';
import { readBody, readParams, readQuery } from '../shared/http/body.js';
import { ifMatch, notModified } from '../shared/http/etag.js';
import { httpFunction } from '../shared/http/handler.js';
import { AppError } from '../shared/http/problem.js';
import { changeTenant, deactivateEntry, putEntry } from '../shared/services/directory.js';
import { directoryIndex, readDirectoryEntry } from '../shared/storage/directory.js';

export const partnerParamsSchema = z.object({ partnerId: partnerIdSchema });

const searchResultSchema = z.object({
  items: z.array(publicProfileSchema.extend({ reasons: z.array(matchReasonSchema) })),
  continuationToken: z.string().nullable(),
});

const partnerId = (request: HttpRequest) => readParams(request, partnerParamsSchema).partnerId;

export const directoryFunctions: FunctionDefinition[] = [
  httpFunction({
    name: 'partners-search',
    route: 'partners',
    methods: ['GET'],
    doc: {
      summary: 'Search the partner directory by location, organization size and words',
      tags: ['Directory'],
      audience: 'anyone',
      query: directorySearchQuerySchema,
      responses: { 200: { description: 'Active partners, best match first, each with the reasons it matched', schema: searchResultSchema } },
    },
    handler: async (request) => {
      const query = readQuery(request, directorySearchQuerySchema);
      const result = (await directoryIndex()).search(query);
      return {
        status: 200,
        jsonBody: {
          items: result.items.map((hit) => ({ ...publicProfile(hit.entry), reasons: hit.reasons })),
          continuationToken: result.continuationToken,
        } satisfies z.infer<typeof searchResultSchema>,
      };
    },
  }),
  httpFunction({
    name: 'partners-get',
    route: 'partners/{partnerId}',
    methods: ['GET'],
    doc: {
      summary: "A partner's public profile",
      tags: ['Directory'],
      audience: 'anyone',
      params: partnerParamsSchema,
      responses: { 200: { description: 'The public profile (no contact email)', schema: publicProfileSchema }, 304: notModified, 404: { description: 'No active partner with that id' } },
    },
    handler: async (request) => {
      const id = partnerId(request);
      const stored = await readDirectoryEntry(id);
      if (!stored?.entry.active) throw new AppError('not-found', `There is no partner ${id} in the directory.`);
      return { status: 200, headers: { ETag: stored.etag }, jsonBody: publicProfile(stored.entry) };
    },
  }),
  httpFunction({
    name: 'partners-put',
    route: 'partners/{partnerId}',
    methods: ['PUT'],
    doc: {
      summary: "Create or update a directory entry (If-Match honoured); the entry's tenant changes only through tenant-change. The partner is emailed when its entry changes",
      tags: ['Directory'],
      audience: 'operator',
      params: partnerParamsSchema,
      body: directoryEntryInputSchema,
      responses: {
        200: { description: 'Updated (or unchanged: the same entry again writes nothing)', schema: directoryEntrySchema },
        201: { description: 'Created', schema: directoryEntrySchema },
        409: { description: "The body names another tenant than the entry's (type tenant-change, errors[].path tenantId); nothing is written" },
        412: { description: 'If-Match does not match the current entry' },
      },
    },
    handler: async (request, context) => {
      const caller = await authenticate(request);
      requireOperator(caller);
      const id = partnerId(request);
      const expected = ifMatch(request, false);
      const body = await readBody(request, directoryEntryInputSchema);
      const { entry, etag, created } = await putEntry(caller, id, body, expected, context.invocationId);
      return {
        status: created ? 201 : 200,
        headers: { ETag: etag, ...(created ? { Location: `/api/partners/${encodeURIComponent(id)}` } : {}) },
        jsonBody: entry,
      };
    },
  }),
  httpFunction({
    name: 'partners-delete',
    route: 'partners/{partnerId}',
    methods: ['DELETE'],
    doc: {
      summary: 'Deactivate a directory entry (kept for history); the partner is emailed',
      tags: ['Directory'],
      audience: 'operator',
      params: partnerParamsSchema,
      responses: { 204: { description: 'Deactivated; no longer found by search' }, 404: { description: 'No such entry' }, 412: { description: 'If-Match does not match' } },
    },
    handler: async (request, context) => {
      const caller = await authenticate(request);
      requireOperator(caller);
      const { etag } = await deactivateEntry(caller, partnerId(request), ifMatch(request, false), context.invocationId);
      return { status: 204, headers: { ETag: etag } };
    },
  }),
  httpFunction({
    name: 'partners-tenant-change',
    route: 'partners/{partnerId}/tenant-change',
    methods: ['POST'],
    doc: {
      summary: "Move a partner to another Entra ID tenant (If-Match required, with a reason): the new tenant's staff manage its leads and relationships from then on; audited and emailed to the partner",
      tags: ['Directory'],
      audience: 'operator',
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
    handler: async (request, context) => {
      const caller = await authenticate(request);
      requireOperator(caller);
      const id = partnerId(request);
      const expected = ifMatch(request, true)!;
      const body = await readBody(request, tenantChangeSchema);
      const { entry, etag } = await changeTenant(caller, id, body, expected, context.invocationId);
      return { status: 200, headers: { ETag: etag }, jsonBody: entry };
    },
  }),
];
