import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { z } from 'zod';
import { now } from '../clock.js';
import { DirectorySearchIndex, SnapshotError } from '../domain/directory-search.js';
import { directoryEntrySchema, type DirectoryEntry } from '../domain/directory.js';
import { storageStatus } from './errors.js';
import { storage, type Storage } from './clients.js';
import { etagOf, readEntity, tableCodec } from './entities.js';
import { hashedKey } from './hashed-key.js';
import { containerNames, tableNames } from './names.js';

/**
 * Directory entries are spread over 256 partitions by a hash of the partner id (`p00`…`pff`), so
 * no partition holds the whole directory (500,000 entries: ~2,000 each) and an entry is still
 * read by id alone. The earlier layout kept every entry in partition 'partner': such rows are
 * read where the new partition has none, found by the full load, and moved (written to their new
 * partition, the old row deleted) on their next change.
 */
const legacyPartition = 'partner';
export const directoryPartition = (id: string): string => `p${hashedKey(id).slice(0, 2)}`;

/** How often an instance reads the change feed for other instances' changes (in the background: no search waits). */
export const directoryIndexTtlMs = 10_000;
/** An index not checked for this long (an idle instance) is brought up to date before it answers. */
const staleAfterMs = 30_000;
/** The change feed is read from this long before the instance's watermark, for writers whose clock is behind or whose write was in flight. */
const clockMarginMs = 60_000;
/** How long the change feed keeps its rows (the clean-up deletes older days): an index further behind loads the directory again. */
export const directoryChangeRetentionMs = 7 * 86_400_000;

const entries = tableCodec(tableNames.directory, directoryEntrySchema, {
  keys: (entry) => ({ partitionKey: directoryPartition(entry.id), rowKey: entry.id }),
  fromKeys: (keys) => ({ id: keys.rowKey }),
  /** Arrays: Table Storage has no list type. */
  json: ['locations', 'organizationSizes', 'services', 'industries', 'languages'],
});
const toEntity = (entry: DirectoryEntry) => entries.encode(entry);

/** One row of the change feed: entry `id` changed at `at` (ms, the writer's clock). */
const changeSchema = z.object({ id: z.string(), at: z.number().int() });
type Change = z.infer<typeof changeSchema>;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const changeRowKey = (at: number, id = '') => `${String(at).padStart(13, '0')}_${id}`;
const changes = tableCodec(tableNames.directoryChanges, changeSchema, {
  keys: (change) => ({ partitionKey: dayOf(change.at), rowKey: changeRowKey(change.at, change.id) }),
  fromKeys: (keys) => ({ at: Number(keys.rowKey.slice(0, 13)), id: keys.rowKey.slice(14) }),
});
/** The change-feed row that announces a change of entry `id` at `at` (for tests and benchmarks playing another instance). */
export const directoryChangeEntity = (id: string, at: number) => changes.encode({ id, at });
/** The entity that stores `entry` (for tests and benchmarks playing another instance). */
export const directoryEntity = toEntity;

const directoryTable = async (s?: Storage): Promise<TableClient> =>
  (s ?? (await storage())).table(tableNames.directory);

export interface StoredDirectoryEntry {
  entry: DirectoryEntry;
  etag: string;
  /** Read from the earlier layout's partition: the next write moves it. */
  legacy?: true;
}

/** One entry, active or not, with its ETag; undefined when there is none. */
export async function readDirectoryEntry(id: string, s?: Storage): Promise<StoredDirectoryEntry | undefined> {
  const table = await directoryTable(s);
  const e = await readEntity(table, directoryPartition(id), id);
  if (e) return { entry: entries.decode(e), etag: etagOf(e) };
  const old = await readEntity(table, legacyPartition, id);
  return old && { entry: entries.decode(old), etag: etagOf(old), legacy: true };
}

/**
 * Writes an entry: creates it when there is no `current` one, else replaces that version (at its
 * ETag). Answers the new ETag, or undefined when another write came first (it exists already,
 * changed or is gone): the caller decides whether to read again or to answer 412. The change is
 * announced in the change feed before it is written, so no instance can miss it (a write that
 * then fails announces a change that is not there: instances read the entry and find it as it was).
 */
