import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { now } from '../clock.js';
import { DirectorySearchIndex } from '../domain/directory-search.js';
import { directoryEntrySchema, type DirectoryEntry } from '../domain/directory.js';
import { storageStatus } from './errors.js';
import { storage } from './clients.js';
import { etagOf, readEntity, tableCodec } from './entities.js';
import { tableNames } from './names.js';

/**
 * Directory entries live in one partition ('partner'): the directory is read whole into the
 * search index, and an entry is read by id; a few tens of thousands of entries are well within
 * one partition's limits, and one partition lets the demo seed write in batches of 100.
 */
const partition = 'partner';

/** How long another instance's change may take to show up in this instance's search index. */
export const directoryIndexTtlMs = 30_000;
/** Changes are re-read from this long before the newest timestamp seen, for writes in flight during a read. */
const clockMarginMs = 60_000;

const entries = tableCodec(tableNames.directory, directoryEntrySchema, {
  keys: (entry) => ({ partitionKey: partition, rowKey: entry.id }),
  fromKeys: (keys) => ({ id: keys.rowKey }),
  /** Arrays: Table Storage has no list type. */
  json: ['locations', 'organizationSizes', 'services', 'industries', 'languages'],
});
const toEntity = (entry: DirectoryEntry) => entries.encode(entry);

async function directoryTable(): Promise<TableClient> {
  return (await storage()).table(tableNames.directory);
}

export interface StoredDirectoryEntry {
  entry: DirectoryEntry;
  etag: string;
}

/** One entry, active or not, with its ETag; undefined when there is none. */
export async function readDirectoryEntry(id: string): Promise<StoredDirectoryEntry | undefined> {
  const table = await directoryTable();
  const e = await readEntity(table, partition, id);
  return e && { entry: entries.decode(e), etag: etagOf(e) };
}

/**
 * Writes an entry: creates it when `etag` is undefined, else replaces the version at `etag`.
 * Answers the new ETag, or undefined when another write came first (it exists already, changed
 * or is gone): the caller decides whether to read again or to answer 412.
 */
export async function writeDirectoryEntry(
  entry: DirectoryEntry,
  etag: string | undefined,
): Promise<string | undefined> {
  const table = await directoryTable();
  const entity = toEntity(entry);
  let written: string;
  try {
    written = etagOf(
      etag === undefined ? await table.createEntity(entity) : await table.updateEntity(entity, 'Replace', { etag }),
    );
  } catch (error) {
    const status = storageStatus(error);
    if (status === 409 || status === 412 || status === 404) return undefined;
    throw error;
  }
  noteChange(table, entry, written);
  return written;
}

/** Whether the directory has no entries at all (the demo seed fills only an empty one). */
/**
 * The directory entries (active or not) of one Entra ID tenant: the partners whose staff sign in
 * there. GUIDs are written in lower or upper case; both are asked for.
 */
export async function directoryEntriesOfTenant(tenantId: string): Promise<DirectoryEntry[]> {
  const table = await directoryTable();
  const filter = odata`PartitionKey eq ${partition} and (tenantId eq ${tenantId.toLowerCase()} or tenantId eq ${tenantId.toUpperCase()})`;
  const found: DirectoryEntry[] = [];
  for await (const e of table.listEntities({ queryOptions: { filter } })) found.push(entries.decode(e));
  return found;
}

