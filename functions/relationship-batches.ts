import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/caller.js';
import type { FunctionDefinition } from '../shared/definitions.js';
import { relationshipBatchSchema } from '../shared/domain/relationship-batches.js';
import { relationshipBatchViewSchema } from '../shared/domain/views.js';
import { readBody, readParams, readQuery } from '../shared/http/body.js';
import { acceptsCsv, csvAnswer, csvDocument } from '../shared/http/csv.js';
import { batchAccepted, batchQueueFunction } from '../shared/http/batches.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';
import { readIdempotencyKey } from '../shared/http/idempotency-key.js';
import {
  partnerRelationshipBatch,
  runRelationshipBatchChunk,
  startRelationshipBatch,
  type RelationshipBatchView,
} from '../shared/services/relationship-batches.js';
import { queueNames } from '../shared/storage/names.js';

/** Bulk actions on relationships: a partner ends many, or turns their auto-extend on or off (shared/services/relationship-batches.ts). */
const routes = [
  route('POST', 'partners/{partnerId}/relationship-batches', 'partner', createBatch, 'relationship-batches-create'),
  route('GET', 'partners/{partnerId}/relationship-batches/{batchId}', 'partner', getBatch, 'relationship-batches-get'),
];

const partnerParams = z.object({ partnerId: z.string() });
const batchParams = z.object({ partnerId: z.string(), batchId: z.string() });
const batchQuery = z.object({
  format: z
    .literal('csv')
    .optional()
    .describe('`csv`: the CSV download, as with `Accept: text/csv` (for a plain link, such as the batch page’s)'),
});

const batchPath = (partnerId: string, id: string) =>
  `/api/partners/${encodeURIComponent(partnerId)}/relationship-batches/${id}`;

async function createBatch(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId } = readParams(request, partnerParams);
  const idempotencyKey = readIdempotencyKey(request);
  const batch = await readBody(request, relationshipBatchSchema);
  const { view, replay } = await startRelationshipBatch({ caller, partnerId, batch, idempotencyKey });
  return batchAccepted(batchPath(view.partnerId, view.id), view, replay);
}

const resultColumns = [
  'row',
  'relationshipId',
  'customerTenantId',
  'customerName',
  'status',
  'problemField',
  'problem',
] as const satisfies string[];

const resultsCsv = (view: RelationshipBatchView) =>
  csvDocument(
    resultColumns,
    view.rows.map((r) => [
      r.row,
      r.relationshipId,
      r.customerTenantId,
      r.customerName,
      r.status,
      r.problem?.field,
      r.problem?.message,
    ]),
  );

async function getBatch(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId, batchId } = readParams(request, batchParams);
  const { format } = readQuery(request, batchQuery);
  const view = await partnerRelationshipBatch(caller, partnerId, batchId);
  if (format === 'csv' || acceptsCsv(request.headers.get('accept')))
    return csvAnswer(resultsCsv(view), `relationship-batch-${view.id}.csv`);
  return { status: 200, jsonBody: view };
}

const docs = {
  'relationship-batches-create': {
    summary: 'End many relationships at once, or turn their auto-extend on or off',
    description:
      "`{ action: 'terminate', relationshipIds }` or `{ action: 'setAutoExtend', autoExtend, relationshipIds }`, up to 500 ids. `202` + `Location` with the batch at once; a queue function then applies the action to each row through the same service as one relationship's route (same rules, history, audit events, emails and webhook events), 50 rows at a time. A row the rules refuse fails alone, its `problem` naming the field: `relationshipId` for one that ended already, and for one that is not the partner's (\"No such relationship.\", whether it exists or not); `autoExtend` where auto-extend is not allowed (Global Administrator among the roles, or no roles). `Idempotency-Key`: posting the same batch again answers the first (`Idempotency-Replayed: true`); a retried row finds its change made.",
    tags: ['relationships'],
    params: partnerParams,
    body: relationshipBatchSchema,
    responses: {
      202: { description: 'The batch, its rows pending', schema: relationshipBatchViewSchema },
      400: { description: 'No ids, more than 500, an id listed twice, or no `autoExtend` for `setAutoExtend`' },
      404: { description: 'No such partner for this caller' },
      409: { description: '`idempotency-key-reused`' },
    },
  },
  'relationship-batches-get': {
    summary: 'Where a relationship batch stands',
    description:
      "`status` (`running`, `done`), `total`, `done`, `failed`, and per row its customer (once found) and `status` or the `problem` (field, message). With `Accept: text/csv` (or `format=csv`, for a plain link), the same rows as a CSV download (UTF-8 with BOM). Another partner's batch is `404`.",
    tags: ['relationships'],
    params: batchParams,
    query: batchQuery,
    responses: {
      200: { description: 'The batch', schema: relationshipBatchViewSchema },
      404: { description: 'No such batch for this partner' },
    },
  },
} satisfies Record<string, RouteDoc>;

export const relationshipBatchFunctions: FunctionDefinition[] = [
  ...httpFunctions(routes, docs),
  batchQueueFunction('relationship-batches', queueNames.relationshipBatches, runRelationshipBatchChunk),
];