export async function writeDirectoryEntry(
  entry: DirectoryEntry,
  current: StoredDirectoryEntry | undefined,
): Promise<string | undefined> {
  const s = await storage();
  const table = s.table(tableNames.directory);
  const entity = toEntity(entry);
  await s
    .table(tableNames.directoryChanges)
    .upsertEntity(changes.encode({ id: entry.id, at: now().getTime() }), 'Replace');
  let written: string;
  try {
    // An entry of the earlier layout is created in its partition (a 409 means another write moved it first).
    written = etagOf(
      !current || current.legacy
        ? await table.createEntity(entity)
        : await table.updateEntity(entity, 'Replace', { etag: current.etag }),
    );
  } catch (error) {
    const status = storageStatus(error);
    if (status === 409 || status === 412 || status === 404) return undefined;
    throw error;
  }
  if (current?.legacy) await deleteLegacyRow(table, entry.id, current.etag);
  noteChange(s, entry);
  return written;
}

/** The earlier layout's row, once its entry lives in its partition; gone already or changed meanwhile (by an instance of the earlier version), it is left: the new row shadows it. */
async function deleteLegacyRow(table: TableClient, id: string, etag: string): Promise<void> {
  try {
    await table.deleteEntity(legacyPartition, id, { etag });
  } catch (error) {
    const status = storageStatus(error);
    if (status !== 404 && status !== 412) throw error;
  }
}

/**
 * The entries a scan of the whole table finds (rarely: no search goes this way), each once: an
 * entry moving out of the earlier single partition is briefly in both, and its new row wins.
 */
async function scanEntries(filter?: string): Promise<DirectoryEntry[]> {
  const table = await directoryTable();
  const byId = new Map<string, { entry: DirectoryEntry; legacy: boolean }>();
  for await (const e of table.listEntities(filter ? { queryOptions: { filter } } : {})) {
    const legacy = e.partitionKey === legacyPartition;
    const entry = entries.decode(e);
    if (!byId.get(entry.id) || byId.get(entry.id)?.legacy) byId.set(entry.id, { entry, legacy });
  }
  return [...byId.values()].map(({ entry }) => entry);
}

/**
 * The directory entries (active or not) of one Entra ID tenant: the partners whose staff sign in
 * there. GUIDs are written in lower or upper case; both are asked for.
 */
export async function directoryEntriesOfTenant(tenantId: string): Promise<DirectoryEntry[]> {
  return scanEntries(odata`tenantId eq ${tenantId.toLowerCase()} or tenantId eq ${tenantId.toUpperCase()}`);
}

/** Every directory entry, active or not (the local development sign-in offers their staff). */
export async function allDirectoryEntries(): Promise<DirectoryEntry[]> {
  return scanEntries();
}

/** Whether the directory has no entries at all (the demo seed fills only an empty one). */
export async function isDirectoryEmpty(): Promise<boolean> {
  const table = await directoryTable();
  const first = await table
    .listEntities({ queryOptions: { select: ['RowKey'] } })
    .byPage({ maxPageSize: 1 })
    .next();
  return first.done === true || first.value.length === 0;
}

/** Transactions of one partition running at once in a bulk write. */
const bulkConcurrency = 16;

/**
 * Writes new entries in bulk: transactions of up to 100 per partition, several partitions at once;
 * for the demo seed and benchmarks, into a directory no other instance serves yet (they are not
 * announced in the change feed: instances find them when they load the directory). The snapshot,
 * which does not hold them, is deleted, so the next load reads the table and writes a new one.
 */
