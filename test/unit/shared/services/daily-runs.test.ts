import { afterEach, describe, expect, it } from 'vitest';
import { resetClock, setClock } from '../../../../shared/clock.js';
import { runBounded } from '../../../../shared/services/daily-runs.js';

async function* items(count: number): AsyncGenerator<number> {
  for (let i = 0; i < count; i++) yield i;
}

afterEach(() => resetClock());

describe('runBounded', () => {
  it('handles every item once, never more than its concurrency at a time', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    const run = await runBounded(items(50), 4, async (i) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 1));
      done.push(i);
      running--;
    });
    expect(run).toEqual({ outOfTime: false });
    expect(done.sort((a, b) => a - b)).toEqual([...Array(50).keys()]);
    expect(most).toBe(4);
  });

  it('takes no new item once its budget is spent, and says so: the rest is left to the next run', async () => {
    let at = Date.parse('2026-12-02T03:30:00Z');
    setClock(() => new Date(at));
    const done: number[] = [];
    const run = await runBounded(
      items(10),
      1,
      async (i) => {
        done.push(i);
        at += 60_000; // each item takes a minute
      },
      3 * 60_000,
    );
    expect(run).toEqual({ outOfTime: true });
    expect(done).toEqual([0, 1, 2]);
  });

  it('stops taking items after one fails, lets the others finish, then throws that error', async () => {
    const done: number[] = [];
    await expect(
      runBounded(items(20), 2, async (i) => {
        if (i === 3) throw new Error('storage refused');
        await new Promise((r) => setTimeout(r, 1));
        done.push(i);
      }),
    ).rejects.toThrow('storage refused');
    expect(done.length).toBeLessThan(19);
    expect(done).not.toContain(3);
  });
});
