import { pathToFileURL } from 'node:url';
import { utcDayStart } from '../shared/domain/rate-limits.js';
import { cleanUpStorage } from '../shared/services/storage-cleanup.js';
import { hashedKey } from '../shared/storage/hashed-key.js';
import { rateLimitTableName } from '../shared/storage/names.js';
import { withSeededStorage } from './app-storage.js';
import { absoluteRow, type BenchRow, type BenchScenario } from './harness.js';
import type { SeedRow } from './table-seed.js';

/**
 * The daily storage clean-up at scale (issue 19 point 4): rate-limit tables of four days, two of them past (one with
 * `BENCH_CLEANUP_ROWS` slots, default 500,000, one with a hundredth of that), seeded straight into a disk-backed
 * Azurite's table database (bench/table-seed.ts), then the timer's work (`cleanUpStorage`) run through the counting
 * proxy on the day the big table is over, and again the next day, when the small one is. Its round trips and time do
 * not grow with the slots a table holds: one listing of the tables and one deletion per day's table.
 * `npx tsx bench/storage-cleanup.ts [rows]` runs it alone.
 */

const dayMs = 86_400_000;
/**
 * The big table's slots: Azurite keeps all its tables in one JSON file, which the seeding writes as one string, and a
 * million slots (about 500 MB) pass V8's longest string.
 */
const defaultRows = 500_000;
const scenario = 'storage clean-up (daily)';

/** `count` slots as the rate limiter stores them: keys of 5 slots each, taken during `day`. */
function* slots(count: number, day: number): Generator<SeedRow> {
  for (let i = 0; i < count; i++) {
    const takenAt = new Date(day + (i % 86_400) * 1000);
    yield {
      partitionKey: `contact-address:${hashedKey(`bench-${day}-${Math.floor(i / 5)}`)}`,
      rowKey: String(i % 5).padStart(2, '0'),
      takenAt: takenAt.toISOString(),
      windowEnd: String(Math.ceil(takenAt.getTime() / 1000) + 3600),
    };
  }
}

export async function measureStorageCleanup(rows: number): Promise<BenchRow[]> {
  const log = (line: string) => process.stderr.write(`storage-cleanup: ${line}\n`);
  const today = utcDayStart(Date.now());
  // Days −3 (the big table) and −2 (the small one) are past; −1 and today are in use.
  const days = [
    { day: today - 3 * dayMs, rows },
    { day: today - 2 * dayMs, rows: Math.max(1, Math.floor(rows / 100)) },
    { day: today - dayMs, rows: 1_000 },
    { day: today, rows: 1_000 },
  ];
  const t = performance.now();
  const tables = days.map(({ day, rows: count }) => ({
    table: rateLimitTableName(new Date(day)),
    rows: slots(count, day),
  }));
  return withSeededStorage(tables, undefined, async (proxy) => {
    log(
      `seeded ${days.map((d) => d.rows.toLocaleString('en')).join(' + ')} slots and started Azurite in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const runAt = async (day: number, label: string, slotsDeleted: number) => {
      const from = proxy.roundTrips.length;
      const started = performance.now();
      // 03:30 UTC, when the timer runs.
      const result = await cleanUpStorage(new Date(day + 3.5 * 3_600_000));
      const ms = performance.now() - started;
      const trips = new Map<string, number>();
      for (const r of proxy.roundTrips.slice(from)) {
        const key = `${r.service} ${r.method} ${r.resource.replace(/'.*'/, "'…'")}`;
        trips.set(key, (trips.get(key) ?? 0) + 1);
      }
      const tripText = [...trips].map(([k, n]) => `${k} ${n}`).join(', ');
      log(`${label}: ${result.rateLimitTables} table(s) deleted in ${ms.toFixed(0)} ms; round trips: ${tripText}`);
      return absoluteRow({
        scenario,
        metric: `the run that deletes a day's table of ${slotsDeleted.toLocaleString('en')} rate-limit slots`,
        unit: 'ms',
        values: [ms],
        goal: { text: '≤ 240,000 ms (the run budget)', met: (median) => median <= 240_000 },
        notes: [
          `${label}: ${result.rateLimitTables} table(s) deleted; the run's round trips: ${tripText}`,
          'the run does one listing of the rate-limit tables and one deletion per day whose table is over, whatever the tables hold: 30,000,000 slots a day are still one deletion a day',
        ],
      });
    };
    const big = await runAt(today - dayMs, 'day −1', days[0]!.rows);
    const small = await runAt(today, 'today', days[1]!.rows);
    return [big, small];
  });
}

export const storageCleanup: BenchScenario = {
  name: 'storage clean-up',
  run: ({ quick }) => measureStorageCleanup(quick ? 20_000 : Number(process.env.BENCH_CLEANUP_ROWS ?? defaultRows)),
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await measureStorageCleanup(Number(process.argv[2] ?? defaultRows));
  for (const row of rows)
    console.log(`${row.metric}: ${row.service.median.toFixed(0)} ms (${row.goal}: ${row.met ? 'met' : 'NOT met'})`);
  process.exit(0);
}
