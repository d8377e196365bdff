import { odata, type TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { now as clockNow } from '../clock.js';
import {
  freeSlots,
  maxWindowSeconds,
  reachesPreviousDay,
  refusal,
  slotFreeAt,
  slotsInForce,
  utcDayStart,
  type RateLimit,
  type RateLimitDecision,
  type StoredSlot,
} from '../domain/rate-limits.js';
import { rateLimitTableOver } from '../domain/storage-retention.js';
import { storageErrorCode, storageStatus } from './errors.js';
import { storage } from './clients.js';
import { decodeEntity, etagOf, type EntityKeys } from './entities.js';
import { hashedKey } from './hashed-key.js';
import { rateLimitTableDay, rateLimitTableName, rateLimitTablePrefix } from './names.js';

/**
 * Sliding-window limits (`shared/domain/rate-limits.ts`) in Table Storage, shared by every
 * instance and exact under contention: each key's slots are one partition (`<scope>:<sha256(key)>`,
 * row key = slot) of the table of the UTC day they were taken in. An attempt takes a free slot in
 * one round trip: by creating it (a slot not taken today) or by replacing it under its ETag (taken
 * a window ago), chosen from what this instance last saw of the key's slots. What it saw may be
 * old, but the write is conditional, so an old view never lets an attempt through: two attempts
 * racing for one slot cannot both win (409 / 412), and the loser reads the partition (one query)
 * and takes another free slot, or is refused when none is left. A key this instance has not seen
 * is tried with a slot chosen at random. A refusal is always read from storage, so its Retry-After
 * is storage's. Nothing is retried a fixed number of times, so contention never ends in an error.
 *
 * In the first window of a day the previous day's slots still count. A slot not yet taken today is
 * then first closed in yesterday's table (a conditional write there, under what was read), and only
 * then created in today's: a writer still on yesterday (a request under way at midnight, a clock a
 * little behind) then loses its race for that slot instead of taking it twice. So a slot's state
 * lives in one row at a time, and a day's table is read by no one two days on: the cleanup deletes
 * it whole (`deleteEndedRateLimitTables`), whatever it holds.
 */
export interface RateLimitKey {
  scope: string;
  key: string;
  limit: RateLimit;
}

const slotSchema = z.object({
  /** When the slot was taken (ISO 8601, the app's clock). */
  takenAt: z.string(),
  /** When it is free again, in seconds since the epoch. */
  windowEnd: z.number(),
  /** Set when a writer of the next day took the slot over (see above). */
  closed: z.boolean().optional(),
});

type KnownSlot = StoredSlot & { etag: string };

/** A key's slots as this instance knows them: its day's table, and the previous day's while windows reach back. */
interface SlotView {
  today: KnownSlot[];
  yesterday: KnownSlot[] | undefined;
}

interface DayTables {
  today: TableClient;
  yesterday: TableClient;
}

interface TakenSlot {
  partitionKey: string;
  rowKey: string;
  etag: string;
}

/** The partition holding the slots of `key` within `scope`. */
export const rateLimitPartition = (scope: string, key: string): string => `${scope}:${hashedKey(key)}`;

/**
 * Tables this instance has made (or found): each day's is made on its first use here, one round trip a day.
 * Kept for the last few only, as the views below.
 */
const made = new Map<string, Promise<void>>();
/**
 * What this instance last saw of each key's slots (partition → slots), per table: today's and yesterday's of
 * an account (a test's fresh account starts with nothing seen). It only chooses which slot to try: every take is
 * conditional on it, so an old or partial view costs a round trip, never exactness.
 */
const seen = new Map<string, Map<string, KnownSlot[]>>();
/** Tables remembered per instance (two days of two accounts); the oldest used is forgotten first. */
const tablesKept = 4;
/** Keys remembered per table: a few MB at most; the oldest used is forgotten first. */
const seenKeysMax = 20_000;

function recent<V>(map: Map<string, V>, key: string, make: () => V): V {
  const value = map.get(key) ?? make();
  map.delete(key);
  map.set(key, value);
  const oldest = map.keys().next().value;
  if (map.size > tablesKept && oldest !== undefined) map.delete(oldest);
  return value;
}

/** A table by account and name (a client's `url` is its account's). */
const tableKey = (table: TableClient) => `${table.url}/${table.tableName}`;

const seenOf = (table: TableClient) => recent(seen, tableKey(table), () => new Map<string, KnownSlot[]>());

function remember(table: TableClient, partitionKey: string, slots: KnownSlot[]): void {
  const keys = seenOf(table);
  keys.delete(partitionKey);
  keys.set(partitionKey, slots);
  const oldest = keys.keys().next().value;
  if (keys.size > seenKeysMax && oldest !== undefined) keys.delete(oldest);
}

/** The view of one slot after a write (or without it, after a delete), the rest as seen. */
function rememberSlot(table: TableClient, partitionKey: string, rowKey: string, written: KnownSlot | undefined): void {
  const others = (seenOf(table).get(partitionKey) ?? []).filter((h) => h.slot !== rowKey);
  remember(table, partitionKey, written ? [...others, written] : others);
}

const tableMissing = (error: unknown) => storageStatus(error) === 404 && storageErrorCode(error) === 'TableNotFound';

/** Runs `write` on `table`, made first if this instance has not, and made again if it was deleted since. */
async function inTable<T>(table: TableClient, write: () => Promise<T>): Promise<T> {
  const make = () => table.createTable();
  await recent(made, tableKey(table), make);
  try {
    return await write();
  } catch (error) {
    if (!tableMissing(error)) throw error;
    made.delete(tableKey(table));
    await recent(made, tableKey(table), make);
    return write();
  }
}

async function dayTables(now: Date): Promise<DayTables> {
  const s = await storage();
  return {
    today: s.table(rateLimitTableName(now)),
    yesterday: s.table(rateLimitTableName(new Date(utcDayStart(now.getTime()) - 1))),
  };
}

/** One key's slots as one table holds them now, with their ETags (none when the table is not there). */
async function readSlots(table: TableClient, partitionKey: string): Promise<KnownSlot[]> {
  const slots: KnownSlot[] = [];
  try {
    for await (const entity of table.listEntities({
      queryOptions: { filter: odata`PartitionKey eq ${partitionKey}` },
    })) {
      const { takenAt, closed } = decodeEntity(table.tableName, slotSchema, entity);
      if (entity.rowKey !== undefined)
        slots.push({
          slot: entity.rowKey,
          takenAt: Date.parse(takenAt),
          closed: closed ?? false,
          etag: etagOf(entity),
        });
    }
  } catch (error) {
    if (!tableMissing(error)) throw error;
  }
  remember(table, partitionKey, slots);
  return slots;
}

/** What storage holds now of the slots that count for `key` at `now` (both tables in parallel in a day's first window). */
async function readView(tables: DayTables, { scope, key, limit }: RateLimitKey, now: Date): Promise<SlotView> {
  const partitionKey = rateLimitPartition(scope, key);
  const [today, yesterday] = await Promise.all([
    readSlots(tables.today, partitionKey),
    reachesPreviousDay(limit, now.getTime()) ? readSlots(tables.yesterday, partitionKey) : undefined,
  ]);
  return { today, yesterday };
}

function seenView(tables: DayTables, { scope, key, limit }: RateLimitKey, now: Date): SlotView {
  const partitionKey = rateLimitPartition(scope, key);
  return {
    today: seenOf(tables.today).get(partitionKey) ?? [],
    yesterday: reachesPreviousDay(limit, now.getTime())
      ? (seenOf(tables.yesterday).get(partitionKey) ?? [])
      : undefined,
  };
}

const inForce = (view: SlotView) => slotsInForce(view.today, view.yesterday);

/** Writes a slot as taken at `now` into `table`: replaced under the ETag it was read with, or created. */
async function writeSlot(
  table: TableClient,
  partitionKey: string,
  rowKey: string,
  previous: KnownSlot | undefined,
  { limit, now, closed }: { limit: RateLimit; now: Date; closed: boolean },
): Promise<KnownSlot> {
  const entity: EntityKeys & z.infer<typeof slotSchema> = {
    partitionKey,
    rowKey,
    takenAt: now.toISOString(),
    windowEnd: Math.ceil(slotFreeAt(now.getTime(), limit) / 1000),
    ...(closed ? { closed } : {}),
  };
  const written = await inTable(table, () =>
    previous ? table.updateEntity(entity, 'Replace', { etag: previous.etag }) : table.createEntity(entity),
  );
  const slot = { slot: rowKey, takenAt: now.getTime(), closed, etag: etagOf(written) };
  rememberSlot(table, partitionKey, rowKey, slot);
  return slot;
}

/**
 * Takes a free slot of `key` as `view` shows it (a slot it does not show is tried by creating it),
 * reading again after each lost race; refused once storage shows none free.
 */
async function takeSlot(
  tables: DayTables,
  key: RateLimitKey,
  view: SlotView,
  now: Date,
): Promise<TakenSlot | RateLimitDecision> {
  const partitionKey = rateLimitPartition(key.scope, key.key);
  const { limit } = key;
  // Ends: each lost race is a slot another attempt took, and a limit has only so many.
  for (;;) {
    const held = inForce(view);
    const free = freeSlots(held, limit, now.getTime());
    // A random free slot, so concurrent attempts mostly take different ones; refused when none is free.
    const rowKey = free[Math.floor(Math.random() * free.length)];
    if (rowKey === undefined) return refusal(held, limit, now.getTime());
    const today = view.today.find((h) => h.slot === rowKey);
    try {
      if (!today && view.yesterday) {
        const yesterday = view.yesterday.find((h) => h.slot === rowKey);
        await writeSlot(tables.yesterday, partitionKey, rowKey, yesterday, { limit, now, closed: true });
      }
      const { etag } = await writeSlot(tables.today, partitionKey, rowKey, today, { limit, now, closed: false });
      return { partitionKey, rowKey, etag };
    } catch (error) {
      const status = storageStatus(error);
      // 409: created meanwhile; 412: taken again meanwhile; 404: the slot was given back meanwhile.
      if (status !== 409 && status !== 412 && status !== 404) throw error;
      view = await readView(tables, key, now);
    }
  }
}

/** Gives back a slot taken for an attempt that was refused after all (unless it was taken again since). */
async function releaseSlot(table: TableClient, slot: TakenSlot): Promise<void> {
  rememberSlot(table, slot.partitionKey, slot.rowKey, undefined);
  try {
    await table.deleteEntity(slot.partitionKey, slot.rowKey, { etag: slot.etag });
  } catch (error) {
    const status = storageStatus(error);
    if (status !== 404 && status !== 412) throw error;
  }
}

const allowed: RateLimitDecision = { allowed: true };
const isTaken = (result: TakenSlot | RateLimitDecision): result is TakenSlot => 'rowKey' in result;

/**
 * Counts one attempt against every key, or against none: when any key has no free slot, nothing
 * is written; when a concurrent attempt took the last slot of one key meanwhile, the slots taken
 * of the others are given back. Returns each key with its decision, in order. An attempt within
 * the limits is one round trip per key (the keys in parallel), unless it races another for a slot;
 * in the first window of a day, a slot not yet taken that day is two (closed yesterday, then
 * created today).
 */
export async function consumeRateLimits<K extends RateLimitKey>(
  keys: K[],
  now = clockNow(),
): Promise<{ key: K; decision: RateLimitDecision }[]> {
  const tooLong = keys.find((k) => k.limit.windowSeconds > maxWindowSeconds);
  if (tooLong)
    throw new Error(`A rate limit's window is at most a day; ${tooLong.scope} has ${tooLong.limit.windowSeconds} s.`);
  const tables = await dayTables(now);
  const full = (view: SlotView, key: K) => freeSlots(inForce(view), key.limit, now.getTime()).length === 0;
  const attempts = await Promise.all(
    keys.map(async (key) => {
      const view = seenView(tables, key, now);
      // Looks full: read what storage holds now, so a refusal and its Retry-After are storage's.
      return { key, view: full(view, key) ? await readView(tables, key, now) : view };
    }),
  );
  if (attempts.some(({ key, view }) => full(view, key))) {
    return attempts.map(({ key, view }) => ({
      key,
      decision: full(view, key) ? refusal(inForce(view), key.limit, now.getTime()) : allowed,
    }));
  }
  const results = await Promise.all(
    attempts.map(async ({ key, view }) => ({ key, result: await takeSlot(tables, key, view, now) })),
  );
  const taken = results.flatMap(({ result }) => (isTaken(result) ? [result] : []));
  if (taken.length < results.length) await Promise.all(taken.map((slot) => releaseSlot(tables.today, slot)));
  return results.map(({ key, result }) => ({ key, decision: isTaken(result) ? allowed : result }));
}

/**
 * Deletes the rate-limit tables no window reaches any more (and the earlier single table, whose
 * slots no attempt reads): one round trip per day's table, however many slots it holds. Returns
 * the tables this run found over and deleted (two runs at once may both count one).
 */
export async function deleteEndedRateLimitTables(now: Date): Promise<number> {
  const { tableService } = await storage();
  const over: string[] = [];
  const filter = odata`TableName ge ${rateLimitTablePrefix} and TableName lt ${`${rateLimitTablePrefix}~`}`;
  for await (const { name } of tableService.listTables({ queryOptions: { filter } })) {
    if (name === undefined) continue;
    const day = rateLimitTableDay(name);
    if (name === rateLimitTablePrefix || (day !== undefined && rateLimitTableOver(day, now))) over.push(name);
  }
  // deleteTable takes a table already gone as deleted. An instance that made one of them makes it again if it must.
  await Promise.all(over.map((name) => tableService.deleteTable(name)));
  return over.length;
}