export async function insertDirectoryEntries(list: DirectoryEntry[], s?: Storage): Promise<void> {
  const table = await directoryTable(s);
  const byPartition = new Map<string, TransactionAction[]>();
  for (const entry of list) {
    const entity = toEntity(entry);
    let actions = byPartition.get(entity.partitionKey);
    if (!actions) byPartition.set(entity.partitionKey, (actions = []));
    actions.push(['create', entity]);
  }
  const batches = [...byPartition.values()].flatMap((actions) =>
    Array.from({ length: Math.ceil(actions.length / 100) }, (_, i) => actions.slice(i * 100, i * 100 + 100)),
  );
  await Promise.all(
    Array.from({ length: bulkConcurrency }, async () => {
      for (let batch = batches.shift(); batch; batch = batches.shift()) await table.submitTransaction(batch);
    }),
  );
  await snapshotBlob(s ?? (await storage())).deleteIfExists();
  caches.delete(table);
}

// ---------------------------------------------------------------------------------------------
// The snapshot: the index prebuilt, in Blob Storage

const snapshotBlob = (s: Storage) => s.container(containerNames.directoryIndex).getBlockBlobClient('snapshot.bin');

/**
 * The snapshot's bytes, streamed into one buffer of its length as they arrive (one request, no
 * chunks gathered and joined: the index keeps views of this buffer); undefined when there is none.
 */
async function downloadSnapshot(s: Storage): Promise<Uint8Array | undefined> {
  let response;
  try {
    response = await snapshotBlob(s).download();
  } catch (error) {
    if (storageStatus(error) === 404) return undefined;
    throw error;
  }
  const body = response.readableStreamBody;
  const length = response.contentLength;
  if (!body || length === undefined) throw new SnapshotError('the download has no body or no length');
  // Its own buffer, so the index's typed views are aligned; not zeroed, as every byte is written below.
  const bytes = new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
  let at = 0;
  for await (const chunk of body) {
    const part = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (!(part instanceof Uint8Array) || at + part.length > length)
      throw new SnapshotError('it is longer than its length');
    bytes.set(part, at);
    at += part.length;
  }
  if (at !== length) throw new SnapshotError('it is cut off');
  return bytes;
}

/** The snapshot's index and watermark; undefined when there is none or it is unusable (cut off, another format): the caller loads the table. */
async function readSnapshot(s: Storage): Promise<{ index: DirectorySearchIndex; watermark: number } | undefined> {
  try {
    const bytes = await downloadSnapshot(s);
    return bytes && DirectorySearchIndex.fromSnapshot(bytes);
  } catch (error) {
    if (error instanceof SnapshotError) return undefined;
    throw error;
  }
}

/**
 * Writes `index` as the snapshot cold instances load, with the watermark from which they read the
 * change feed (every change announced before it, less the clock margin, must be in `index`).
 * Answers its size in bytes.
 */
export async function writeDirectorySnapshot(
  index: DirectorySearchIndex,
  watermark: number,
  s?: Storage,
): Promise<number> {
  const bytes = index.toSnapshot(watermark);
  await uploadDirectorySnapshot(bytes, s);
  return bytes.length;
}

/** Writes a snapshot's bytes (`DirectorySearchIndex.toSnapshot`) as the one cold instances load. */
export async function uploadDirectorySnapshot(bytes: Uint8Array, s?: Storage): Promise<void> {
  await snapshotBlob(s ?? (await storage())).uploadData(bytes, {
    blobHTTPHeaders: { blobContentType: 'application/octet-stream' },
  });
}

/**
 * The snapshot timer's work: this instance's index, brought up to date, written as the snapshot
 * when it changed since the snapshot it loaded or last wrote. Answers the size written (0: nothing
 * changed).
 */
