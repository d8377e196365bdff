import { pathToFileURL } from 'node:url';
import { generateDemoDirectory, seededRandom } from '../local/demo-directory.js';
import {
  directorySearchQuerySchema,
  DirectorySearchIndex,
  type DirectorySearchQuery,
} from '../shared/domain/directory-search.js';
import { organizationSizes } from '../shared/domain/directory.js';
import { absoluteRow, type BenchScenario } from './harness.js';

export interface DirectorySearchBenchResult {
  entries: number;
  queries: number;
  buildMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** The goal: p95 of one search over 20,000 entries at most 0.5 ms. */
  goalP95Ms: number;
}

/** Words people search for (and one nobody has), shared with bench/directory-scale.ts. */
export const searchWords = [
  'azure',
  'security',
  'data',
  'analytics',
  'migration',
  'healthcare',
  'retail',
  'teams',
  'power',
  'backup',
  'devops',
  'training',
  'zurich',
  'münchen',
  'licensing',
  'manufacturing',
  'nonexistentword',
];
const places: Record<string, string>[] = [
  { country: 'US' },
  { country: 'DE', region: 'Bayern' },
  { country: 'DE', city: 'Munchen' },
  { country: 'CH', region: 'Zurich', city: 'Zürich' },
  { country: 'FR', region: 'Île-de-France' },
  { country: 'GB', city: 'London' },
  { country: 'JP' },
];

/** A varied, repeatable mix of query strings: filters alone, words alone, both, nothing at all. */
export function rawQueryMix(count: number): Record<string, string>[] {
  const next = seededRandom(7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  return Array.from({ length: count }, () => {
    const raw: Record<string, string> = {};
    if (next() < 0.7) Object.assign(raw, pick(places));
    if (next() < 0.4) raw.size = pick(organizationSizes);
    if (next() < 0.6) raw.q = Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(searchWords)).join(' ');
    raw.top = next() < 0.8 ? '20' : '50';
    return raw;
  });
}

const queryMix = (count: number): DirectorySearchQuery[] =>
  rawQueryMix(count).map((raw) => directorySearchQuerySchema.parse(raw));

/** Builds the index of `entries` generated partners in process and times `queries` searches (plus follow-up pages). */
export function benchDirectorySearch(options: { entries?: number; queries?: number } = {}): DirectorySearchBenchResult {
  const entries = generateDemoDirectory(options.entries ?? 20_000);
  const started = performance.now();
  const index = new DirectorySearchIndex(entries);
  const buildMs = performance.now() - started;
  const queries = queryMix(options.queries ?? 5_000);
  for (const q of queries.slice(0, 200)) index.search(q); // warm up the JIT
  const times: number[] = [];
  for (const q of queries) {
    let t = performance.now();
    const first = index.search(q);
    times.push(performance.now() - t);
    if (first.continuationToken) {
      t = performance.now();
      index.search({ ...q, continuationToken: first.continuationToken });
      times.push(performance.now() - t);
    }
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
  return {
    entries: index.size,
    queries: times.length,
    buildMs,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    maxMs: times.at(-1)!,
    goalP95Ms: 0.5,
  };
}

/**
 * The benchmark as `npm run bench` rows: in-process search latency over 20,000 entries, against the 0.5 ms goal (no
 * floor: the goal is absolute).
 */
export const directorySearch: BenchScenario = {
  name: 'directory search in process',
  async run({ quick }) {
    const r = benchDirectorySearch(quick ? { queries: 1_000 } : {});
    const scenario = 'directory search (20,000 entries, in process)';
    return [
      absoluteRow({
        scenario,
        metric: `p95 of ${r.queries} searches`,
        unit: 'ms',
        values: [r.p95Ms],
        goal: { text: `≤ ${r.goalP95Ms} ms`, met: (p95) => p95 <= r.goalP95Ms },
      }),
      absoluteRow({ scenario, metric: 'p50', unit: 'ms', values: [r.p50Ms] }),
      absoluteRow({ scenario, metric: 'index build', unit: 'ms', values: [r.buildMs] }),
    ];
  },
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = benchDirectorySearch();
  console.log(
    `directory search over ${result.entries} entries: build ${result.buildMs.toFixed(0)} ms; ${result.queries} searches p50 ${result.p50Ms.toFixed(3)} ms, p95 ${result.p95Ms.toFixed(3)} ms (goal ≤ ${result.goalP95Ms} ms), max ${result.maxMs.toFixed(3)} ms`,
  );
}
