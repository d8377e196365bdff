import type { TableClient, TableEntityQueryOptions, TableEntityResult } from '@azure/data-tables';
import { z } from 'zod';
import { decodeContinuation, encodeContinuation } from '../domain/paging.js';
import { storageStatus } from './errors.js';

/** One entity by its keys, or undefined when there is none (storage's 404); any other failure is thrown. */
export async function readEntity<T extends object = Record<string, unknown>>(
  table: TableClient,
  partitionKey: string,
  rowKey: string,
): Promise<TableEntityResult<T> | undefined> {
  try {
    return await table.getEntity<T>(partitionKey, rowKey);
  } catch (error) {
    if (storageStatus(error) === 404) return undefined;
    throw error;
  }
}

/** What Table Storage hands out to resume a query: base64 JSON naming the next partition (and row). */
const storageTokenSchema = z.object({ nextPartitionKey: z.string().min(1), nextRowKey: z.string().optional() });

function isStorageToken(token: string): boolean {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    return false;
  }
  return storageTokenSchema.safeParse(decoded).success;
}

/**
 * Our continuation token around a Table Storage one (`t`). The storage token is checked before the
 * SDK reads it (it would throw on anything else); where it points cannot widen a query, whose
 * filter always names the caller's own partition.
 */
const storageContinuationSchema = z.object({ t: z.string().refine(isStorageToken) });

/** One page (at most `top`) of a query, resuming from and handing out the API's continuation token around storage's. */
export async function readPage<T extends object = Record<string, unknown>>(
  table: TableClient,
  queryOptions: TableEntityQueryOptions,
  top: number,
  continuationToken: string | undefined,
): Promise<{ entities: TableEntityResult<T>[]; continuationToken: string | null }> {
  const from = decodeContinuation(continuationToken, storageContinuationSchema);
  const next = await table
    .listEntities<T>({ queryOptions })
    .byPage({ maxPageSize: top, ...(from ? { continuationToken: from.t } : {}) })
    .next();
  const page = next.done ? undefined : next.value;
  return {
    entities: page ?? [],
    continuationToken: page?.continuationToken ? encodeContinuation({ t: page.continuationToken }) : null,
  };
}

export type EntityKeys = { partitionKey: string; rowKey: string };
/** Properties an entity has that are not fields of the record stored in it. */
const entityOnly = new Set(['partitionKey', 'rowKey', 'timestamp', 'odata.metadata']);

/**
 * A stored entity that does not parse with its table's schema (hand-edited, or written by a
 * version that knew another shape). A fault, not a state: the handler logs it, with the table and
 * keys it names, and answers 500 without internals.
 */
export class StoredDataError extends Error {
  override readonly name = 'StoredDataError';
  constructor(
    readonly table: string,
    readonly keys: Partial<EntityKeys>,
    readonly problems: string,
  ) {
    super(
      `Stored ${table} entity (${keys.partitionKey ?? '?'}, ${keys.rowKey ?? '?'}) does not match its schema: ${problems}`,
    );
  }
}

/**
 * A record as an entity, one column per defined field; the `json` fields (arrays, objects) as JSON
 * text, since Table Storage has no nested types.
 */
export function toColumns(
  keys: EntityKeys,
  record: object,
  json: readonly string[],
): EntityKeys & Record<string, unknown> {
  const entity: EntityKeys & Record<string, unknown> = { ...keys };
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    entity[key] = json.includes(key) ? JSON.stringify(value) : value;
  }
  return entity;
}

/**
 * The fields `toColumns` stored (with the entity's `etag`): the keys and storage's own properties left out, the `json`
 * fields parsed (not yet validated).
 */
export function fromColumns(entity: Record<string, unknown>, json: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entity)) {
    if (entityOnly.has(key)) continue;
    out[key] = json.includes(key) && typeof value === 'string' ? JSON.parse(value) : value;
  }
  return out;
}

/** How one table stores its records. */
export interface TableLayout<T> {
  /** Where a record lives. */
  keys: (record: T) => EntityKeys;
  /** Fields the keys carry (not stored as columns): e.g. `{ id: rowKey }`. */
  fromKeys?: (keys: EntityKeys) => Partial<T>;
  /** Columns stored as JSON text (fields of the record, and of layouts an earlier version wrote). */
  json?: readonly string[];
  /** Reshapes the columns of layouts an earlier version wrote, before they are parsed. */
  upgrade?: (columns: Record<string, unknown>) => Record<string, unknown>;
}

