import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { generateDemoDirectory } from '../local/demo-directory.js';
import { invocationContext } from '../local/invocation.js';
import { resetClock, setClock } from '../shared/clock.js';
import { directoryRoles } from '../shared/domain/roles.js';
import { joinRelationship } from '../shared/services/relationship-join.js';
import { sendEndingReminders } from '../shared/services/reminders.js';
import { storage } from '../shared/storage/clients.js';
import { insertDirectoryEntries } from '../shared/storage/directory.js';
import { tableNames } from '../shared/storage/names.js';
import { pointAppAt, withSeededStorage } from './app-storage.js';
import { absoluteRow, type BenchRow, type BenchScenario } from './harness.js';
import type { SeedRow } from './table-seed.js';

/**
 * The daily relationship-reminder run at scale (issue 19 point 4): `filed` relationships filed in the `duework` table
 * at marks a year and more ahead (seeded straight into a disk-backed Azurite's table database, bench/table-seed.ts),
 * and `due` 90-day relationships made as an accept makes them, then the run 61 days on, when their 30-day reminders
 * are due, through the counting proxy. The run reads the due rows by range, so what it does follows the relationships
 * due, not those filed. The relationships not due are only their rows in `duework`: the run never reads a
 * relationship it has no due row for. `npx tsx bench/reminders.ts [filed] [due]` runs it alone.
 */

const dayMs = 86_400_000;
/**
 * Relationships filed by default: Azurite reads its table database as one string at start, and 900,000 rows of
 * `duework` pass V8's longest string; 500,000 fit.
 */
const defaultFiled = 500_000;
const job = 'relationshipReminders';

/** `count` reminder rows as `fileReminder` writes them, due from `from` on, a second apart. */
function* filedRows(count: number, from: number): Generator<SeedRow, void> {
  for (let i = 0; i < count; i++) {
    const relationshipId = randomUUID();
    yield {
      partitionKey: job,
      rowKey: `${new Date(from + i * 1000).toISOString()}|${relationshipId}`,
      customerTenantId: randomUUID(),
      relationshipId,
    };
  }
}

export async function measureReminders(filed: number, due: number): Promise<BenchRow[]> {
  const log = (line: string) => process.stderr.write(`reminders: ${line}\n`);
  const t0 = Date.now();
  let t = performance.now();
  // With the marker the first run writes once it has filed the relationships made before they filed their own.
  const marker: SeedRow = { partitionKey: job, rowKey: 'earlierFiled' };
  const rows = filedRows(filed, t0 + 400 * dayMs);
  const [partner] = generateDemoDirectory(1);
  if (!partner) throw new Error('no demo partner');
  // The due relationships are made while Azurite is empty: each write into a partition of half a million rows makes
  // Azurite scan it (LokiJS), which Table Storage does not.
  const makeDue = async (connectionString: string) => {
    pointAppAt(connectionString);
    await insertDirectoryEntries([partner], await storage());
    const made = performance.now();
    const at = new Date(t0).toISOString();
    for (let i = 0; i < due; i += 50)
      await Promise.all(
        Array.from({ length: Math.min(50, due - i) }, () => {
          const customerTenantId = randomUUID();
          return joinRelationship({
            invitationId: randomUUID(),
            customerTenantId,
            customerName: 'Bench Customer',
            partnerId: partner.id,
            partnerName: partner.displayName,
            type: 'delegatedAdministrator',
            roles: [directoryRoles.helpdeskAdministrator],
            duration: 'P90D',
            autoExtend: undefined,
            at,
            acceptedBy: { tenantId: customerTenantId, objectId: randomUUID() },
            contact: { email: `admin@${customerTenantId.slice(0, 8)}.example.test` },
          });
        }),
      );
    log(`made ${due.toLocaleString('en')} due relationships in ${((performance.now() - made) / 1000).toFixed(1)} s`);
  };
  const tables = [
    {
      table: tableNames.dueWork,
      rows: (function* () {
        yield* rows;
        yield marker;
      })(),
    },
  ];
  return withSeededStorage(tables, makeDue, async (proxy) => {
    log(
      `seeded ${filed.toLocaleString('en')} filed relationships and started Azurite in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    // Day 61: 29 days left, so each due relationship's 30-day reminders are due. The clock runs, so the run's budget does.
    const shift = t0 + 61 * dayMs - Date.now();
    setClock(() => new Date(Date.now() + shift));
    try {
      const from = proxy.roundTrips.length;
      t = performance.now();
      const run = await sendEndingReminders(invocationContext('relationship-ending-reminders', () => {}));
      const ms = performance.now() - t;
      const trips = proxy.roundTrips.slice(from);
      const dueQuery = trips.find((r) => r.resource === tableNames.dueWork && r.filter !== undefined);
      const relationshipQueries = trips.filter(
        (r) => r.resource === tableNames.relationships && r.filter !== undefined,
      );
      const perDue = (trips.length / Math.max(1, run.sent)).toFixed(1);
      log(
        `run: ${JSON.stringify(run)} in ${(ms / 1000).toFixed(1)} s; ${trips.length} round trips (${perDue} per relationship reminded); the due query returned ${dueQuery?.entities} entities`,
      );
      // A run out of its budget leaves the rest to the next run, as designed; a failure or a wrong due query is no figure.
      const invalid = run.failed !== 0 || dueQuery?.entities !== due || (!run.outOfTime && run.sent !== due);
      const row = absoluteRow({
        scenario: `relationship reminders (daily), ${filed.toLocaleString('en')} relationships filed`,
        metric: `the run that reminds the ${due.toLocaleString('en')} due`,
        unit: 'ms',
        values: [ms],
        goal: { text: '≤ 240,000 ms (the run budget)', met: (median) => median <= 240_000 },
        notes: [
          `the run: ${run.sent} reminded, ${run.failed} failed, out of time: ${run.outOfTime}; its due query returned ${dueQuery?.entities} rows of the ${(filed + due).toLocaleString('en')} filed; relationships listed: ${relationshipQueries.length}; ${trips.length} round trips, ${perDue} per relationship reminded`,
        ],
      });
      return [{ ...row, invalid }];
    } finally {
      resetClock();
    }
  });
}

export const reminderRun: BenchScenario = {
  name: 'relationship reminders',
  run: ({ quick }) =>
    quick
      ? measureReminders(20_000, 100)
      : measureReminders(Number(process.env.BENCH_REMINDERS_FILED ?? defaultFiled), 1_000),
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [row] = await measureReminders(Number(process.argv[2] ?? defaultFiled), Number(process.argv[3] ?? 1_000));
  console.log(`${row?.metric}: ${row?.service.median.toFixed(0)} ms (${row?.goal}: ${row?.met ? 'met' : 'NOT met'})`);
  process.exit(row?.invalid ? 1 : 0);
}
