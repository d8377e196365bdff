import { runConcurrent, type LoadResult } from './load.js';
import { row, type BenchRow } from './stats.js';

/** One HTTP scenario: our call through the local host, and its floor, measured alike. */
export interface Comparison {
  scenario: string;
  floorName: string;
  /** One call each; each call takes its own fresh data (ids, invitations) from the scenario's stock. */
  ours: () => Promise<void>;
  floor: () => Promise<void>;
  /** Calls per concurrency: warm-up (not recorded) and measured. */
  counts: Record<1 | 16, { warm: number; total: number }>;
  /** Run before each measured phase (e.g. let the host's queue functions finish earlier work). */
  settle?: () => Promise<void>;
  goals?: { p50Ratio?: number; throughputShareAt16?: number };
}

export const concurrencies = [1, 16] as const;

function check(result: LoadResult, what: string): LoadResult {
  if (result.errors > 0)
    throw new Error(
      `${what}: ${result.errors} of ${result.count + result.errors} calls failed; first: ${String(result.firstError)}`,
    );
  return result;
}

async function phase(c: Comparison, concurrency: 1 | 16, side: 'ours' | 'floor'): Promise<LoadResult> {
  const fn = c[side];
  const { warm, total } = c.counts[concurrency];
  await c.settle?.();
  check(await runConcurrent(concurrency, warm, fn), `${c.scenario} ${side} warm-up`);
  await c.settle?.();
  const r = check(await runConcurrent(concurrency, total, fn), `${c.scenario} ${side}`);
  process.stderr.write(
    `bench:     ${side.padEnd(5)} ×${concurrency}: p50 ${r.p50.toFixed(1)} p95 ${r.p95.toFixed(1)} p99 ${r.p99.toFixed(1)} max ${r.max.toFixed(0)} ms, ${r.rps.toFixed(0)} req/s\n`,
  );
  return r;
}

/**
 * p50/p95/p99 latency and throughput of ours beside the floor, at 1 and 16 in flight. The floor
 * runs first at each concurrency, each side after its own warm-up.
 */
export async function compare(c: Comparison): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const concurrency of concurrencies) {
    const floor = await phase(c, concurrency, 'floor');
    const ours = await phase(c, concurrency, 'ours');
    const scenario = `${c.scenario} · ${concurrency} in flight`;
    const base = { scenario, floorName: c.floorName };
    const p50Goal = c.goals?.p50Ratio;
    const shareGoal = concurrency === 16 ? c.goals?.throughputShareAt16 : undefined;
    rows.push(
      row({
        ...base,
        metric: `p50 (${c.counts[concurrency].total} calls)`,
        unit: 'ms',
        ours: ours.p50,
        floor: floor.p50,
        goal: p50Goal ? `≤ ${p50Goal} × floor` : null,
        ...(p50Goal ? { check: (r: number) => r <= p50Goal } : {}),
      }),
      row({ ...base, metric: 'p95', unit: 'ms', ours: ours.p95, floor: floor.p95, goal: null }),
      row({ ...base, metric: 'p99', unit: 'ms', ours: ours.p99, floor: floor.p99, goal: null }),
      row({
        ...base,
        metric: 'throughput',
        unit: 'req/s',
        ours: ours.rps,
        floor: floor.rps,
        goal: shareGoal ? `≥ ${shareGoal} × floor` : null,
        ...(shareGoal ? { check: (r: number) => r >= shareGoal } : {}),
      }),
    );
  }
  return rows;
}