export interface TableCodec<T> {
  /** The entity that stores `record`. */
  encode(record: T): EntityKeys & Record<string, unknown>;
  /** The record an entity stores, parsed with the table's schema; `StoredDataError` when it does not parse. */
  decode(entity: Record<string, unknown>): T;
}

/**
 * The record an entity stores, parsed with `schema` after its `json` columns: what the code gets is
 * what the type says, or a `StoredDataError` naming the table and keys.
 */
export function decodeEntity<S extends z.ZodType<object>>(
  table: string,
  schema: S,
  entity: Record<string, unknown>,
  layout: Pick<TableLayout<z.output<S>>, 'json' | 'fromKeys' | 'upgrade'> = {},
): z.output<S> {
  const { partitionKey, rowKey } = entity;
  const keys = {
    partitionKey: typeof partitionKey === 'string' ? partitionKey : undefined,
    rowKey: typeof rowKey === 'string' ? rowKey : undefined,
  };
  let columns: Record<string, unknown>;
  try {
    columns = fromColumns(entity, layout.json ?? []);
  } catch (error) {
    throw new StoredDataError(
      table,
      keys,
      `a JSON column does not parse (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const carried =
    keys.partitionKey !== undefined && keys.rowKey !== undefined
      ? layout.fromKeys?.({ partitionKey: keys.partitionKey, rowKey: keys.rowKey })
      : undefined;
  const parsed = schema.safeParse({ ...(layout.upgrade ? layout.upgrade(columns) : columns), ...carried });
  if (!parsed.success)
    throw new StoredDataError(
      table,
      keys,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(entity)'}: ${i.message}`).join('; '),
    );
  return parsed.data;
}

/** The one way a table's records are written and read: every read parsed with `schema` (`decodeEntity`). */
export function tableCodec<S extends z.ZodType<object>>(
  table: string,
  schema: S,
  layout: TableLayout<z.output<S>>,
): TableCodec<z.output<S>> {
  return {
    encode(record) {
      const keys = layout.keys(record);
      const carried = new Set(Object.keys(layout.fromKeys?.(keys) ?? {}));
      return toColumns(
        keys,
        Object.fromEntries(Object.entries(record).filter(([field]) => !carried.has(field))),
        layout.json ?? [],
      );
    },
    decode: (entity) => decodeEntity(table, schema, entity, layout),
  };
}

/** The ETag storage answered a read or write with; storage always sends one, so its absence is a bug, not a state. */
export function etagOf(response: { etag?: string | undefined }): string {
  if (!response.etag) throw new Error('Table Storage answered without an ETag.');
  return response.etag;
}

/**
 * Deletes issued at once while sweeping a page: enough to keep a daily sweep short, few enough not to flood the
 * account.
 */
const sweepConcurrency = 8;

/**
 * Deletes the entities `filter` matches and `expired` confirms, page by page, each under the ETag
 * it was read with: a row rewritten since (412) stays, a row another sweep already deleted (404)
 * is fine, so two instances may sweep at once. Returns how many this sweep deleted.
 *
 * One delete per row, not entity group transactions: the SDK's transactions send deletes without
 * an ETag (`If-Match: *`), which neither sweep can take. A rate-limit slot free for long is taken
 * again by replacing it under the ETag the sweep read too: an unguarded delete landing after that
 * take would erase a slot just counted and let one more attempt through, and exact limits are a
 * tested property. An Idempotency-Key claim is the only row of its partition, so there is nothing
 * to group.
 */
export async function deleteExpired(
  table: TableClient,
  filter: string,
  expired: (entity: TableEntityResult<Record<string, unknown>>) => boolean,
): Promise<number> {
  let deleted = 0;
  for await (const page of table.listEntities({ queryOptions: { filter } }).byPage({ maxPageSize: 1000 })) {
    const rows = page.filter(expired);
    for (let i = 0; i < rows.length; i += sweepConcurrency) {
      const results = await Promise.all(
        rows.slice(i, i + sweepConcurrency).map(async (row) => {
          // A query always returns the keys; the SDK types them optional.
          if (row.partitionKey === undefined || row.rowKey === undefined)
            throw new Error('Table Storage returned an entity without its keys.');
          try {
            await table.deleteEntity(row.partitionKey, row.rowKey, { etag: etagOf(row) });
            return true;
          } catch (error) {
            const status = storageStatus(error);
            if (status === 404 || status === 412) return false;
            throw error;
          }
        }),
      );
      deleted += results.filter(Boolean).length;
    }
  }
  return deleted;
}
