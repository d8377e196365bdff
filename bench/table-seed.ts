import { open, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { z } from 'zod';
import { devAccount, freePort, startAzurite, type RunningAzurite } from '../local/azurite.js';
import { createStorage, ensureStorage } from '../shared/storage/clients.js';
import type { RateLimitTableName, TableName } from '../shared/storage/names.js';

/**
 * Rows written straight into a stopped, disk-backed Azurite's table database, for a benchmark that
 * needs more rows in one partition than Azurite can take through its API in time: it keeps a table
 * in LokiJS, whose lookup of PartitionKey and RowKey on every insert scans the partition, so
 * writing 100,000 rows into one partition is quadratic (README, "Audit export"). The database is
 * the LokiJS file Azurite loads at start (`__azurite_db_table__.json` under its `--location`),
 * edited with the LokiJS Azurite itself runs, so its indices are rebuilt as Azurite would have them.
 */

/** The file Azurite 3 keeps its tables in, under its `--location`. */
const tableDbFile = '__azurite_db_table__.json';

/** A row as the bench writes it: keys and string properties. */
export interface SeedRow {
  partitionKey: string;
  rowKey: string;
  [property: string]: string;
}

interface LokiCollection {
  find(query: object): Record<string, unknown>[];
  insert(docs: object[]): unknown;
  ensureIndex(property: string, force: boolean): void;
  binaryIndices: Record<string, unknown>;
  adaptiveBinaryIndices: boolean;
  data: unknown[];
}
interface LokiDb {
  loadJSON(serialized: string): void;
  getCollection(name: string): LokiCollection | null;
  serialize(): string;
}
type LokiConstructor = new (filename: string, options?: object) => LokiDb;

/** LokiJS as Azurite resolves it (Azurite's dependency, not ours: the same version reads the file). */
function azuriteLoki(): LokiConstructor {
  const fromAzurite = createRequire(createRequire(import.meta.url).resolve('azurite/package.json'));
  return fromAzurite('lokijs') as LokiConstructor;
}

/** The stored shape of an entity, taken from one Azurite wrote itself (so the seeded rows are stored alike). */
const storedEntitySchema = z.object({
  properties: z.record(z.string(), z.unknown()),
  lastModifiedTime: z.string(),
  eTag: z.string(),
});

/**
 * Adds `rows` to `table` in the table database under `location`. Azurite must be stopped, and must
 * have stored at least one entity of the table itself (`template`'s keys): the seeded rows copy its
 * stored shape (timestamps, ETag) with their own keys and properties.
 */
export async function seedTableRows(
  location: string,
  table: string,
  template: { partitionKey: string; rowKey: string },
  rows: Iterable<SeedRow>,
): Promise<number> {
  const Loki = azuriteLoki();
  const path = join(location, tableDbFile);
  const db = new Loki(path);
  db.loadJSON(await readFile(path, 'utf8'));
  const collection = db.getCollection(`${devAccount.name}$${table}`);
  if (!collection) throw new Error(`Azurite's table database under ${location} has no table ${table}`);
  const [stored] = collection.find({ PartitionKey: template.partitionKey, RowKey: template.rowKey });
  const { lastModifiedTime, eTag, properties } = storedEntitySchema.parse(stored);
  const docs: object[] = [];
  for (const { partitionKey, rowKey, ...values } of rows)
    docs.push({
      PartitionKey: partitionKey,
      RowKey: rowKey,
      properties: {
        PartitionKey: partitionKey,
        RowKey: rowKey,
        ...values,
        Timestamp: properties.Timestamp,
        'Timestamp@odata.type': 'Edm.DateTime',
      },
      lastModifiedTime,
      eTag,
    });
  // Indices rebuilt once after the inserts rather than kept row by row (a splice of the index per row), then kept again.
  collection.adaptiveBinaryIndices = false;
  collection.insert(docs);
  for (const property of Object.keys(collection.binaryIndices)) collection.ensureIndex(property, true);
  collection.adaptiveBinaryIndices = true;
  await writeDatabase(path, db, collection);
  return docs.length;
}

/**
 * Writes the database as LokiJS serializes it, with `collection`'s documents written in chunks: a million rows as one
 * string pass V8's longest string.
 */
async function writeDatabase(path: string, db: LokiDb, collection: LokiCollection): Promise<void> {
  const data = collection.data;
  const marker = '"__seeded rows__"';
  collection.data = [JSON.parse(marker)];
  let serialized: string;
  try {
    serialized = db.serialize();
  } finally {
    collection.data = data;
  }
  const at = serialized.indexOf(marker);
  if (at < 0 || serialized.indexOf(marker, at + 1) >= 0)
    throw new Error('the seeded rows have no single place in the database');
  const file = await open(path, 'w');
  try {
    await file.write(serialized.slice(0, at));
    const chunk = 10_000;
    for (let i = 0; i < data.length; i += chunk)
      await file.write(
        `${i > 0 ? ',' : ''}${data
          .slice(i, i + chunk)
          .map((doc) => JSON.stringify(doc))
          .join(',')}`,
      );
    await file.write(serialized.slice(at + marker.length));
  } finally {
    await file.close();
  }
}

/** A table to seed and its rows. */
export interface SeededTable {
  table: TableName | RateLimitTableName;
  rows: Iterable<SeedRow>;
}

/**
 * Azurite on disk under `location` holding `tables`: started empty, the app's tables made and each table's first row
 * written through the SDK, `prepare` run, stopped, the other rows written straight into its database (`seedTableRows`), and started
 * again on the same ports, with a heap for what it now holds.
 */
export async function startSeededAzurite(
  location: string,
  tables: SeededTable[],
  /** Runs against the empty Azurite once its tables are made, before the rows are seeded (cheaper while it is empty). */
  prepare?: (connectionString: string) => Promise<void>,
): Promise<RunningAzurite> {
  const options = {
    blobPort: await freePort(),
    queuePort: await freePort(),
    tablePort: await freePort(),
    inMemory: false,
    location,
  };
  const seeds = tables.map(({ table, rows }) => {
    const iterator = rows[Symbol.iterator]();
    const head = iterator.next();
    if (head.done === true) throw new Error(`no rows to seed ${table} with`);
    return { table, first: head.value, rest: { [Symbol.iterator]: () => iterator } };
  });
  const empty = await startAzurite(options);
  try {
    const storage = createStorage({ kind: 'connectionString', connectionString: empty.connectionString });
    await ensureStorage(storage);
    for (const { table, first } of seeds) {
      await storage.table(table).createTable();
      await storage.table(table).createEntity(first);
    }
    await prepare?.(empty.connectionString);
  } finally {
    await empty.stop();
  }
  for (const { table, first, rest } of seeds) await seedTableRows(location, table, first, rest);
  // Azurite holds every table in its heap: half a million rows outgrow Node's default.
  return startAzurite({ ...options, maxOldSpaceMiB: 8192 });
}
