import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetClock, setClock } from '../../../../shared/clock.js';
import { directorySearchQuerySchema } from '../../../../shared/domain/directory-search.js';
import type { DirectoryEntry } from '../../../../shared/domain/directory.js';
import { createStorage } from '../../../../shared/storage/clients.js';
import {
  catchUpDirectoryIndex,
  directoryEntity,
  directoryIndex,
  directoryPartition,
} from '../../../../shared/storage/directory.js';
import { tableNames } from '../../../../shared/storage/names.js';
import type { TestHost } from '../../../support/host.js';
import { startProxiedHost, stopProxiedHost } from '../../../support/proxied-host.js';
import type { StorageProxy } from '../../../support/storage-proxy.js';

/**
 * The directory's storage layout and change feed, with a second instance on the same storage
 * account (its own clients, so its own index) reached through a proxy that counts its reads.
 */
let t: TestHost;
let operator: string;
let proxy: StorageProxy;

beforeAll(async () => {
  ({ t, operator, proxy } = await startProxiedHost());
});
afterAll(() => stopProxiedHost({ t, operator, proxy }));

const entry = (id: string, fields: Partial<DirectoryEntry> = {}): DirectoryEntry => ({
  id,
  displayName: `Feed ${id}`,
  tenantId: '0b0b0b0b-0000-4000-8000-000000000001',
  programId: '1234567',
  locations: [{ country: 'IS' }],
  organizationSizes: ['1-9'],
  services: ['Geysers'],
  industries: [],
  languages: ['is'],
  contactEmail: `leads@${id}.example`,
  description: 'Warm water, cold cloud.',
  certified: false,
  active: true,
  updatedAt: '2025-01-01T00:00:00.000Z',
  ...fields,
});
const input = (e: DirectoryEntry) => {
  const { id: _id, updatedAt: _at, ...fields } = e;
  return fields;
};
const put = (e: DirectoryEntry) =>
  t.fetch(`/api/partners/${e.id}`, {
    method: 'PUT',
    token: operator,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input(e)),
  });
const searchIds = async (query: string) =>
  ((await (await t.fetch(`/api/partners?${query}`)).json()) as { items: { id: string }[] }).items.map((i) => i.id);
/** Point reads of directory entries the second instance made. */
const entryReads = () => proxy.roundTrips.filter((r) => r.method === 'GET' && r.path.includes('/directory(')).length;

describe('directory layout', () => {
  it('reads entries the earlier layout wrote (partition "partner") and moves each to its own partition on its next change', async () => {
    const old = entry('old-layout-geysir', { displayName: 'Old Layout Geysir' });
    const legacyRow = { ...directoryEntity(old), partitionKey: 'partner' };
    await t.storage.table(tableNames.directory).createEntity(legacyRow);

    expect(await searchIds('q=geysir')).toEqual(['old-layout-geysir']);
    const profile = await t.fetch('/api/partners/old-layout-geysir');
    expect(profile.status).toBe(200);
    const etag = profile.headers.get('etag')!;

    const changed = await t.fetch('/api/partners/old-layout-geysir', {
      method: 'PUT',
      token: operator,
      headers: { 'content-type': 'application/json', 'if-match': etag },
      body: JSON.stringify(input({ ...old, description: 'Moved to its own partition.' })),
    });
    expect(changed.status).toBe(200);
    const moved = await t.storage
      .table(tableNames.directory)
      .getEntity<{ description: string }>(directoryPartition(old.id), old.id);
    expect(moved.description).toBe('Moved to its own partition.');
    await expect(t.storage.table(tableNames.directory).getEntity('partner', old.id)).rejects.toMatchObject({
      statusCode: 404,
    });
    expect(await searchIds('q=partition')).toEqual(['old-layout-geysir']);
    // The stale version's ETag no longer matches.
    const stale = await t.fetch('/api/partners/old-layout-geysir', {
      method: 'PUT',
      token: operator,
      headers: { 'content-type': 'application/json', 'if-match': etag },
      body: JSON.stringify(input(old)),
    });
    expect(stale.status).toBe(412);
  });

  it('spreads entries over partitions, none holding them all', async () => {
    const partitions = new Set<string>();
    for await (const e of t.storage
      .table(tableNames.directory)
      .listEntities({ queryOptions: { select: ['PartitionKey'] } }))
      partitions.add(e.partitionKey!);
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) partitions.add(directoryPartition(`spread-${id}`));
    expect(partitions.size).toBeGreaterThan(4);
  });
});

