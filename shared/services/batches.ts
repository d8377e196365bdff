import type { InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { batchChunks, type RowProblem } from '../domain/batches.js';
import { AppError } from '../errors.js';
import {
  batchChunkMessageSchema,
  chunkRange,
  type BatchStore,
  type StoredBatch,
  type StoredBatchRow,
} from '../storage/batches.js';
import { maxDequeueCount } from '../storage/names.js';
import { completeIntent, followUpKind, fulfil, intend, type FollowUpKind } from './follow-ups.js';
import { idempotentCreate } from './idempotent-create.js';

/**
 * What every kind of batch does the same way: start it once per Idempotency-Key (rows stored, then
 * the batch, then a queue message per chunk, under a follow-up intent), and run a chunk's pending
 * rows, recording each outcome, so a redelivered chunk redoes only rows not yet recorded.
 */

/**
 * A stored batch owes its chunk messages: written as an intent before the batch, so a crash
 * between storing it and queueing them leaves the intent for the sweeper to finish. `settle`, when
 * given, is what else the stored batch owes (done again here, so it must write the same on a retry).
 */
export const batchFollowUp = <B extends StoredBatch, R extends StoredBatchRow>(
  name: string,
  store: BatchStore<B, R>,
  settle?: (batch: B) => Promise<void>,
): FollowUpKind<{ batchId: string }> =>
  followUpKind({
    name,
    payload: z.object({ batchId: z.string() }),
    async complete({ batchId }) {
      const batch = await store.readBatch(batchId);
      if (!batch) return;
      await settle?.(batch);
      await store.enqueueChunks(batch.id, batchChunks(batch.total));
    },
  });

/** Stores a new batch and queues its chunks; the same Idempotency-Key and body again answers the first batch. */
export async function startBatch<B extends StoredBatch, R extends StoredBatchRow>(spec: {
  store: BatchStore<B, R>;
  followUp: FollowUpKind<{ batchId: string }>;
  scope: string;
  idempotencyKey: string | undefined;
  body: unknown;
  newId: () => string;
  /** The batch and its rows under a new id. */
  build: (id: string) => { batch: B; rows: R[] };
}): Promise<{ batch: B; replay: boolean }> {
  const { store, followUp } = spec;
  const { value, replay } = await idempotentCreate({
    scope: spec.scope,
    idempotencyKey: spec.idempotencyKey,
    body: spec.body,
    newId: spec.newId,
    read: (id) => store.readBatch(id),
    complete: async (batch) => {
      await completeIntent(followUp, batch.id);
      return batch;
    },
    create: async (id) => {
      const { batch, rows } = spec.build(id);
      const created = await intend(followUp, id, { batchId: id }, () => store.createBatch(batch, rows));
      if (!created) return undefined;
      await fulfil(followUp, id, () => store.enqueueChunks(id, batchChunks(batch.total)));
      return batch;
    },
  });
  return { batch: value, replay };
}

/** One of the partner's batches (404 for another partner's, or none). */
export async function batchOfPartner<B extends StoredBatch & { partnerId: string }, R extends StoredBatchRow>(
  store: BatchStore<B, R>,
  partnerId: string,
  batchId: string,
  what: string,
): Promise<B> {
  const batch = await store.readBatch(batchId);
  if (!batch || batch.partnerId !== partnerId) throw new AppError('not-found', `No such ${what}.`);
  return batch;
}

/** A refusal of the rules as a row's problem: the field it names, else `fallbackField`. */
export function rowProblemOf(error: AppError, fallbackField: string): RowProblem {
  const field = error.extra?.errors?.[0];
  return field ? { field: field.path, message: field.message } : { field: fallbackField, message: error.detail };
}

/** How many rows of one chunk run at once: enough to overlap storage round trips, few enough to be gentle. */
const rowConcurrency = 10;
/** Outcomes recorded together, in one transaction: the batch's progress moves at least every this many rows. */
const outcomesPerRecord = 10;

/**
 * A batch queue function: runs one chunk's pending rows, `rowConcurrency` at a time, and records their outcomes
 * `outcomesPerRecord` at a time. A redelivered message (a crash, a failed storage call) redoes only rows not yet
 * recorded, and `run` must find what an earlier try of the same row did. On the last try, rows that still fail for a
 * fault of ours are recorded as failed, with `lastTryMessage` as their problem, rather than left pending for good.
 */
export const batchChunkRunner =
  <B extends StoredBatch, R extends StoredBatchRow>(spec: {
    store: BatchStore<B, R>;
    /** The kind of batch, as logs name it. */
    what: string;
    /**
     * What does one row of the batch's chunk (what the rows share, such as the partner's directory entry, read once
     * per chunk): the row's outcome, done or failed with the problem the rules found; throws for a fault of ours.
     */
    forChunk: (batch: B) => Promise<(row: R) => Promise<R>>;
    /** What a row that failed for a fault of ours on its last try tells the partner to do. */
    lastTryMessage: string;
  }) =>
  async (message: unknown, dequeueCount: number, context: Pick<InvocationContext, 'log' | 'error'>): Promise<void> => {
    const { store } = spec;
    const parsed = batchChunkMessageSchema.safeParse(message);
    const batch = parsed.success ? await store.readBatch(parsed.data.batchId) : undefined;
    if (!parsed.success || !batch) {
      context.error(`${spec.what} message names no stored batch; dropped`);
      return;
    }
    const pending = (await store.readBatchRows(batch.id, chunkRange(parsed.data.chunk, batch.total))).filter(
      (r) => r.status === 'pending',
    );
    // A failure to read what the rows share is each row's fault, so a last try still records every row.
    const run = await spec.forChunk(batch).then(
      (runRow) => runRow,
      (error: unknown) => (): Promise<R> => {
        throw error;
      },
    );
    const faults: unknown[] = [];
    const outcomes: R[] = [];
    const recordOutcomes = async () => {
      const these = outcomes.splice(0);
      if (these.length > 0) await store.recordRowOutcomes(these).catch((error: unknown) => void faults.push(error));
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(rowConcurrency, pending.length) }, async () => {
        for (let row = pending[next++]; row; row = pending[next++]) {
          try {
            outcomes.push(await run(row));
          } catch (error) {
            if (dequeueCount < maxDequeueCount) {
              faults.push(error);
              continue;
            }
            context.error(`${spec.what} ${batch.id} row ${row.index + 1} failed on its last try`, error);
            outcomes.push({ ...row, status: 'failed', problem: { field: '(row)', message: spec.lastTryMessage } });
          }
          if (outcomes.length >= outcomesPerRecord) await recordOutcomes();
        }
      }),
    );
    await recordOutcomes();
    if (faults.length > 0) throw faults[0];
    context.log(`${spec.what} ${batch.id} chunk ${parsed.data.chunk}: ${pending.length} rows done`);
  };
