import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startAzuriteInMemory } from '../local/azurite.js';
import { generateDemoDirectory, seededRandom } from '../local/demo-directory.js';
import {
  DirectorySearchIndex,
  directorySearchQuerySchema,
  type DirectorySearchQuery,
} from '../shared/domain/directory-search.js';
import { organizationSizes, type DirectoryEntry } from '../shared/domain/directory.js';
import { createStorage, ensureStorage } from '../shared/storage/clients.js';
import {
  directoryIndex,
  directoryIndexTtlMs,
  insertDirectoryEntries,
  readDirectoryEntry,
  writeDirectoryEntry,
  uploadDirectorySnapshot,
} from '../shared/storage/directory.js';
import { pointAppAt } from './app-storage.js';
import { searchWords } from './directory-search.js';
import { absoluteRow, type BenchRow, type BenchScenario } from './harness.js';

/**
 * The directory at scale (issue 19): 500,000 generated entries seeded in bulk into Azurite (the
 * table in transactions per partition, the index snapshot in Blob Storage), then a cold instance
 * (its own process running the app's directory code: snapshot, change feed, index) is timed to
 * its first answer, its RSS read, every query shape timed in process, and changes timed until
 * search shows them, on that instance and from another one (this process), with the latency of
 * searches while a batch of changes is applied. `npx tsx bench/directory-scale.ts [entries]`
 * runs it alone; `BENCH_DIRECTORY_ENTRIES` sets the size in `npm run bench`.
 */

