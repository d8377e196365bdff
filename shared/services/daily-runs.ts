import { now } from '../clock.js';

/**
 * How long a timer's run takes new work: the Functions host stops a run at `functionTimeout` (5 minutes, host.json), so
 * a run stops taking items a minute before and leaves the rest, still due, to the next run.
 */
export const runBudgetMs = 4 * 60_000;

/**
 * Runs `work` on the items of `source`, at most `concurrency` at a time, the workers sharing one listing (an async
 * generator queues concurrent `next()` calls, so it is read page by page). A worker takes no new item once the run's
 * budget is spent (by `now()`, from when it started) or an item failed. Settled, not raced: it returns only once no
 * worker is still writing, then throws the first error. Whether the budget ended it.
 */
export async function runBounded<T>(
  source: AsyncIterator<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
  budgetMs = runBudgetMs,
): Promise<{ outOfTime: boolean }> {
  const deadline = now().getTime() + budgetMs;
  let failed = false;
  let outOfTime = false;
  const worker = async () => {
    while (!failed) {
      if (now().getTime() >= deadline) {
        outOfTime = true;
        return;
      }
      const next = await source.next();
      if (next.done) return;
      try {
        await work(next.value);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: concurrency }, worker));
  const failure = outcomes.find((o) => o.status === 'rejected');
  if (failure) throw failure.reason;
  return { outOfTime };
}
