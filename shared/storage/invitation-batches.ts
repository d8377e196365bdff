import { odata, type TransactionAction } from '@azure/data-tables';
import { z } from 'zod';
import { actorSchema } from '../domain/audit.js';
import { batchChunkSize, batchSharedSchema, rowStatuses } from '../domain/invitation-batches.js';
import { timeSchema } from '../domain/time.js';
import { enqueue, storage } from './clients.js';
import { readEntity, tableCodec } from './entities.js';
import { storageStatus } from './errors.js';
import { newestFirstKey } from './keys.js';
import { queueNames, tableNames } from './names.js';

/**
 * Invitation batches, in table `invitationBatches`: one partition per batch (`batch:<id>`), the
 * batch itself at RowKey `batch` and one entity per row at `row:<index>` (zero-padded, so rows
 * list in order). Rows are written first and the batch last: a batch that can be read has all its rows.
 * Each partner's batches are listed, newest first, in partition `partner:<partnerId>` (RowKey
 * `newestFirstKey`), written after the batch.
 */
const batchSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  createdAt: timeSchema,
  createdBy: actorSchema,
  total: z.number().int(),
  shared: batchSharedSchema,
});
export type InvitationBatch = z.infer<typeof batchSchema>;

const rowProblemSchema = z.object({ field: z.string(), message: z.string() });
const batchRowRecordSchema = z.object({
  batchId: z.string(),
  index: z.number().int(),
  /** The row as it arrived (strings the template's columns hold), so results show what was sent. */
  input: z.record(z.string(), z.unknown()),
  status: z.enum(rowStatuses),
  invitationId: z.string().optional(),
  problem: rowProblemSchema.optional(),
});
export type BatchRowRecord = z.infer<typeof batchRowRecordSchema>;

const partitionOf = (batchId: string) => `batch:${batchId}`;
const batchIdOf = (partitionKey: string) => partitionKey.slice('batch:'.length);
const rowKeyOf = (index: number) => `row:${String(index).padStart(5, '0')}`;
const batchRowKey = 'batch';

const batches = tableCodec(tableNames.invitationBatches, batchSchema, {
  keys: (b) => ({ partitionKey: partitionOf(b.id), rowKey: batchRowKey }),
  fromKeys: (keys) => ({ id: batchIdOf(keys.partitionKey) }),
  json: ['createdBy', 'shared'],
});
const rows = tableCodec(tableNames.invitationBatches, batchRowRecordSchema, {
  keys: (r) => ({ partitionKey: partitionOf(r.batchId), rowKey: rowKeyOf(r.index) }),
  fromKeys: (keys) => ({ batchId: batchIdOf(keys.partitionKey), index: Number(keys.rowKey.slice('row:'.length)) }),
  json: ['input', 'problem'],
});

/** What a partner's list of batches shows of each; the batch itself is read when it is opened. */
const batchListingSchema = batchSchema.pick({
  id: true,
  partnerId: true,
  createdAt: true,
  createdBy: true,
  total: true,
});
export type BatchListing = z.infer<typeof batchListingSchema>;

const listings = tableCodec(tableNames.invitationBatches, batchListingSchema, {
  keys: (b) => ({ partitionKey: `partner:${b.partnerId}`, rowKey: newestFirstKey(Date.parse(b.createdAt), b.id) }),
  fromKeys: (keys) => ({ partnerId: keys.partitionKey.slice('partner:'.length) }),
  json: ['createdBy'],
});

const table = async () => (await storage()).table(tableNames.invitationBatches);

/** Entity-group transactions take at most 100 operations. */
const transactionSize = 100;

/**
 * Stores a batch: its rows (upserts, so a retry after a crash halfway writes the same), then the
 * batch. False when the batch exists already.
 */
export async function createBatch(batch: InvitationBatch, batchRows: BatchRowRecord[]): Promise<boolean> {
  const t = await table();
  for (let i = 0; i < batchRows.length; i += transactionSize)
    await t.submitTransaction(
      batchRows.slice(i, i + transactionSize).map((r): TransactionAction => ['upsert', rows.encode(r), 'Replace']),
    );
  try {
    await t.createEntity(batches.encode(batch));
  } catch (error) {
    if (storageStatus(error) === 409) return false;
    throw error;
  }
  await listBatch(batch);
  return true;
}

/** Puts the batch in its partner's list (the same entity again on a retry). */
export async function listBatch(batch: InvitationBatch): Promise<void> {
  const { id, partnerId, createdAt, createdBy, total } = batch;
  await (await table()).upsertEntity(listings.encode({ id, partnerId, createdAt, createdBy, total }), 'Replace');
}

/** A partner's newest `top` batches, newest first. */
export async function partnerBatches(partnerId: string, top: number): Promise<BatchListing[]> {
  const pages = (await table())
    .listEntities({ queryOptions: { filter: odata`PartitionKey eq ${`partner:${partnerId}`}` } })
    .byPage({ maxPageSize: top });
  for await (const page of pages) return page.map((e) => listings.decode(e));
  return [];
}

export async function readBatch(batchId: string): Promise<InvitationBatch | undefined> {
  const entity = await readEntity(await table(), partitionOf(batchId), batchRowKey);
  return entity && batches.decode(entity);
}

/** The rows of a batch in order; from `from` (inclusive) to `to` (exclusive) when given. */
export async function readBatchRows(batchId: string, range?: { from: number; to: number }): Promise<BatchRowRecord[]> {
  const partitionKey = partitionOf(batchId);
  const filter = range
    ? odata`PartitionKey eq ${partitionKey} and RowKey ge ${rowKeyOf(range.from)} and RowKey lt ${rowKeyOf(range.to)}`
    : odata`PartitionKey eq ${partitionKey} and RowKey ge ${'row:'} and RowKey lt ${'row;'}`;
  const found: BatchRowRecord[] = [];
  for await (const entity of (await table()).listEntities({ queryOptions: { filter } }))
    found.push(rows.decode(entity));
  return found;
}

/** Records a row's outcome (the same outcome again, from a retried chunk, writes the same). */
export async function recordRowOutcome(row: BatchRowRecord): Promise<void> {
  await (await table()).upsertEntity(rows.encode(row), 'Replace');
}

/** The queue message that creates one chunk's invitations. */
export const batchChunkMessageSchema = z.object({
  batchId: z.string().min(1).max(100),
  chunk: z.number().int().min(0),
});
export type BatchChunkMessage = z.infer<typeof batchChunkMessageSchema>;

/** Rows `[from, to)` of a chunk. */
export const chunkRange = (chunk: number, total: number) => ({
  from: chunk * batchChunkSize,
  to: Math.min(total, (chunk + 1) * batchChunkSize),
});

export async function enqueueBatchChunks(batchId: string, chunks: number[]): Promise<void> {
  const queue = (await storage()).queue(queueNames.invitationBatches);
  await Promise.all(chunks.map((chunk) => enqueue(queue, { batchId, chunk } satisfies BatchChunkMessage)));
}