/** p50, p95 and p99 of samples. */
function summarize(samples: number[]): { p50: number; p95: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

const scenario = (n: number) => `directory at scale (${n.toLocaleString('en')} entries)`;

const places = [
  { country: 'US' },
  { country: 'DE' },
  { country: 'FR' },
  { country: 'CH' },
  { country: 'JP' },
  { country: 'GB' },
];
const cities = [
  { country: 'DE', region: 'Bayern', city: 'München' },
  { country: 'CH', region: 'Zürich', city: 'Zürich' },
  { country: 'FR', region: 'Île-de-France', city: 'Paris' },
  { country: 'GB', region: 'England', city: 'London' },
];

/** Searches timed per query shape: enough that a p95 on a shared machine is not a handful of unlucky ones. */
const searchesPerShape = 1000;

/** The query shapes the goal names, each with varied values. */
function queryShapes(): Record<string, DirectorySearchQuery[]> {
  const next = seededRandom(11);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const q = (n: number) => Array.from({ length: n }, () => pick(searchWords)).join(' ');
  const many = (make: () => Record<string, string>) =>
    Array.from({ length: searchesPerShape }, () => directorySearchQuerySchema.parse({ ...make(), top: '20' }));
  return {
    empty: many(() => ({})),
    country: many(() => pick(places)),
    'country + size': many(() => ({ ...pick(places), size: pick(organizationSizes) })),
    '1 word': many(() => ({ q: q(1) })),
    '2 words': many(() => ({ q: q(2) })),
    '3 words': many(() => ({ q: q(3) })),
    'all filters': many(() => ({ ...pick(cities), size: pick(organizationSizes), q: q(2) })),
    'empty, by name': many(() => ({ sort: 'name' })),
    '2 words, by name': many(() => ({ q: q(2), sort: 'name' })),
  };
}

// ---------------------------------------------------------------------------------------------
// The cold instance (child process)

type ToInstance =
  | { do: 'same-instance' }
  | { do: 'watch'; id: string; writtenAt: number; expect: string }
  | { do: 'probe'; ids: string[]; expect: string }
  | { do: 'exit' };
type FromInstance =
  | { ready: { loadMs: number; firstSearchMs: number; cpuMs: number; rssMiB: number; size: number; load: number } }
  | { shapes: Record<string, Shape> }
  | {
      sameInstance: {
        writeMs: number;
        putP50: number;
        putMax: number;
        putCpuP50: number;
        putCpuMax: number;
        load: number;
      };
    }
  | { watched: { visibleMs: number } }
  | {
      probed: {
        searches: number;
        p99: number;
        max: number;
        /** The CPU time of searches alone (p99), and of the whole process while the batch applied. */
        searchCpuP99: number;
        appliedMs: number;
        appliedCpuMs: number;
        load: number;
        rssMiB: number;
      };
    };

/** Wall time per search, and CPU time (`process.cpuUsage`: what the load of other processes does not inflate), with the load average. */
interface Shape {
  p50: number;
  p95: number;
  max: number;
  cpuMean: number;
  cpuP95: number;
  load: number;
}

const cpuMs = (since?: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
};

const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024;
const send = (message: FromInstance) => process.send?.(message);
const shows = (index: DirectorySearchIndex, id: string, service: string) =>
  index.get(id)?.services.includes(service) === true;

async function instance(): Promise<void> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const index = await directoryIndex();
  const loaded = performance.now();
  index.search(directorySearchQuerySchema.parse({ q: 'azure' }));
  const answered = performance.now();
  send({
    ready: {
      loadMs: loaded - started,
      firstSearchMs: answered - started,
      cpuMs: cpuMs(cpu),
      rssMiB: rssMiB(),
      size: index.size,
      load: loadavg()[0] ?? Number.NaN,
    },
  });

  const shapes: Record<string, Shape> = {};
  for (const [name, queries] of Object.entries(queryShapes())) {
    for (const query of queries.slice(0, 50)) index.search(query);
    const times: number[] = [];
    const cpus: number[] = [];
    for (const query of queries) {
      const c = process.cpuUsage();
      const t = performance.now();
      index.search(query);
      times.push(performance.now() - t);
      cpus.push(cpuMs(c));
    }
    const s = summarize(times);
    shapes[name] = {
      p50: s.p50,
      p95: s.p95,
      max: Math.max(...times),
      cpuMean: cpus.reduce((a, b) => a + b, 0) / cpus.length,
      cpuP95: summarize(cpus).p95,
      load: loadavg()[0] ?? Number.NaN,
    };
  }
  send({ shapes });

  process.on('message', (message: ToInstance) => {
    void (async () => {
      if (message.do === 'same-instance') {
        const current = await readDirectoryEntry('bench-change-0');
        const entry = changed(current?.entry, 'bench-change-0', 'Samechange');
        const t = performance.now();
        await writeDirectoryEntry(entry, current);
        const written = performance.now();
        const live = await directoryIndex();
        if (!shows(live, entry.id, 'Samechange')) throw new Error('a change through this instance is not in its index');
        // What the index itself costs per change (the write above includes it): replacing entries, one by one.
        const cpus: number[] = [];
        const puts = Array.from({ length: 200 }, (_, i) => {
          const profile = live.get(`bench-change-${500 + i}`);
          const base = current?.entry;
          if (!profile || !base) throw new Error('bench entries are missing');
          const next = { ...base, ...profile, id: profile.id, description: `${profile.description} Changed ${i}.` };
          const c = process.cpuUsage();
          const started = performance.now();
          live.put(next);
          const wall = performance.now() - started;
          cpus.push(cpuMs(c));
          return wall;
        });
        const p = summarize(puts);
        send({
          sameInstance: {
            writeMs: written - t,
            putP50: p.p50,
            putMax: Math.max(...puts),
            putCpuP50: summarize(cpus).p50,
            putCpuMax: Math.max(...cpus),
            load: loadavg()[0] ?? Number.NaN,
          },
        });
      } else if (message.do === 'watch') {
        for (;;) {
          if (shows(await directoryIndex(), message.id, message.expect)) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        send({ watched: { visibleMs: Date.now() - message.writtenAt } });
      } else if (message.do === 'probe') {
        // A search every 2 ms while the batch is applied; each one's latency counts from when it was due.
        const queries = Object.values(queryShapes()).flat();
        const latencies: number[] = [];
        const searchCpus: number[] = [];
        const t = performance.now();
        const cpu = process.cpuUsage();
        let i = 0;
        for (;;) {
          const due = performance.now();
          await new Promise((r) => setTimeout(r, 2));
          const live = await directoryIndex();
          const c = process.cpuUsage();
          live.search(queries[i++ % queries.length]!);
          searchCpus.push(cpuMs(c));
          latencies.push(performance.now() - due - 2);
          if (message.ids.every((id) => shows(live, id, message.expect))) break;
        }
        const s = summarize(latencies);
        send({
          probed: {
            searches: latencies.length,
            p99: s.p99,
            max: Math.max(...latencies),
            searchCpuP99: summarize(searchCpus).p99,
            appliedMs: performance.now() - t,
            appliedCpuMs: cpuMs(cpu),
            load: loadavg()[0] ?? Number.NaN,
            rssMiB: rssMiB(),
          },
        });
      } else process.exit(0);
    })();
  });
}

function changed(entry: DirectoryEntry | undefined, id: string, service: string): DirectoryEntry {
  if (!entry) throw new Error(`bench entry ${id} is missing`);
  return {
    ...entry,
    services: [...entry.services.filter((s) => s !== service), service],
    updatedAt: new Date().toISOString(),
  };
}

// ---------------------------------------------------------------------------------------------
// The bench (parent process)

function next<T extends FromInstance>(child: ChildProcess, key: keyof T & string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromInstance) => {
      if (key in message) {
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as T);
      }
    };
    const onExit = (code: number | null) => reject(new Error(`the cold instance exited with ${code} before "${key}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Up to this many entries the whole table is seeded; above it only with `BENCH_DIRECTORY_TABLE=all`. */
const wholeTableUpTo = 100_000;

export async function measureDirectoryScale(
  entries = Number(process.env.BENCH_DIRECTORY_ENTRIES ?? 500_000),
): Promise<BenchRow[]> {
  const log = (line: string) => process.stderr.write(`directory-scale: ${line}\n`);
  // Everything that keeps this process busy for minutes comes first: a connection to Azurite left idle meanwhile is
  // closed by Azurite (its keep-alive timeout is 5 s) without this process noticing, the next request written to it
  // fails with EPIPE, and the SDK does not retry EPIPE: that is how seeding 500,000 failed before.
  let t = performance.now();
  const generated = generateDemoDirectory(entries);
  // Entries the change rows below change (one through the cold instance, the rest from here).
  for (let i = 0; i < 1001; i++) generated.push({ ...generated[i]!, id: `bench-change-${i}` });
  const generateMs = performance.now() - t;
  log(`generated ${generated.length} entries in ${seconds(generateMs)} s`);
  t = performance.now();
  const watermark = Date.now();
  const snapshot = new DirectorySearchIndex(generated).toSnapshot(watermark);
  const buildMs = performance.now() - t;
  log(`index built and written as a snapshot (${(snapshot.length / 2 ** 20).toFixed(0)} MiB) in ${seconds(buildMs)} s`);

  // Azurite holds the whole table in its heap: 500,000 entities outgrow Node's default.
  const azurite = await startAzuriteInMemory({ maxOldSpaceMiB: 8192 });
  pointAppAt(azurite.connectionString);
  const storage = createStorage({ kind: 'connectionString', connectionString: azurite.connectionString });
  await ensureStorage(storage);
  try {
    // Seeding: the table in transactions of 100 per partition (16 at once), then the snapshot of the index built over the same entries.
    // Above `wholeTableUpTo` entries only the entries the bench changes go into the table (the cold instance reads the snapshot and the
    // change feed, never the table): Azurite, one process holding every row in memory, takes most of an hour for 500,000 here.
    const wholeTable = process.env.BENCH_DIRECTORY_TABLE === 'all' || entries <= wholeTableUpTo;
    t = performance.now();
    const tableEntries = wholeTable ? generated : generated.filter((e) => e.id.startsWith('bench-change-'));
    await insertDirectoryEntries(tableEntries, storage);
    const tableMs = performance.now() - t;
    log(`table seeded with ${tableEntries.length} entries in ${seconds(tableMs)} s`);
    t = performance.now();
    await uploadDirectorySnapshot(snapshot, storage);
    const snapshotMs = performance.now() - t;
    const snapshotBytes = snapshot.length;
    log(`snapshot uploaded in ${seconds(snapshotMs)} s`);
    generated.length = 0;

    const child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, DIRECTORY_SCALE_INSTANCE: '1' },
    });
    try {
      const { ready } = await next<Extract<FromInstance, { ready: unknown }>>(child, 'ready');
      log(
        `cold instance ready in ${seconds(ready.firstSearchMs)} s (${ready.size} entries), RSS ${ready.rssMiB.toFixed(0)} MiB`,
      );
      const { shapes } = await next<Extract<FromInstance, { shapes: unknown }>>(child, 'shapes');

      child.send({ do: 'same-instance' } satisfies ToInstance);
      const { sameInstance } = await next<Extract<FromInstance, { sameInstance: unknown }>>(child, 'sameInstance');

      // Another instance (this process) changes one entry; the cold one finds it at its next change-feed read.
      const one = await readDirectoryEntry('bench-change-1', storage);
      const writtenAt = Date.now();
      await writeDirectoryEntry(changed(one?.entry, 'bench-change-1', 'Otherchange'), one);
      child.send({ do: 'watch', id: 'bench-change-1', writtenAt, expect: 'Otherchange' } satisfies ToInstance);
      const { watched } = await next<Extract<FromInstance, { watched: unknown }>>(child, 'watched');

      // A batch of 1,000 changes from another instance, searched all the while on the cold one (from before the first is written).
      const ids = Array.from({ length: 1000 }, (_, i) => `bench-change-${i + 1}`);
      child.send({ do: 'probe', ids, expect: 'Batchchange' } satisfies ToInstance);
      const probing = next<Extract<FromInstance, { probed: unknown }>>(child, 'probed');
      for (let i = 0; i < ids.length; i += 16)
        await Promise.all(
          ids.slice(i, i + 16).map(async (id) => {
            const current = await readDirectoryEntry(id, storage);
            await writeDirectoryEntry(changed(current?.entry, id, 'Batchchange'), current);
          }),
        );
      const { probed } = await probing;
      child.send({ do: 'exit' } satisfies ToInstance);

      const base = { scenario: scenario(entries) };
      return [
        scaleRow({ ...base, metric: 'seeding: generate entries', unit: 's', ours: seconds(generateMs), goal: null }),
        scaleRow({
          ...base,
          metric: `seeding: table (${tableEntries.length.toLocaleString('en')} entries), transactions of 100 per partition`,
          unit: 's',
          ours: seconds(tableMs),
          goal: null,
        }),
        scaleRow({
          ...base,
          metric: 'seeding: index build + snapshot bytes',
          unit: 's',
          ours: seconds(buildMs),
          goal: null,
        }),
        scaleRow({
          ...base,
          metric: 'seeding: snapshot upload to Blob Storage',
          unit: 's',
          ours: seconds(snapshotMs),
          goal: null,
        }),
        scaleRow({ ...base, metric: 'snapshot size', unit: 'MiB', ours: snapshotBytes / 2 ** 20, goal: null }),
        scaleRow({
          ...base,
          metric: `cold instance ready (snapshot downloaded and loaded, change feed read, first search; ${ready.cpuMs.toFixed(0)} ms CPU, load average ${ready.load.toFixed(1)})`,
          unit: 'ms',
          ours: ready.firstSearchMs,
          goal: '≤ 5000 ms',
          check: (_, ours) => ours <= 5000,
        }),
        scaleRow({
          ...base,
          metric: 'instance RSS after loading',
          unit: 'MiB',
          ours: ready.rssMiB,
          goal: '≤ 600 MiB',
          check: (_, ours) => ours <= 600,
        }),
        scaleRow({
          ...base,
          metric: 'instance RSS after 1,000 changes',
          unit: 'MiB',
          ours: probed.rssMiB,
          goal: '≤ 600 MiB',
          check: (_, ours) => ours <= 600,
        }),
        scaleRow({
          ...base,
          metric:
            'a change visible on the same instance: index update per change, max of 200 (p50 ' +
            `${sameInstance.putP50.toFixed(2)} ms; CPU time max ${sameInstance.putCpuMax.toFixed(2)}, ` +
            `p50 ${sameInstance.putCpuP50.toFixed(2)} ms; load average ${sameInstance.load.toFixed(1)})`,
          unit: 'ms',
          ours: sameInstance.putMax,
          goal: '≤ 50 ms',
          check: (_, ours) => ours <= 50,
        }),
        scaleRow({
          ...base,
          metric:
            'the write itself through that instance (change-feed row, then the entry: 2 round trips; visible when it answers)',
          unit: 'ms',
          ours: sameInstance.writeMs,
          goal: null,
        }),
        scaleRow({
          ...base,
          metric: `a change visible on another instance (change feed every ${directoryIndexTtlMs / 1000} s)`,
          unit: 'ms',
          ours: watched.visibleMs,
          goal: '≤ 30000 ms',
          check: (_, ours) => ours <= 30_000,
        }),
        scaleRow({
          ...base,
          metric:
            `search latency while 1,000 changes apply, p99 (${probed.searches} searches, one due every 2 ms, ` +
            `latency from when it was due; its CPU time p99 ${probed.searchCpuP99.toFixed(2)} ms; load average ${probed.load.toFixed(1)})`,
          unit: 'ms',
          ours: probed.p99,
          goal: '≤ 10 ms',
          check: (_, ours) => ours <= 10,
        }),
        scaleRow({
          ...base,
          metric: 'search latency while 1,000 changes apply, max',
          unit: 'ms',
          ours: probed.max,
          goal: null,
        }),
        scaleRow({
          ...base,
          metric: `from the first of 1,000 changes written elsewhere to all of them visible here (this instance's CPU time meanwhile ${probed.appliedCpuMs.toFixed(0)} ms)`,
          unit: 'ms',
          ours: probed.appliedMs,
          goal: null,
        }),
        ...Object.entries(shapes).flatMap(([name, shape]) => [
          scaleRow({
            ...base,
            metric: `search p95 in process: ${name} (p50 ${shape.p50.toFixed(2)} ms, ${searchesPerShape.toLocaleString('en')} searches, load average ${shape.load.toFixed(1)})`,
            unit: 'ms',
            ours: shape.p95,
            goal: '≤ 2 ms',
            check: (_, ours) => ours <= 2,
          }),
          scaleRow({
            ...base,
            metric: `search CPU time p95: ${name} (mean ${shape.cpuMean.toFixed(2)} ms; process.cpuUsage, which the load does not inflate)`,
            unit: 'ms',
            ours: shape.cpuP95,
            goal: null,
          }),
        ]),
      ];
    } finally {
      if (child.exitCode === null) child.kill();
    }
  } finally {
    await azurite.stop();
  }
}

