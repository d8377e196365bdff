import { parse } from 'csv-parse';
import { generateDemoDirectory } from '../local/demo-directory.js';
import type { AuditEvent } from '../shared/domain/audit.js';
import { directoryRoles } from '../shared/domain/roles.js';
import { auditCsvRow } from '../shared/domain/exports.js';
import { csvCells } from '../shared/http/csv.js';
import { auditPartition } from '../shared/storage/audit-log.js';
import { newestFirstKey } from '../shared/storage/keys.js';
import { tableNames } from '../shared/storage/names.js';
import { absoluteRow, interleave, progress, type BenchScenario, type RoundResult } from './harness.js';
import { operationKey } from './operations.js';
import { startBenchHost, type BenchHost } from './host.js';
import type { SeedRow } from './table-seed.js';

const directoryEntries = 20;

/** Directory partner number `n`, whom the bench acts as: its staff's token signs for its tenant. */
const partnerOf = (n = 0) => {
  const entry = generateDemoDirectory(directoryEntries)[n];
  if (!entry) throw new Error(`the demo directory has no partner ${n}`);
  return entry;
};

const exportRows = 100_000;
/** Events 0, 7, 14, …: those whose actor name looks like a formula. */
const formulaRows = Math.ceil(exportRows / 7);

const fillStart = Date.parse('2026-01-01T00:00:00Z');

/** The bench's audit event number `n`: one in seven carries a formula-looking actor name. */
const benchEvent = (partnerId: string, n: number): AuditEvent => ({
  id: `relationship.terminated:bench-${n}`,
  time: new Date(fillStart + n * 1000).toISOString(),
  action: 'relationship.terminated',
  actor: { tenantId: partnerId, objectId: `bench-${n % 50}`, name: n % 7 === 0 ? '=SUM(A1:A9)' : 'Bench Staff' },
  target: { type: 'relationship', id: `bench-relationship-${n}` },
  before: { status: 'active' },
  after: { status: 'terminated' },
  invocationId: `bench-${n}`,
  partnerId,
});

/**
 * 100,000 audit events in the partner's log, stored as the app's audit writer stores them (newest first). Written
 * into Azurite's table database before the host starts (bench/table-seed.ts): through the SDK one partition of
 * 100,000 rows takes Azurite 30–90 minutes (it scans the partition at every insert).
 */
function auditRows(partnerId: string): SeedRow[] {
  const partitionKey = auditPartition({ partnerId });
  return Array.from({ length: exportRows }, (_, n) => {
    const event = benchEvent(partnerId, n);
    return {
      partitionKey,
      rowKey: newestFirstKey(Date.parse(event.time), event.id, '-'),
      event: JSON.stringify(event),
    };
  });
}

/**
 * `GET /api/partners/{id}/audit` with `Accept: text/csv` over 100,000 events, read by a CSV parser
 * as it arrives, while the host's resident memory is sampled every 50 ms. Goal (issue 18): the
 * host grows by less than 50 MiB, however many rows stream through.
 */
export const auditExport: BenchScenario = {
  name: 'audit export',
  async run(options) {
    const partner = partnerOf();
    progress(`  writing ${exportRows} audit events into Azurite's table database`);
    const seeding = performance.now();
    const host = await startBenchHost({
      directoryEntries,
      tableRows: { table: tableNames.audit, rows: auditRows(partner.id) },
    });
    progress(`    written, and the host started, in ${((performance.now() - seeding) / 1000).toFixed(0)} s`);
    try {
      const token = await host.token('partner', partner.tenantId);
      const growth: number[] = [];
      const seconds: number[] = [];
      const notes: string[] = [];
      for (let round = 0; round < (options.quick ? 1 : 3); round++) {
        const before = await host.rssMiB();
        let peak = before;
        const sampler = setInterval(() => {
          void host.rssMiB().then((rss) => (peak = Math.max(peak, rss)));
        }, 50);
        const started = performance.now();
        const response = await fetch(`${host.url}/api/partners/${partner.id}/audit`, {
          headers: { authorization: `Bearer ${token}`, accept: 'text/csv' },
        });
        if (!response.ok || !response.body) throw new Error(`export answered ${response.status}`);
        let rows = 0;
        let formulas = 0;
        const mismatches: string[] = [];
        const parser = parse({ bom: true, from_line: 2 });
        // Every line parsed back against the event it must be (newest first), formula-looking names neutralised.
        const counted = (async () => {
          for await (const cells of parser as AsyncIterable<string[]>) {
            const event = benchEvent(partner.id, exportRows - 1 - rows);
            const expected = csvCells(auditCsvRow(event));
            if (event.actor.name?.startsWith('=')) formulas += cells[2] === `'${event.actor.name}` ? 1 : 0;
            if (JSON.stringify(cells) !== JSON.stringify(expected) && mismatches.length < 3)
              mismatches.push(`line ${rows + 2}: ${JSON.stringify(cells)} is not ${JSON.stringify(expected)}`);
            rows++;
          }
        })();
        for await (const chunk of response.body)
          if (!parser.write(chunk)) await new Promise((r) => parser.once('drain', r));
        parser.end();
        await counted;
        clearInterval(sampler);
        seconds.push((performance.now() - started) / 1000);
        growth.push(peak - before);
        if (rows !== exportRows) notes.push(`round ${round + 1}: ${rows} rows parsed, not ${exportRows}`);
        if (formulas !== formulaRows)
          notes.push(`round ${round + 1}: ${formulas} of ${formulaRows} formula-looking names neutralised`);
        notes.push(...mismatches.map((m) => `round ${round + 1}: ${m}`));
        progress(
          `    round ${round + 1}: ${rows} rows, ${seconds.at(-1)?.toFixed(1)} s, +${(peak - before).toFixed(1)} MiB`,
        );
      }
      // A body that did not parse back to the events written is no figure to quote.
      const invalid = notes.length > 0;
      return [
        {
          ...absoluteRow({
            scenario: `GET …/audit (Accept: text/csv), ${exportRows} events`,
            metric: 'host memory growth while streaming',
            unit: 'MiB',
            values: growth,
            // Every round, the first request of a fresh host too: bounded memory is the worst round's, not the median's.
            goal: { text: '< 50 MiB in every round', met: () => growth.every((g) => g < 50) },
            notes: [
              ...notes,
              'host RSS sampled every 50 ms; growth is the peak over the RSS before the request',
              `every line parsed back (csv-parse) and compared with its event; ${formulaRows} formula-looking names`,
            ],
          }),
          invalid,
        },
        absoluteRow({
          scenario: `GET …/audit (Accept: text/csv), ${exportRows} events`,
          metric: 'time to the last row',
          unit: 's',
          values: seconds,
        }),
      ];
    } finally {
      await host.stop();
    }
  },
};