export async function refreshDirectorySnapshot(s?: Storage): Promise<number> {
  const st = s ?? (await storage());
  await catchUpDirectoryIndex(st);
  const cache = await cacheOf(st);
  if (!cache.changedSinceSnapshot) return 0;
  cache.changedSinceSnapshot = false;
  try {
    return await writeDirectorySnapshot(cache.index, cache.watermark, st);
  } catch (error) {
    cache.changedSinceSnapshot = true;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// The in-memory search index

interface DirectoryCache {
  index: DirectorySearchIndex;
  /** The instance's own watermark: when (its clock) its last read of the change feed began. */
  watermark: number;
  /** Change-feed rows read already (within the clock margin, which is read again), so their entries are not read twice. */
  seen: Map<string, number>;
  checkedAt: number;
  loading: Promise<void> | undefined;
  /** Written through this instance while it loaded: applied once the load is done. */
  pending: DirectoryEntry[];
  /** Whether the index holds changes the snapshot does not. */
  changedSinceSnapshot: boolean;
}

// Keyed by the table client, so a host pointed at another storage account starts afresh.
const caches = new WeakMap<TableClient, DirectoryCache>();

/** Reads the whole directory (the earlier layout's rows first, so an entry's row in its own partition wins). */
async function loadAll(table: TableClient): Promise<DirectorySearchIndex> {
  const all = new Map<string, DirectoryEntry>();
  const legacy = odata`PartitionKey eq ${legacyPartition}`;
  for (const filter of [legacy, odata`PartitionKey ne ${legacyPartition}`])
    for await (const e of table.listEntities({ queryOptions: { filter } })) {
      const entry = entries.decode(e);
      all.set(entry.id, entry);
    }
  return new DirectorySearchIndex(all.values());
}

/** Entries read from the change feed at once. */
const catchUpConcurrency = 16;
/**
 * How long the change feed applies entries before it yields to waiting searches (an entry costs
 * well under a millisecond: O(its words and places)), so no search waits more than a slice.
 */
const applySliceMs = 2;

/**
 * Applies the changes announced since the instance's watermark (less the clock margin), each
 * entry read once, and moves the watermark to when this read began: a bulk import, or any change,
 * is read once, never again on later checks. Answers how many entries it read.
 */
async function catchUp(s: Storage, cache: DirectoryCache): Promise<number> {
  const started = now().getTime();
  // A clock moved back (tests move it) reads from its own now, not from a watermark still ahead of it.
  const from = Math.min(cache.watermark, started) - clockMarginMs;
  if (started - from > directoryChangeRetentionMs) {
    // Further behind than the feed keeps (an instance idle for a week, or a clock moved on): load it all again.
    cache.index = await loadAll(s.table(tableNames.directory));
    cache.seen.clear();
    cache.watermark = started;
    cache.changedSinceSnapshot = true;
    return cache.index.size;
  }
  const feed = s.table(tableNames.directoryChanges);
  // Each entry's feed rows, marked seen only once it is applied: a read that fails midway reads them again.
  const rows = new Map<string, Map<string, number>>();
  // Up to a margin ahead as well: a writer whose clock is ahead files its change under a later key.
  for (let day = Date.parse(dayOf(from)); day <= started + clockMarginMs; day += 86_400_000) {
    const filter = odata`PartitionKey eq ${dayOf(day)} and RowKey ge ${changeRowKey(from)}`;
    for await (const e of feed.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } })) {
      const change: Change = changes.decode(e);
      const key = changeRowKey(change.at, change.id);
      if (cache.seen.has(key)) continue;
      const keys = rows.get(change.id) ?? new Map<string, number>();
      rows.set(change.id, keys.set(key, change.at));
    }
  }
  for (const [key, at] of cache.seen) if (at < from) cache.seen.delete(key);
  const todo = [...rows.keys()];
  // One slice for all readers: once it is spent, they all wait for the same turn of the event loop (the searches queued
  // meanwhile answer first), and the next slice starts once. A slice per reader let 16 of them apply one after
  // another in one turn.
  let slice = performance.now();
  let turn: Promise<void> | undefined;
  const nextTurn = () =>
    (turn ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      turn = undefined;
      slice = performance.now();
    }));
  await Promise.all(
    Array.from({ length: Math.min(catchUpConcurrency, todo.length) }, async () => {
      for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
        const stored = await readDirectoryEntry(id, s);
        // A batch's replies can arrive together: while a slice is spent, the searches queued meanwhile answer first.
        while (performance.now() - slice >= applySliceMs) await nextTurn();
        if (stored) apply(cache, stored.entry);
        for (const [key, at] of rows.get(id) ?? []) cache.seen.set(key, at);
      }
    }),
  );
  cache.watermark = started;
  return rows.size;
}

