import { odata, type TableEntityResult } from '@azure/data-tables';
import type { z } from 'zod';
import { storage } from './clients.js';
import { decodeEntity, etagOf, readEntity } from './entities.js';
import { storageStatus } from './errors.js';
import { tableNames } from './names.js';

/**
 * What a timer owes at a given time, one row per item in the job's partition with the due time first in its row key
 * (ISO 8601, fixed width UTC, so string order is time order). A run reads only the rows due by then, one range query,
 * however much is not due; an item's row is written before the item itself, so no item is ever missed, and deleted only
 * once its work is durable, so the rows left after a run that stopped (killed, or out of time) are exactly what the
 * next run resumes with: the rows are the cursor. A row whose item changed or vanished meanwhile is harmless: the job
 * reads the item and decides from it.
 */
export type DueJob = 'invitationExpiry' | 'relationshipReminders';

export interface DueRow<T> {
  dueAt: string;
  item: T;
  /** Where the row is, and the version read: `finishDue` deletes that version only. */
  rowKey: string;
  etag: string;
}

const rowKeyOf = (dueAt: string, id: string) => `${dueAt}|${id}`;
/** Sorts after every row key of `time` (`|` < `~`) and before every later time's. */
const pastTime = (time: string) => `${time}~`;

async function table() {
  return (await storage()).table(tableNames.dueWork);
}

/** Files `item` (its own columns) as due at `dueAt`, under `id` (unique within the job). Writing it again is harmless. */
export async function fileDue(job: DueJob, dueAt: string, id: string, item: Record<string, string>): Promise<void> {
  await (await table()).upsertEntity({ partitionKey: job, rowKey: rowKeyOf(dueAt, id), ...item }, 'Replace');
}

/** The job's rows due at or before `until`, earliest first, page by page (each read with `schema`). */
export async function* dueRows<S extends z.ZodType<object>>(
  job: DueJob,
  until: Date,
  schema: S,
): AsyncGenerator<DueRow<z.output<S>>> {
  const t = await table();
  const filter = odata`PartitionKey eq ${job} and RowKey lt ${pastTime(until.toISOString())}`;
  for await (const entity of t.listEntities<Record<string, unknown>>({ queryOptions: { filter } }))
    yield rowOf(entity, schema);
}

function rowOf<S extends z.ZodType<object>>(
  entity: TableEntityResult<Record<string, unknown>>,
  schema: S,
): DueRow<z.output<S>> {
  const rowKey = String(entity.rowKey);
  return {
    dueAt: rowKey.slice(0, rowKey.indexOf('|')),
    item: decodeEntity(tableNames.dueWork, schema, entity),
    rowKey,
    etag: etagOf(entity),
  };
}

/**
 * A marker of something a job did once (its row key starts with a letter, so it sorts after every due time and no
 * range of due rows reads it).
 */
export async function dueMarked(job: DueJob, marker: string): Promise<boolean> {
  return (await readEntity(await table(), job, marker)) !== undefined;
}

export async function markDue(job: DueJob, marker: string): Promise<void> {
  await (await table()).upsertEntity({ partitionKey: job, rowKey: marker }, 'Replace');
}

/** Removes a row once its work is durable; one already removed (another run) or filed again since (412) is left. */
export async function finishDue(job: DueJob, row: DueRow<unknown>): Promise<void> {
  try {
    await (await table()).deleteEntity(job, row.rowKey, { etag: row.etag });
  } catch (error) {
    const status = storageStatus(error);
    if (status !== 404 && status !== 412) throw error;
  }
}