const batchSize = 500;

/**
 * The invitations storage created since round trip `from` (`table POST invitations` answered 2xx):
 * both sides must create exactly `batchSize`, so neither is faster by writing less.
 */
const createdSince = (host: BenchHost, from: number): RoundResult => {
  const created = host.roundTrips
    .slice(from)
    .filter((r) => operationKey(r) === 'table POST invitations' && r.status < 300).length;
  return created === batchSize
    ? { figures: {} }
    : { figures: {}, invalid: `storage created ${created} invitations, not ${batchSize}` };
};
const customerOf = (round: number, side: string, i: number) =>
  `${side === 'batch' ? 'b' : 'f'}${String(round).padStart(3, '0')}${String(i).padStart(4, '0')}-0000-4000-8000-000000000000`;
const shared = {
  relationshipType: 'delegatedAdministrator',
  roles: [directoryRoles.helpdeskAdministrator],
  duration: 'P90D',
};

/**
 * A batch of 500 invitations, posted once and followed until `done`, beside 500 single
 * `POST …/invitations` sent one after another (each awaited, as a script calling the API would):
 * the time until all 500 are created. Goal (issue 18): ≤ 0.5 × the sequential time.
 */
export const invitationBatch: BenchScenario = {
  name: 'invitation batch',
  async run(options) {
    const host = await startBenchHost({ directoryEntries });
    try {
      // A partner of its own per round and side: Azurite scans a partition at every insert, so invitations piling
      // up in one partner's partitions slowed every later round, whichever side ran it, unevenly.
      const partnerFor = async (round: number, side: 'batch' | 'single') => {
        const partner = partnerOf(2 * round + (side === 'batch' ? 0 : 1));
        const token = await host.token('partner', partner.tenantId, { name: 'Bench Staff' });
        return {
          base: `${host.url}/api/partners/${partner.id}`,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        };
      };
      return await interleave({
        scenario: `${batchSize} invitations: POST …/invitation-batches until done`,
        floorName: `${batchSize} sequential POST …/invitations`,
        rounds: options.quick ? 2 : 5,
        metrics: [
          { key: 'seconds', label: 'time until all are created', unit: 's', goal: { better: 'lower', ratio: 0.5 } },
        ],
        between: () => host.queuesIdle(),
        async service(round) {
          const { base, headers } = await partnerFor(round, 'batch');
          const from = host.roundTrips.length;
          const started = performance.now();
          const rows = Array.from({ length: batchSize }, (_, i) => ({
            customerTenantId: customerOf(round, 'batch', i),
            customerAdminEmail: `admin${i}@bench.example`,
          }));
          const posted = await fetch(`${base}/invitation-batches`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ ...shared, rows }),
          });
          if (posted.status !== 202)
            return { figures: { seconds: Number.NaN }, invalid: `batch answered ${posted.status}` };
          const location = posted.headers.get('location') ?? '';
          for (;;) {
            const view = (await (await fetch(`${host.url}${location}`, { headers })).json()) as {
              status: string;
              done: number;
            };
            if (view.status === 'done') {
              const seconds = (performance.now() - started) / 1000;
              const created = createdSince(host, from);
              const invalid = view.done === batchSize ? created.invalid : `${view.done} of ${batchSize} created`;
              return { figures: { seconds }, ...(invalid ? { invalid } : {}) };
            }
            await new Promise((r) => setTimeout(r, 100));
          }
        },
        async floor(round) {
          const { base, headers } = await partnerFor(round, 'single');
          const from = host.roundTrips.length;
          const started = performance.now();
          for (let i = 0; i < batchSize; i++) {
            const response = await fetch(`${base}/invitations`, {
              method: 'POST',
              headers,
              body: JSON.stringify({
                ...shared,
                customerTenantId: customerOf(round, 'single', i),
                customerAdminEmail: `admin${i}@bench.example`,
              }),
            });
            await response.arrayBuffer();
            if (response.status !== 201)
              return { figures: { seconds: Number.NaN }, invalid: `single answered ${response.status}` };
          }
          const seconds = (performance.now() - started) / 1000;
          return { ...createdSince(host, from), figures: { seconds } };
        },
      });
    } finally {
      await host.stop();
    }
  },
};
