import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetClock, setClock } from '../../../../shared/clock.js';
import { directorySearchQuerySchema, DirectorySearchIndex } from '../../../../shared/domain/directory-search.js';
import { createStorage } from '../../../../shared/storage/clients.js';
import { directoryIndex, refreshDirectorySnapshot } from '../../../../shared/storage/directory.js';
import { containerNames } from '../../../../shared/storage/names.js';
import { eventually, type TestHost } from '../../../support/host.js';
import { startProxiedHost, stopProxiedHost } from '../../../support/proxied-host.js';
import type { StorageProxy } from '../../../support/storage-proxy.js';

/**
 * Cold instances (their own storage clients, so their own index, through a proxy that logs
 * every request) load the directory from the snapshot in Blob Storage and then read only the
 * changes announced after its watermark.
 */
let t: TestHost;
let operator: string;
let proxy: StorageProxy;

beforeAll(async () => {
  ({ t, operator, proxy } = await startProxiedHost());
});
afterAll(() => stopProxiedHost({ t, operator, proxy }));

const put = (id: string, services: string[]) =>
  t.fetch(`/api/partners/${id}`, {
    method: 'PUT',
    token: operator,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      displayName: `Snap ${id}`,
      tenantId: '0c0c0c0c-0000-4000-8000-000000000001',
      programId: '7654321',
      locations: [{ country: 'FI', city: 'Oulu' }],
      organizationSizes: ['10-49'],
      services,
      contactEmail: `leads@${id}.example`,
      description: 'Northern IT.',
    }),
  });

const queries = [
  {},
  { country: 'FI' },
  { q: 'saunas' },
  { q: 'saunas lakes' },
  { country: 'FI', city: 'Oulu', size: '10-49', q: 'lakes' },
].map((q) => directorySearchQuerySchema.parse({ ...q, top: 50 }));
const answers = (index: DirectorySearchIndex) => queries.map((q) => index.search(q));

/** A new instance: its requests from here on, split by kind. */
function coldInstance() {
  const from = proxy.roundTrips.length;
  const storage = createStorage({ kind: 'connectionString', connectionString: proxy.connectionString });
  const made = () => proxy.roundTrips.slice(from);
  return {
    storage,
    snapshotReads: () =>
      made().filter((r) => r.service === 'blob' && r.method === 'GET' && r.path.endsWith('/snapshot.bin')).length,
    /** Queries of the directory table (a full load lists it; point reads name an entry). */
    tableScans: () => made().filter((r) => r.method === 'GET' && /\/directory\(\)$/.test(r.path)).length,
    entryReads: () => made().filter((r) => r.method === 'GET' && r.path.includes('/directory(PartitionKey=')).length,
  };
}

describe('directory snapshot', () => {
  it('a cold instance loads the snapshot, then reads only the changes after its watermark, and answers as the instance that made them', async () => {
    for (let i = 0; i < 12; i++) expect((await put(`snap-${i}`, ['Saunas'])).status).toBe(201);
    const writer = await directoryIndex();
    const start = Date.now();
    setClock(new Date(start + 5 * 60_000));
    // The timer on this instance writes the snapshot: the directory changed since the one written at its first load.
    expect(await refreshDirectorySnapshot()).toBeGreaterThan(0);
    expect(await refreshDirectorySnapshot()).toBe(0);

    // Changes after the snapshot, beyond the clock margin, so its watermark is all that separates them.
    setClock(new Date(start + 10 * 60_000));
    expect((await put('snap-3', ['Saunas', 'Lakes'])).status).toBe(200);
    expect((await put('snap-new', ['Lakes'])).status).toBe(201);
    expect((await t.fetch('/api/partners/snap-5', { method: 'DELETE', token: operator })).status).toBe(204);

    const cold = coldInstance();
    const index = await directoryIndex(cold.storage);
    expect(cold.snapshotReads()).toBe(1);
    expect(cold.tableScans()).toBe(0);
    expect(cold.entryReads()).toBe(3);
    expect(index.size).toBe(12);
    expect(index.get('snap-5')).toBeUndefined();
    expect(index.get('snap-3')?.services).toEqual(['Saunas', 'Lakes']);
    expect(answers(index)).toEqual(answers(writer));
  });

  it('loads the table instead of a snapshot older than the change feed keeps, or one that is not whole, and writes a new one', async () => {
    const blob = t.storage.container(containerNames.directoryIndex).getBlockBlobClient('snapshot.bin');
    const expected = answers(await directoryIndex());
    /** The snapshot once an instance has written one after `etag` (in the background, after its first search). */
    const rewritten = async (etag: string | undefined) =>
      eventually(async () => {
        const properties = await blob.getProperties();
        return properties.etag === etag
          ? undefined
          : { etag: properties.etag, index: DirectorySearchIndex.fromSnapshot(await blob.downloadToBuffer()).index };
      });
    const { etag: first } = await blob.getProperties();

    setClock(new Date(Date.now() + 8 * 86_400_000));
    const late = coldInstance();
    expect(answers(await directoryIndex(late.storage))).toEqual(expected);
    expect(late.snapshotReads()).toBe(1);
    expect(late.tableScans()).toBeGreaterThan(0);
    const second = await rewritten(first);
    expect(answers(second.index)).toEqual(expected);
    resetClock();

    const whole = await blob.downloadToBuffer();
    await blob.uploadData(whole.subarray(0, whole.length - 100));
    const { etag: cut } = await blob.getProperties();
    const broken = coldInstance();
    expect(answers(await directoryIndex(broken.storage))).toEqual(expected);
    expect(broken.tableScans()).toBeGreaterThan(0);
    expect(answers((await rewritten(cut)).index)).toEqual(expected);
  });
});
