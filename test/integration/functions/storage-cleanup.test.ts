import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allFunctions } from '../../../functions/all.js';
import { invocationContext } from '../../../local/invocation.js';
import { now, resetClock, setClock } from '../../../shared/clock.js';
import { contactRequestRateLimits } from '../../../shared/domain/contact-requests.js';
import { hashedKey } from '../../../shared/storage/hashed-key.js';
import {
  rateLimitTableName,
  rateLimitTablePrefix,
  type RateLimitTableName,
  type TableName,
  tableNames,
} from '../../../shared/storage/names.js';
import { rateLimitPartition } from '../../../shared/storage/rate-limit.js';
import { operatorTenantId, startTestHost, type TestHost } from '../../support/host.js';
import { contactRequestBody } from '../../support/world.js';

let t: TestHost;
const hour = 3_600_000;
const t0 = Date.parse('2030-03-01T10:10:00.000Z');
const at = (hours: number) => setClock(new Date(t0 + hours * hour));

beforeAll(async () => {
  t = await startTestHost();
  const operator = await t.token('operator', operatorTenantId);
  const entry = {
    displayName: 'Kestrel IT',
    tenantId: 'aaaaaaaa-0000-4000-8000-00000000000a',
    programId: '1000001',
    locations: [{ country: 'IE' }],
    organizationSizes: ['10-49'],
    contactEmail: 'leads@kestrel-it.example',
    description: 'A partner for tests.',
  };
  const response = await t.fetch('/api/partners/kestrel-it', {
    method: 'PUT',
    token: operator,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(entry),
  });
  expect(response.status).toBe(201);
});
afterAll(async () => {
  resetClock();
  await t.stop();
});

