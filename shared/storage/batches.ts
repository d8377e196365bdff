import { odata, type TransactionAction } from '@azure/data-tables';
import { z } from 'zod';
import { actorSchema } from '../domain/audit.js';
import { batchChunkSize } from '../domain/batches.js';
import { timeSchema } from '../domain/time.js';
import { enqueue, storage } from './clients.js';
import { readEntity, tableCodec } from './entities.js';
import { storageStatus } from './errors.js';
import type { QueueName, TableName } from './names.js';

/**
 * The storage every kind of batch shares: one table per kind, one partition per batch
 * (`batch:<id>`), the batch itself at RowKey `batch` and one entity per row at `row:<index>`
 * (zero-padded, so rows list in order); one queue per kind, a message per chunk of rows. Rows are
 * written first and the batch last: a batch that can be read has all its rows.
 */
export interface StoredBatch {
  id: string;
  total: number;
}

export interface StoredBatchRow {
  batchId: string;
  index: number;
  /** `pending` until the row is done or `failed` (each kind names its own statuses besides). */
  status: string;
}

export const rowProblemSchema = z.object({ field: z.string(), message: z.string() });

/** What every kind of batch records about itself; each kind extends it with what it applies. */
export const partnerBatchSchema = z.object({
  id: z.string(),
  partnerId: z.string(),
  createdAt: timeSchema,
  createdBy: actorSchema,
  total: z.number().int(),
});

/** What every row of a batch records; each kind extends it with its status and results. */
export const batchRowBaseSchema = z.object({ batchId: z.string(), index: z.number().int() });

/** The queue message that runs one chunk of a batch's rows. */
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

export interface BatchStore<B extends StoredBatch, R extends StoredBatchRow> {
  /** Stores a batch: its rows (upserts, so a retry after a crash halfway writes the same), then the batch. False when the batch exists already. */
  createBatch(batch: B, rows: R[]): Promise<boolean>;
  readBatch(batchId: string): Promise<B | undefined>;
  /** The rows of a batch in order; from `from` (inclusive) to `to` (exclusive) when given. */
  readBatchRows(batchId: string, range?: { from: number; to: number }): Promise<R[]>;
  /** Records rows' outcomes, all or none per transaction (the same outcomes again, from a retried chunk, write the same). */
  recordRowOutcomes(rows: R[]): Promise<void>;
  enqueueChunks(batchId: string, chunks: number[]): Promise<void>;
}

const partitionOf = (batchId: string) => `batch:${batchId}`;
const batchIdOf = (partitionKey: string) => partitionKey.slice('batch:'.length);
const rowKeyOf = (index: number) => `row:${String(index).padStart(5, '0')}`;
const batchRowKey = 'batch';

/** Entity-group transactions take at most 100 operations. */
const transactionSize = 100;

/** The table and queue of one kind of batch, its batch and row records checked by their schemas. */
export function batchStore<B extends StoredBatch, R extends StoredBatchRow>(spec: {
  table: TableName;
  queue: QueueName;
  batchSchema: z.ZodType<B>;
  rowSchema: z.ZodType<R>;
  /** Fields stored as JSON text. */
  batchJson: readonly string[];
  rowJson: readonly string[];
}): BatchStore<B, R> {
  const batches = tableCodec(spec.table, spec.batchSchema, {
    keys: (b) => ({ partitionKey: partitionOf(b.id), rowKey: batchRowKey }),
    fromKeys: (keys) => ({ id: batchIdOf(keys.partitionKey) }) as Partial<B>,
    json: spec.batchJson,
  });
  const rows = tableCodec(spec.table, spec.rowSchema, {
    keys: (r) => ({ partitionKey: partitionOf(r.batchId), rowKey: rowKeyOf(r.index) }),
    fromKeys: (keys) =>
      ({ batchId: batchIdOf(keys.partitionKey), index: Number(keys.rowKey.slice('row:'.length)) }) as Partial<R>,
    json: spec.rowJson,
  });
  const table = async () => (await storage()).table(spec.table);
  /** Upserts rows of one batch (one partition), a transaction per 100. */
  const upsertRows = async (t: Awaited<ReturnType<typeof table>>, batchRows: R[]) => {
    for (let i = 0; i < batchRows.length; i += transactionSize)
      await t.submitTransaction(
        batchRows.slice(i, i + transactionSize).map((r): TransactionAction => ['upsert', rows.encode(r), 'Replace']),
      );
  };
  return {
    async createBatch(batch, batchRows) {
      const t = await table();
      await upsertRows(t, batchRows);
      try {
        await t.createEntity(batches.encode(batch));
        return true;
      } catch (error) {
        if (storageStatus(error) === 409) return false;
        throw error;
      }
    },
    async readBatch(batchId) {
      // Batch ids are UUIDs; anything else names no batch and never reaches storage as a key (`/` is not allowed in one).
      if (!z.uuid().safeParse(batchId).success) return undefined;
      const entity = await readEntity(await table(), partitionOf(batchId), batchRowKey);
      return entity && batches.decode(entity);
    },
    async readBatchRows(batchId, range) {
      const partitionKey = partitionOf(batchId);
      const filter = range
        ? odata`PartitionKey eq ${partitionKey} and RowKey ge ${rowKeyOf(range.from)} and RowKey lt ${rowKeyOf(range.to)}`
        : odata`PartitionKey eq ${partitionKey} and RowKey ge ${'row:'} and RowKey lt ${'row;'}`;
      const found: R[] = [];
      for await (const entity of (await table()).listEntities({ queryOptions: { filter } }))
        found.push(rows.decode(entity));
      return found;
    },
    async recordRowOutcomes(outcomes) {
      await upsertRows(await table(), outcomes);
    },
    async enqueueChunks(batchId, chunks) {
      const queue = (await storage()).queue(spec.queue);
      await Promise.all(chunks.map((chunk) => enqueue(queue, { batchId, chunk } satisfies BatchChunkMessage)));
    },
  };
}
