import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { authenticate } from '../shared/auth/caller.js';
import type { FunctionDefinition } from '../shared/definitions.js';
import {
  batchCsvColumns,
  batchSharedQuerySchema,
  invitationBatchInputSchema,
  invitationBatchSchema,
  rowProblemSentence,
} from '../shared/domain/invitation-batches.js';
import { invitationBatchListSchema, invitationBatchViewSchema } from '../shared/domain/views.js';
import { isCsvBody, readBody, readCsvText, readParams, readQuery } from '../shared/http/body.js';
import { acceptsCsv, csvAnswer, csvDocument, csvRecords } from '../shared/http/csv.js';
import { batchAccepted, batchQueueFunction } from '../shared/http/batches.js';
import { httpFunctions, route, type RouteDoc } from '../shared/http/handler.js';
import { readIdempotencyKey } from '../shared/http/idempotency-key.js';
import { validate } from '../shared/errors.js';
import {
  partnerInvitationBatch,
  partnerInvitationBatches,
  runInvitationBatchChunk,
  startInvitationBatch,
  type InvitationBatchView,
} from '../shared/services/invitation-batches.js';
import { requirePartnerStaff } from '../shared/services/partner-staff.js';
import { queueNames } from '../shared/storage/names.js';

/** Bulk invitations: a partner invites up to 500 customers at once (shared/services/invitation-batches.ts). */
const routes = [
  route('POST', 'partners/{partnerId}/invitation-batches', 'partner', createBatch, 'invitation-batches-create'),
  route('GET', 'partners/{partnerId}/invitation-batches', 'partner', listBatches, 'invitation-batches-list'),
  route(
    'GET',
    'partners/{partnerId}/invitation-batches/template.csv',
    'partner',
    batchTemplate,
    'invitation-batches-template',
  ),
  route('GET', 'partners/{partnerId}/invitation-batches/{batchId}', 'partner', getBatch, 'invitation-batches-get'),
];

const partnerParams = z.object({ partnerId: z.string() });
const batchParams = z.object({ partnerId: z.string(), batchId: z.string() });

/** 500 rows of the longest domains and emails: more than the 64 KiB other bodies may have. */
const maxBatchBodyBytes = 512 * 1024;

const batchPath = (partnerId: string, id: string) =>
  `/api/partners/${encodeURIComponent(partnerId)}/invitation-batches/${id}`;

/** JSON `{ …shared fields, rows }`, or a CSV of rows (the template's columns) with the shared fields in the query. */
async function readBatch(request: HttpRequest) {
  if (!isCsvBody(request)) return readBody(request, invitationBatchInputSchema, maxBatchBodyBytes);
  const shared = readQuery(request, batchSharedQuerySchema);
  const rows = csvRecords(await readCsvText(request, maxBatchBodyBytes));
  return { ...shared, ...validate(invitationBatchInputSchema.pick({ rows: true }), { rows }) };
}

async function createBatch(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId } = readParams(request, partnerParams);
  const idempotencyKey = readIdempotencyKey(request);
  const { rows, ...shared } = await readBatch(request);
  const { view, replay } = await startInvitationBatch({ caller, partnerId, shared, rows, idempotencyKey });
  return batchAccepted(batchPath(view.partnerId, view.id), view, replay);
}

async function listBatches(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId } = readParams(request, partnerParams);
  return { status: 200, jsonBody: await partnerInvitationBatches(caller, partnerId) };
}

async function batchTemplate(request: HttpRequest) {
  const { partnerId } = readParams(request, partnerParams);
  await requirePartnerStaff(await authenticate(request), partnerId);
  return csvAnswer(
    csvDocument(batchCsvColumns, [['', 'contoso.com', 'admin@contoso.com']]),
    'invitation-batch-template.csv',
  );
}

const resultColumns = [
  'row',
  ...batchCsvColumns,
  'status',
  'invitationId',
  'invitationUrl',
  'problemField',
  'problem',
] as const satisfies string[];

const resultsCsv = (view: InvitationBatchView) =>
  csvDocument(
    resultColumns,
    view.rows.map((r) => [
      r.row,
      r.customerTenantId,
      r.customerDomain,
      r.customerAdminEmail,
      r.status,
      r.invitationId,
      r.invitationUrl,
      r.problem?.field,
      r.problem && rowProblemSentence(r.problem),
    ]),
  );

async function getBatch(request: HttpRequest) {
  const caller = await authenticate(request);
  const { partnerId, batchId } = readParams(request, batchParams);
  const view = await partnerInvitationBatch(caller, partnerId, batchId);
  if (acceptsCsv(request.headers.get('accept'))) return csvAnswer(resultsCsv(view), `invitation-batch-${view.id}.csv`);
  return { status: 200, jsonBody: view };
}

const docs = {
  'invitation-batches-create': {
    summary: 'Invite up to 500 customers at once',
    description:
      "`202` + `Location` with the batch at once; a queue function then creates each row's invitation (with the same rules and email as one invitation), 50 rows at a time. JSON `{ relationshipType, roles, duration, autoExtend, message, expiresInDays, rows }`, or `text/csv` rows (the template's columns) with the other fields in the query string (`roles` comma-separated); at most 512 KiB. Shared fields the type does not allow are `400` and nothing is written; a bad row fails alone (its `problem` names the field). `Idempotency-Key`: posting the same batch again answers the first (`Idempotency-Replayed: true`); each row has its own key too, so a retried chunk never invites a row twice.",
    tags: ['invitations'],
    params: partnerParams,
    body: invitationBatchSchema,
    responses: {
      202: { description: 'The batch, its rows pending (or already failed)', schema: invitationBatchViewSchema },
      400: { description: 'Invalid shared fields, no rows or more than 500, or a CSV that does not parse' },
      404: { description: 'No such partner for this caller' },
      409: { description: '`idempotency-key-reused`; `conflict`: the partner is inactive' },
      413: { description: 'Over 512 KiB' },
    },
  },
  'invitation-batches-list': {
    summary: "The partner's newest invitation batches",
    description:
      'The 10 newest, newest first: id, when, by whom and how many customers. Open one (`GET …/invitation-batches/{batchId}`) for its progress and results.',
    tags: ['invitations'],
    params: partnerParams,
    responses: {
      200: { description: 'The batches', schema: invitationBatchListSchema },
      404: { description: 'No such partner for this caller' },
    },
  },
  'invitation-batches-template': {
    summary: 'The CSV template for bulk invitations',
    description: `Columns ${batchCsvColumns.map((c) => `\`${c}\``).join(', ')}: a tenant id or a domain, and the admin's email, one customer a line.`,
    tags: ['invitations'],
    params: partnerParams,
    responses: { 200: { description: 'text/csv (UTF-8 with BOM)' } },
  },
  'invitation-batches-get': {
    summary: 'Where an invitation batch stands',
    description:
      "`status` (`running`, `done`), `total`, `done`, `failed`, and per row its invitation id or the `problem` (field, message). With `Accept: text/csv`, the same rows as a CSV download (UTF-8 with BOM), each problem as the sentence a person reads. Another partner's batch is `404`.",
    tags: ['invitations'],
    params: batchParams,
    responses: {
      200: { description: 'The batch', schema: invitationBatchViewSchema },
      404: { description: 'No such batch for this partner' },
    },
  },
} satisfies Record<string, RouteDoc>;

export const invitationBatchFunctions: FunctionDefinition[] = [
  ...httpFunctions(routes, docs),
  batchQueueFunction('invitation-batches', queueNames.invitationBatches, runInvitationBatchChunk),
];
