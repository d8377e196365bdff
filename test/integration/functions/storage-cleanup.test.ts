import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allFunctions } from '../../../functions/all.js';
import { invocationContext } from '../../../local/invocation.js';
import { resetClock, setClock } from '../../../shared/clock.js';
import { contactRequestRateLimits } from '../../../shared/domain/contact-requests.js';
import { hashedKey } from '../../../shared/storage/hashed-key.js';
import { type TableName, tableNames } from '../../../shared/storage/names.js';
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
async function partitions(table: TableName): Promise<string[]> {
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

describe('storage-cleanup timer', () => {
  it('deletes long-free rate-limit slots and day-old Idempotency-Key claims, keeps fresh ones, and leaves limits and replays working', async () => {
    // Day 1, 10:10: a requester uses up the per-email limit; one request carries an Idempotency-Key.
    at(0);
    const old = await post('old@customer.example', '127.0.33.1', 'old-key');
    expect(old.status).toBe(202);
    for (let i = 0; i < 4; i++) expect((await post('old@customer.example', '127.0.33.1')).status).toBe(202);
    expect((await post('old@customer.example', '127.0.33.1')).status).toBe(429);
    // Day 1, 12:10: a claim that will be 23 hours old at clean-up time.
    at(2);
    const recent = await post('recent@customer.example', '127.0.33.2', 'recent-key');
    expect(recent.status).toBe(202);

    // Day 2, 11:10: 25 hours later, a new requester in the current window.
    at(25);
    const fresh = await post('fresh@customer.example', '127.0.33.3', 'fresh-key');
    expect(fresh.status).toBe(202);
    for (let i = 0; i < 3; i++) expect((await post('fresh@customer.example', '127.0.33.3')).status).toBe(202);

    // Two instances may run the cleanup at the same moment: between them each row is deleted once.
    const logs = await Promise.all([runCleanup(), runCleanup()]);
    const counts = logs
      .flat()
      .map((line) => /deleted (\d+) free rate-limit slot\(s\) and (\d+) expired Idempotency-Key claim\(s\)/.exec(line))
      .filter((m) => m !== null);
    expect(counts).toHaveLength(2);
    // Day 1's six requests took a slot of their email and one of their address each.
    expect(counts.reduce((sum, m) => sum + Number(m[1]), 0)).toBe(12);
    expect(counts.reduce((sum, m) => sum + Number(m[2]), 0)).toBe(1);
    // Logs carry counts only: no email, no hashed key.
    for (const line of logs.flat()) {
      expect(line).not.toMatch(/@|[0-9a-f]{64}/);
    }

    expect(await partitions(tableNames.rateLimits)).toEqual(slotsOf('fresh@customer.example', '127.0.33.3').sort());
    expect(await partitions(tableNames.idempotencyKeys)).toEqual([claim('fresh-key'), claim('recent-key')].sort());

    // Running it again finds nothing more.
    expect((await runCleanup()).join('\n')).toMatch(
      /deleted 0 free rate-limit slot\(s\) and 0 expired Idempotency-Key claim\(s\)/,
    );

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

  it('keeps a slot that became free less than the margin ago', async () => {
    const [emailSlots] = slotsOf('edge@customer.example', '127.0.33.4');
    at(100); // 14:10: taken until 15:10.
    expect((await post('edge@customer.example', '127.0.33.4')).status).toBe(202);
    at(101.5); // 15:40: free for half an hour.
    await runCleanup();
    expect(await partitions(tableNames.rateLimits)).toContain(emailSlots);
    at(102.5); // 16:40: free for an hour and a half.
    await runCleanup();
    expect(await partitions(tableNames.rateLimits)).not.toContain(emailSlots);
  });
});