describe('change feed', () => {
  it('another instance applies each change once, read from its own watermark, and never reads it again on later checks', async () => {
    const other = createStorage({ kind: 'connectionString', connectionString: proxy.connectionString });
    const before = await directoryIndex(other);
    const countBefore = before.size;
    expect(before.get('old-layout-geysir')?.description).toBe('Moved to its own partition.');
    expect(await catchUpDirectoryIndex(other)).toBe(0);

    // 30 changes through this instance (an import of sorts), then one deactivation.
    const imported = Array.from({ length: 30 }, (_, i) =>
      entry(`feed-import-${i}`, { displayName: `Feed Import ${i}`, services: ['Lavaflow'] }),
    );
    for (const e of imported) expect((await put(e)).status).toBe(201);
    expect((await t.fetch('/api/partners/feed-import-0', { method: 'DELETE', token: operator })).status).toBe(204);

    const readsBefore = entryReads();
    expect(await catchUpDirectoryIndex(other)).toBe(30);
    expect(entryReads() - readsBefore).toBe(30);
    const index = await directoryIndex(other);
    expect(index.size).toBe(countBefore + 29);
    expect(index.get('feed-import-0')).toBeUndefined();
    expect(index.get('feed-import-7')?.services).toEqual(['Lavaflow']);

    // Later checks, within the clock margin and past it: nothing is read again.
    for (const minutes of [0, 1, 3, 10]) {
      setClock(new Date(Date.now() + minutes * 60_000));
      const reads = entryReads();
      expect(await catchUpDirectoryIndex(other), `${minutes} min later`).toBe(0);
      expect(entryReads() - reads).toBe(0);
    }

    // A later change (the clock still 10 minutes on) is read, and only it.
    expect((await put({ ...imported[7]!, services: ['Glaciers'] })).status).toBe(200);
    const reads = entryReads();
    expect(await catchUpDirectoryIndex(other)).toBe(1);
    expect(entryReads() - reads).toBe(1);
    expect((await directoryIndex(other)).get('feed-import-7')?.services).toEqual(['Glaciers']);
    resetClock();
  });

  it('a change-feed read that storage never answers fails within its try timeout, and the next check reads the feed again', async () => {
    const other = createStorage(
      { kind: 'connectionString', connectionString: proxy.connectionString },
      { tableTryTimeoutMs: 500 },
    );
    await catchUpDirectoryIndex(other);
    expect((await put(entry('feed-unanswered', { services: ['Sulphur'] }))).status).toBe(201);
    let answer = () => {};
    proxy.tripOn(
      (r) => r.method === 'GET' && r.path.includes('/directorychanges()'),
      () => new Promise<void>((resolve) => (answer = resolve)),
    );
    // Without a try timeout this read waited for ever, and every later check with it (they share the read running).
    await expect(catchUpDirectoryIndex(other)).rejects.toThrow();
    answer();
    expect(await catchUpDirectoryIndex(other)).toBe(1);
    expect((await directoryIndex(other)).get('feed-unanswered')?.services).toEqual(['Sulphur']);
  });

  it('a search answers while a large batch from another instance applies, and the batch ends as if applied at once', async () => {
    const other = createStorage({ kind: 'connectionString', connectionString: proxy.connectionString });
    await catchUpDirectoryIndex(other);
    const batch = Array.from({ length: 40 }, (_, i) =>
      entry(`feed-batch-${i}`, { displayName: `Feed Batch ${i}`, services: ['Fumaroles'] }),
    );
    for (const e of batch) expect((await put(e)).status).toBe(201);

    const order: string[] = [];
    const applying = catchUpDirectoryIndex(other).then((read) => (order.push('applied'), read));
    const searching = directoryIndex(other).then(
      (index) => (
        order.push('searched'),
        index.search(directorySearchQuerySchema.parse({ q: 'fumaroles', top: '50' }))
      ),
    );
    const [read, during] = await Promise.all([applying, searching]);
    expect(read).toBe(40);
    expect(order).toEqual(['searched', 'applied']);
    expect(during.items.length).toBeLessThan(40);

    // A third instance loads everything at once: the same answer.
    const fresh = createStorage({ kind: 'connectionString', connectionString: proxy.connectionString });
    const ids = (s: ReturnType<typeof createStorage>) =>
      directoryIndex(s).then((index) =>
        index.search(directorySearchQuerySchema.parse({ q: 'fumaroles', top: '50' })).items.map((hit) => hit.entry.id),
      );
    expect(await ids(other)).toEqual(await ids(fresh));
    expect((await ids(other)).length).toBe(40);
  });
});