async function post(email: string, address: string, idempotencyKey?: string) {
  const response = await t.fetch('/api/contact-requests', {
    method: 'POST',
    from: address,
    headers: { 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
    body: JSON.stringify(contactRequestBody(['kestrel-it'], email)),
  });
  return {
    status: response.status,
    id: response.status === 202 ? ((await response.json()) as { id: string }).id : undefined,
  };
}

/** The partition keys stored in a table, each once (rate limits and claims: `<scope>:<sha256(key)>`). */
async function partitions(table: TableName | RateLimitTableName): Promise<string[]> {
  const keys = new Set<string>();
  for await (const entity of t.storage.table(table).listEntities()) keys.add(entity.partitionKey ?? '');
  return [...keys].sort();
}
/**
 * The partitions of the slots a request from `email` at `address` takes: the email from that address, and the address.
 */
const slotsOf = (email: string, address: string) =>
  contactRequestRateLimits(email, address).map((l) => rateLimitPartition(l.scope, l.key));
const claim = (key: string) => `contact-requests:${hashedKey(key)}`;

async function runCleanup(): Promise<string[]> {
  const timer = allFunctions.find((f) => f.kind === 'timer' && f.name === 'storage-cleanup');
  if (timer?.kind !== 'timer') throw new Error('storage-cleanup is not defined');
  const lines: string[] = [];
  await timer.handler(
    { isPastDue: false },
    invocationContext(timer.name, (line) => lines.push(line)),
  );
  return lines;
}

/** The rate-limit tables there are: the days' and the earlier single one. */
async function rateLimitTables(): Promise<string[]> {
  const names: string[] = [];
  for await (const table of t.storage.tableService.listTables())
    if (table.name?.startsWith(rateLimitTablePrefix)) names.push(table.name);
  return names.sort();
}

const cleanupCounts = (lines: string[]) =>
  lines
    .map((line) =>
      /deleted (\d+) rate-limit table\(s\) of past days and (\d+) expired Idempotency-Key claim\(s\)/.exec(line),
    )
    .filter((m) => m !== null)
    .map((m) => ({ tables: Number(m[1]), claims: Number(m[2]) }));

describe('storage-cleanup timer', () => {
  it('deletes the rate-limit tables of days no window reaches and day-old Idempotency-Key claims, keeps the rest, and leaves limits and replays working', async () => {
    // The earlier single table, with a slot in it: no request reads it any more.
    const legacy = t.storage.table(rateLimitTablePrefix as TableName);
    await legacy.createTable();
    await legacy.createEntity({ partitionKey: 'contact-email:legacy', rowKey: '00', windowEnd: 0 });
    // Day 1, 10:10: a requester uses up the per-email limit; one request carries an Idempotency-Key.
    at(0);
    const old = await post('old@customer.example', '127.0.33.1', 'old-key');
    expect(old.status).toBe(202);
    for (let i = 0; i < 4; i++) expect((await post('old@customer.example', '127.0.33.1')).status).toBe(202);
    expect((await post('old@customer.example', '127.0.33.1')).status).toBe(429);
    // Day 2, 04:30: a claim that will be 23 hours old at clean-up time.
    at(18 + 1 / 3);
    const recent = await post('recent@customer.example', '127.0.33.2', 'recent-key');
    expect(recent.status).toBe(202);
    // Day 3, 03:00: a new requester in the current window.
    at(40 + 5 / 6);
    const fresh = await post('fresh@customer.example', '127.0.33.3', 'fresh-key');
    expect(fresh.status).toBe(202);
    for (let i = 0; i < 3; i++) expect((await post('fresh@customer.example', '127.0.33.3')).status).toBe(202);
    expect(await rateLimitTables()).toEqual([
      'ratelimits',
      'ratelimits20300301',
      'ratelimits20300302',
      'ratelimits20300303',
    ]);

    // Day 3, 03:30, when the timer runs. Two instances may run it at the same moment: both succeed, and between
    // them each claim is deleted once.
    at(41 + 1 / 3);
    const logs = await Promise.all([runCleanup(), runCleanup()]);
    const counts = logs.flatMap(cleanupCounts);
    expect(counts).toHaveLength(2);
    // Day 1's table and the earlier one: the first run to list the tables found both.
    expect(Math.max(...counts.map((c) => c.tables))).toBe(2);
    expect(counts.reduce((sum, c) => sum + c.claims, 0)).toBe(1);
    // Logs carry counts only: no email, no hashed key.
    for (const line of logs.flat()) {
      expect(line).not.toMatch(/@|[0-9a-f]{64}/);
    }
    // Day 2's table stays: day 3's first windows reach back into it.
    expect(await rateLimitTables()).toEqual(['ratelimits20300302', 'ratelimits20300303']);
    expect(await partitions(rateLimitTableName(now()))).toEqual(slotsOf('fresh@customer.example', '127.0.33.3').sort());
    expect(await partitions(tableNames.idempotencyKeys)).toEqual([claim('fresh-key'), claim('recent-key')].sort());

    // Running it again finds nothing more.
    expect(cleanupCounts(await runCleanup())).toEqual([{ tables: 0, claims: 0 }]);

    // The fresh slots still count: the fifth request of the hour passes, the sixth is refused.
    expect((await post('fresh@customer.example', '127.0.33.3')).status).toBe(202);
    expect((await post('fresh@customer.example', '127.0.33.3')).status).toBe(429);
    // Kept claims still replay to the same contact request, without counting against any limit.
    expect(await post('fresh@customer.example', '127.0.33.3', 'fresh-key')).toEqual(fresh);
    expect(await post('recent@customer.example', '127.0.33.2', 'recent-key')).toEqual(recent);
    // Past its retention a key is a new request: a new contact request, and a new claim.
    const retried = await post('old@customer.example', '127.0.33.1', 'old-key');
    expect(retried.status).toBe(202);
    expect(retried.id).not.toBe(old.id);
    expect(await partitions(tableNames.idempotencyKeys)).toContain(claim('old-key'));
  });

  it("keeps a day's table until no window of the next day can reach it, margin included, and limits still hold after midnight", async () => {
    // Day 5, 23:30: five requests of one requester.
    at(96 + 13 + 1 / 3);
    for (let i = 0; i < 5; i++) expect((await post('edge@customer.example', '127.0.33.4')).status).toBe(202);
    const day5 = rateLimitTableName(now());
    // Day 6, 00:15: the window reaches back to 23:15, so the sixth is refused.
    at(96 + 14 + 1 / 12);
    expect((await post('edge@customer.example', '127.0.33.4')).status).toBe(429);
    // Day 7, 00:59: an hour's window of day 6 ended at 01:00 on day 6; the margin keeps the table an hour more.
    at(96 + 24 + 14 + 49 / 60);
    await runCleanup();
    expect(await rateLimitTables()).toContain(day5);
    // Day 7, 01:00: over.
    at(96 + 24 + 14 + 5 / 6);
    await runCleanup();
    expect(await rateLimitTables()).not.toContain(day5);
  });
});
