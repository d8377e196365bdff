/**
 * What every batch shares, whatever its rows do (invite a customer, end a relationship): at most
 * 500 rows, run 50 at a time, each pending until it is done or failed with its problem.
 */
export const maxBatchRows = 500;

/** Rows one queue message runs: a retried chunk redoes at most this many rows' lookups. */
export const batchChunkSize = 50;

/** Chunk numbers of a batch of `total` rows. */
export const batchChunks = (total: number): number[] =>
  Array.from({ length: Math.ceil(total / batchChunkSize) }, (_, i) => i);

/** Why a row failed: the field at fault, in the body's own words, and what is wrong with it. */
export interface RowProblem {
  field: string;
  message: string;
}

/**
 * Progress as the partner sees it: a row is `pending` until it is done (whatever a kind of batch
 * calls that) or `failed`; no pending row left means the batch is done.
 */
export function batchProgress(statuses: readonly string[]): {
  status: 'running' | 'done';
  total: number;
  done: number;
  failed: number;
} {
  const failed = statuses.filter((s) => s === 'failed').length;
  const pending = statuses.filter((s) => s === 'pending').length;
  return {
    status: pending === 0 ? 'done' : 'running',
    total: statuses.length,
    done: statuses.length - failed - pending,
    failed,
  };
}