/** A version of an entry into the index, unless the index holds a newer one (written through this instance meanwhile). */
function apply(cache: Pick<DirectoryCache, 'index' | 'changedSinceSnapshot'>, entry: DirectoryEntry): void {
  const known = cache.index.get(entry.id);
  if (known && known.updatedAt > entry.updatedAt) return;
  cache.index.put(entry);
  cache.changedSinceSnapshot = true;
}

/**
 * A cold instance's index: the snapshot, then the changes announced since its watermark; without
 * a usable snapshot (a new deployment, one older than the change feed keeps, a bulk import since)
 * the whole table, and then a snapshot is written for the next cold instance (in the background:
 * the first search does not wait for it).
 */
async function load(s: Storage, cache: DirectoryCache): Promise<void> {
  const started = now().getTime();
  const snapshot = await readSnapshot(s);
  if (snapshot && started - snapshot.watermark <= directoryChangeRetentionMs) {
    cache.index = snapshot.index;
    cache.watermark = snapshot.watermark;
    cache.changedSinceSnapshot = false;
    await catchUp(s, cache);
  } else {
    cache.index = await loadAll(s.table(tableNames.directory));
    cache.watermark = started;
    // After the first search (a timer runs after the awaiting callers); the index as it is then, and what changes later is the timer's.
    setTimeout(() => {
      cache.changedSinceSnapshot = false;
      writeDirectorySnapshot(cache.index, cache.watermark, s).catch(() => (cache.changedSinceSnapshot = true));
    }, 0);
  }
}

async function cacheOf(s: Storage): Promise<DirectoryCache> {
  const table = s.table(tableNames.directory);
  let cache = caches.get(table);
  if (!cache) {
    const started = now().getTime();
    const fresh: DirectoryCache = {
      index: new DirectorySearchIndex(),
      watermark: started,
      seen: new Map(),
      checkedAt: 0,
      loading: undefined,
      pending: [],
      changedSinceSnapshot: true,
    };
    fresh.loading = (async () => {
      await load(s, fresh);
      for (const entry of fresh.pending.splice(0)) apply(fresh, entry);
      fresh.checkedAt = started;
    })().finally(() => (fresh.loading = undefined));
    caches.set(table, (cache = fresh));
    fresh.loading.catch(() => caches.delete(table));
  }
  if (cache.loading) await cache.loading;
  return cache;
}

const refreshing = new WeakMap<DirectoryCache, Promise<number>>();

/** Reads the change feed now (one read at a time per instance; concurrent callers share it). Answers how many entries it read. */
export async function catchUpDirectoryIndex(s?: Storage): Promise<number> {
  const st = s ?? (await storage());
  const cache = await cacheOf(st);
  let running = refreshing.get(cache);
  if (!running) {
    const checkedAt = now().getTime();
    running = catchUp(st, cache)
      .then((read) => {
        cache.checkedAt = checkedAt;
        return read;
      })
      .finally(() => refreshing.delete(cache));
    refreshing.set(cache, running);
  }
  return running;
}

/**
 * The search index of the active entries. Loaded on first use; once `directoryIndexTtlMs` has
 * passed, a search answers from the index it has while the change feed is read in the background
 * and applied entry by entry, so no search waits for it (unless the instance sat idle for
 * `staleAfterMs`). Changes made through this instance show at once.
 */
export async function directoryIndex(s?: Storage): Promise<DirectorySearchIndex> {
  const st = s ?? (await storage());
  const cache = await cacheOf(st);
  // A clock moved back before the last read (tests move it) counts as due, not as fresh for ever.
  const age = now().getTime() - cache.checkedAt;
  if (age >= 0 && age < directoryIndexTtlMs) return cache.index;
  const refresh = catchUpDirectoryIndex(st);
  if (age >= staleAfterMs) await refresh;
  // A failed background read leaves checkedAt as it was, so the next search tries again.
  else refresh.catch(() => undefined);
  return cache.index;
}

/** A write through this instance: the next search sees it without waiting for the change feed. */
function noteChange(s: Storage, entry: DirectoryEntry): void {
  const cache = caches.get(s.table(tableNames.directory));
  if (cache?.loading) cache.pending.push(entry);
  else if (cache) apply(cache, entry);
}
