import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { authenticate, requireAppRole } from '../shared/auth/caller.js';
import { appRoles } from '../shared/auth/roles.js';
import type { FunctionDefinition } from '../shared/definitions.js';
import { directorySearchQuerySchema, matchReasonSchema } from '../shared/domain/directory-search.js';
import { directoryEntryInputSchema, directoryEntrySchema, partnerIdSchema, publicProfile, publicProfileSchema } from '../shared/domain/directory.js';
import { readBody, readParams, readQuery } from '../shared/http/body.js';
import { ifMatch } from '../shared/http/etag.js';
import { httpFunction } from '../shared/http/handler.js';
import { AppError } from '../shared/http/problem.js';
import { deactivateDirectoryEntry, directoryIndex, putDirectoryEntry, readDirectoryEntry } from '../shared/storage/directory.js';

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
      responses: { 200: { description: 'The public profile (no contact email)', schema: publicProfileSchema }, 404: { description: 'No active partner with that id' } },
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
      summary: 'Create or update a directory entry (If-Match honoured)',
      tags: ['Directory'],
      audience: 'operator',
      params: partnerParamsSchema,
      body: directoryEntryInputSchema,
      responses: {
        200: { description: 'Updated', schema: directoryEntrySchema },
        201: { description: 'Created', schema: directoryEntrySchema },
        412: { description: 'If-Match does not match the current entry' },
      },
    },
    handler: async (request) => {
      requireAppRole(await authenticate(request), appRoles.directoryAdmin);
      const id = partnerId(request);
      const expected = ifMatch(request, false);
      const body = await readBody(request, directoryEntryInputSchema);
      const { entry, etag, created } = await putDirectoryEntry(id, body, expected);
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
      summary: 'Deactivate a directory entry (kept for history)',
      tags: ['Directory'],
      audience: 'operator',
      params: partnerParamsSchema,
      responses: { 204: { description: 'Deactivated; no longer found by search' }, 404: { description: 'No such entry' }, 412: { description: 'If-Match does not match' } },
    },
    handler: async (request) => {
      requireAppRole(await authenticate(request), appRoles.directoryAdmin);
      const { etag } = await deactivateDirectoryEntry(partnerId(request), ifMatch(request, false));
      return { status: 204, headers: { ETag: etag } };
    },
  }),
];
