import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  latestAcceptance,
  listAcceptances,
  recordAcceptance,
  type AgreementAcceptance,
} from '../../../../shared/storage/agreements.js';
import { tableNames } from '../../../../shared/storage/names.js';
import type { TestHost } from '../../../support/host.js';
import { hostThroughProxy } from '../../../support/proxied-host.js';
import type { StorageProxy } from '../../../support/storage-proxy.js';

/** The latest Customer Agreement acceptance is read by key, however many a customer has. */
let t: TestHost;
let proxy: StorageProxy;
let stop: () => Promise<void>;

beforeAll(async () => ({ t, proxy, stop } = await hostThroughProxy()));
afterAll(() => stop());

const acceptance = (customerTenantId: string, acceptedAt: string, id = randomUUID()): AgreementAcceptance => ({
  id,
  customerTenantId,
  url: 'https://agreements.example.test/customer-agreement',
  version: '2024-10',
  acceptedAt,
  acceptedBy: { tenantId: customerTenantId, objectId: randomUUID(), name: 'Admin' },
});
const agreementRequests = () => proxy.roundTrips.filter((r) => r.path.includes('/agreements'));

describe('latest agreement acceptance', () => {
  it('is one point read, and the newest of many, also when they are recorded at once', async () => {
    const customer = randomUUID();
    const all = Array.from({ length: 40 }, (_, i) =>
      acceptance(customer, new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()),
    );
    await Promise.all(all.map(recordAcceptance));
    expect(await recordAcceptance(all[3]!)).toBe(false); // a retry records nothing new
    const before = agreementRequests().length;
    expect(await latestAcceptance(customer)).toEqual(all[39]);
    expect(
      agreementRequests()
        .slice(before)
        .map((r) => r.method),
    ).toEqual(['GET']);
    expect(agreementRequests().slice(before)[0]!.path).toContain("RowKey='~latest'");
    expect(await listAcceptances(customer)).toEqual([...all].reverse());
  });

  it('for a customer whose acceptances predate the latest row: listed once, then read by key', async () => {
    const customer = randomUUID();
    const old = [acceptance(customer, '2025-03-01T00:00:00.000Z'), acceptance(customer, '2025-05-01T00:00:00.000Z')];
    for (const a of old)
      await t.storage
        .table(tableNames.agreements)
        .createEntity({ partitionKey: customer, rowKey: a.id, acceptance: JSON.stringify(a) });
    expect(await latestAcceptance(customer)).toEqual(old[1]);
    const before = agreementRequests().length;
    expect(await latestAcceptance(customer)).toEqual(old[1]);
    expect(agreementRequests().length - before).toBe(1);
    expect(await listAcceptances(customer)).toEqual([old[1], old[0]]);
  });

  it('a customer with none has none', async () => {
    expect(await latestAcceptance(randomUUID())).toBeUndefined();
  });
});