/** Every directory entry, active or not (the local development sign-in offers their staff). */
export async function allDirectoryEntries(): Promise<DirectoryEntry[]> {
  const table = await directoryTable();
  const found: DirectoryEntry[] = [];
  for await (const e of table.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${partition}` } }))
    found.push(entries.decode(e));
  return found;
}

export async function isDirectoryEmpty(): Promise<boolean> {
  const table = await directoryTable();
  const first = await table
    .listEntities({ queryOptions: { select: ['RowKey'] } })
    .byPage({ maxPageSize: 1 })
    .next();
  return first.done === true || first.value.length === 0;
}

/** Writes new entries in transactions of 100 (one partition); for the demo seed and benchmarks. */
export async function insertDirectoryEntries(entries: DirectoryEntry[]): Promise<void> {
  const table = await directoryTable();
  for (let i = 0; i < entries.length; i += 100) {
    const actions: TransactionAction[] = entries.slice(i, i + 100).map((entry) => ['create', toEntity(entry)]);
    await table.submitTransaction(actions);
  }
  forget(table);
}

// ---------------------------------------------------------------------------------------------
// The in-memory search index

interface DirectoryCache {
  entries: Map<string, { entry: DirectoryEntry; etag: string }>;
  index: DirectorySearchIndex;
  /** Newest Timestamp (server clock, ms) among the entities read; refreshes read from before it. */
  newest: number | undefined;
  checkedAt: number;
  refreshing: Promise<DirectorySearchIndex> | undefined;
}

// Keyed by the table client, so a host pointed at another storage account starts afresh.
const caches = new WeakMap<TableClient, DirectoryCache>();

/** Reads the entries changed since `newest` (all of them the first time) into the cache, and applies each to the index. */
async function refresh(table: TableClient, cache: DirectoryCache): Promise<void> {
  const since = cache.newest === undefined ? undefined : new Date(cache.newest - clockMarginMs);
  const filter = since
    ? odata`PartitionKey eq ${partition} and Timestamp ge ${since}`
    : odata`PartitionKey eq ${partition}`;
  const checkedAt = now().getTime();
  const first = cache.newest === undefined;
  const read: DirectoryEntry[] = [];
  for await (const e of table.listEntities({ queryOptions: { filter } })) {
    const stamp = e.timestamp ? Date.parse(e.timestamp) : undefined;
    if (stamp !== undefined && (cache.newest === undefined || stamp > cache.newest)) cache.newest = stamp;
    const entry = entries.decode(e);
    const etag = etagOf(e);
    const known = cache.entries.get(entry.id);
    // Skip what is known already, and an older version read while this instance wrote a newer one.
    if (known && (known.etag === etag || known.entry.updatedAt > entry.updatedAt)) continue;
    cache.entries.set(entry.id, { entry, etag });
    read.push(entry);
  }
  // The first read builds the index in one go (of what this instance knows: it may have written meanwhile).
  if (first) cache.index = new DirectorySearchIndex([...cache.entries.values()].map((v) => v.entry));
  else for (const entry of read) cache.index.put(entry);
  cache.checkedAt = checkedAt;
}

/**
 * The search index of the active entries. Loaded on first use; once `directoryIndexTtlMs` has
 * passed, a search answers from the index it has while the table's changes are read in the
 * background and applied entry by entry, so no search waits for a refresh. Changes made through
 * this instance show at once.
 */
export async function directoryIndex(): Promise<DirectorySearchIndex> {
  const table = await directoryTable();
  let cache = caches.get(table);
  if (!cache)
    caches.set(
      table,
      (cache = {
        entries: new Map(),
        index: new DirectorySearchIndex(),
        newest: undefined,
        checkedAt: 0,
        refreshing: undefined,
      }),
    );
  const current = cache;
  // A clock moved back before the last read (tests move it) counts as due, not as fresh for ever.
  const age = now().getTime() - current.checkedAt;
  if (age >= 0 && age < directoryIndexTtlMs) return current.index;
  // One table read at a time per instance; concurrent searches share it.
  current.refreshing ??= refresh(table, current)
    .then(() => current.index)
    .finally(() => {
      current.refreshing = undefined;
    });
  if (current.checkedAt === 0) return current.refreshing;
  // A failed background read leaves checkedAt as it was, so the next search tries again.
  current.refreshing.catch(() => undefined);
  return current.index;
}

/** A write through this instance: the next search sees it without waiting for the TTL. */
function noteChange(table: TableClient, entry: DirectoryEntry, etag: string): void {
  const cache = caches.get(table);
  if (!cache) return;
  cache.entries.set(entry.id, { entry, etag });
  cache.index.put(entry);
}

/** Bulk writes: the next search reads the table again. */
function forget(table: TableClient): void {
  caches.delete(table);
}
