import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  absoluteRow,
  interleave,
  progress,
  type BenchOptions,
  type BenchRow,
  type BenchScenario,
  type MetricSpec,
  type RatioGoal,
  type RoundResult,
} from './harness.js';
import type { BenchHost } from './host.js';
import { countOperations, type OperationSpec } from './operations.js';
import { startBenchServer } from './servers.js';
import { ensureWrk, wrk, wrkNotes, type WrkLoad } from './wrk.js';

/** How long each side runs per round, how many rounds, and the warm-up before them. */
export const roundPlan = ({ quick }: BenchOptions) =>
  quick ? { rounds: 2, seconds: 2, warmSeconds: 1 } : { rounds: 5, seconds: 3, warmSeconds: 2 };

export const connectionCounts = [1, 16] as const;

let runs = 0;
/** A number unique to each wrk run of this bench process, so its generated emails and client addresses are new. */
export const nextRun = (): number => ++runs;

/** Writes a JSON body template for wrk (`{n}` is replaced per request) and returns its path. */
export async function bodyFile(name: string, body: unknown): Promise<string> {
  const path = join(tmpdir(), `partner-relationships-bench-${process.pid}-${name}.json`);
  await writeFile(path, JSON.stringify(body));
  return path;
}

/** Writes the paths wrk GETs in turn and returns the file's path. */
export async function pathsFile(name: string, paths: string[]): Promise<string> {
  const path = join(tmpdir(), `partner-relationships-bench-${process.pid}-${name}.txt`);
  await writeFile(path, `${paths.join('\n')}\n`);
  return path;
}

/**
 * One side of one round: wrk for `seconds`, then, when `operations` is given, the storage
 * operations the proxy counted for it, checked against the spec (the bench fails when they differ).
 */
export async function httpRound(
  host: BenchHost,
  url: string,
  load: () => WrkLoad,
  connections: number,
  seconds: number,
  operations?: OperationSpec,
): Promise<RoundResult> {
  const from = host.roundTrips.length;
  const r = await wrk(url, load(), connections, seconds);
  const notes = wrkNotes(r);
  // A round that answered nothing is a stall at least as long as the round: its figures say so rather than vanish.
  const stalled = r.requests === 0;
  if (stalled) notes.push(`stall: no request was answered within the ${seconds} s round`);
  const invalid = r.errors > 0 ? `${r.errors} of ${r.requests} requests failed or were not answered 2xx` : undefined;
  const counted = operations
    ? await countOperations(host.roundTrips, from, operations, r.requests, connections)
    : undefined;
  if (counted && counted.storageErrors > 0) {
    notes.push(
      `Azurite failed ${counted.storageErrors} round trip(s) (5xx/408), which the SDK retried; not counted as operations`,
    );
  }
  const atLeast = seconds * 1000;
  const figures = stalled
    ? { p50: atLeast, p99: atLeast, rps: 0, max: atLeast }
    : { p50: r.p50, p99: r.p99, rps: r.rps, max: r.max };
  return { figures, notes, invalid: invalid ?? counted?.problem };
}

/** The latency and throughput rows of an HTTP comparison, with optional goals on p50 and throughput. */
export const httpMetrics = (connections: number, goals: { p50?: number; throughput?: number } = {}): MetricSpec[] => {
  const p50: RatioGoal | undefined = goals.p50 === undefined ? undefined : { better: 'lower', ratio: goals.p50 };
  const throughput: RatioGoal | undefined =
    goals.throughput === undefined ? undefined : { better: 'higher', ratio: goals.throughput };
  return [
    {
      key: 'p50',
      label: `p50 · ${connections} connection${connections > 1 ? 's' : ''}`,
      unit: 'ms',
      ...(p50 ? { goal: p50 } : {}),
    },
    { key: 'p99', label: `p99 · ${connections} connection${connections > 1 ? 's' : ''}`, unit: 'ms' },
    {
      key: 'rps',
      label: `throughput · ${connections} connection${connections > 1 ? 's' : ''}`,
      unit: 'req/s',
      ...(throughput ? { goal: throughput } : {}),
    },
  ];
};

/** Service and floor over HTTP at each connection count: a warm-up of each, then interleaved rounds. */
export async function compareHttp(
  options: BenchOptions,
  spec: {
    scenario: string;
    floorName: string;
    host: BenchHost;
    serviceUrl: string;
    floorUrl: string;
    load: () => WrkLoad;
    operations?: OperationSpec;
    goals?: { p50?: number; throughput?: number };
  },
): Promise<BenchRow[]> {
  const plan = roundPlan(options);
  const rows: BenchRow[] = [];
  for (const connections of connectionCounts) {
    progress(
      `  ${spec.scenario} · ${connections} connection(s): warm-up, then ${plan.rounds} rounds of ${plan.seconds} s a side`,
    );
    for (const url of [spec.serviceUrl, spec.floorUrl]) {
      await spec.host.queuesIdle();
      await wrk(url, spec.load(), connections, plan.warmSeconds);
    }
    rows.push(
      ...(await interleave({
        scenario: spec.scenario,
        floorName: spec.floorName,
        rounds: plan.rounds,
        metrics: httpMetrics(connections, spec.goals),
        service: () => httpRound(spec.host, spec.serviceUrl, spec.load, connections, plan.seconds, spec.operations),
        floor: () => httpRound(spec.host, spec.floorUrl, spec.load, connections, plan.seconds, spec.operations),
        between: () => spec.host.queuesIdle(),
      })),
    );
  }
  return rows;
}

/**
 * The load generator's own ceiling, in the same run: wrk at 16 connections against a server that
 * does nothing (bench/trivial-server.ts), posting the contact body. bench/run.ts adds how close
 * the fastest row came to it.
 */
export const loadGeneratorCeiling: BenchScenario = {
  name: 'load generator ceiling',
  async run(options) {
    ensureWrk();
    const plan = roundPlan(options);
    const server = await startBenchServer('bench/trivial-server.ts');
    try {
      const body = await bodyFile('ceiling', { email: 'bench-{n}@customer.example' });
      const load = (): WrkLoad => ({ post: '/api/contact-requests', bodyFile: body, run: nextRun() });
      await wrk(server.url, load(), 16, plan.warmSeconds);
      const results = [];
      for (let round = 0; round < plan.rounds; round++) results.push(await wrk(server.url, load(), 16, plan.seconds));
      const scenario = 'load generator ceiling: wrk → trivial node:http server';
      return [
        absoluteRow({
          scenario,
          metric: 'throughput · 16 connections',
          unit: 'req/s',
          values: results.map((r) => r.rps),
        }),
        absoluteRow({ scenario, metric: 'p50 · 16 connections', unit: 'ms', values: results.map((r) => r.p50) }),
      ];
    } finally {
      await server.stop();
    }
  },
};