/** One figure of this scenario (no floor: the goals are absolute). */
function scaleRow(r: {
  scenario: string;
  metric: string;
  unit: string;
  ours: number;
  goal: string | null;
  check?: (ratio: number, ours: number) => boolean;
}): BenchRow {
  const { check, goal } = r;
  return absoluteRow({
    scenario: r.scenario,
    metric: r.metric,
    unit: r.unit,
    values: [r.ours],
    ...(goal && check ? { goal: { text: goal, met: (median: number) => check(Number.NaN, median) } } : {}),
  });
}

/** In `npm run bench`: 500,000 entries (`BENCH_DIRECTORY_ENTRIES`), 20,000 with `--quick`. */
export const directoryScale: BenchScenario = {
  name: 'directory at scale',
  run: ({ quick }) => measureDirectoryScale(quick ? 20_000 : Number(process.env.BENCH_DIRECTORY_ENTRIES ?? 500_000)),
};

if (process.env.DIRECTORY_SCALE_INSTANCE === '1') {
  await instance();
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await measureDirectoryScale(process.argv[2] ? Number(process.argv[2]) : undefined);
  for (const r of rows)
    console.log(
      `${r.metric}: ${r.service.median.toFixed(2)} ${r.unit}${r.goal ? ` (goal ${r.goal}: ${r.met ? 'met' : 'NOT met'})` : ''}`,
    );
  process.exit(0);
}
