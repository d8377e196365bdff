import { inject } from 'vitest';
import { connectionStringFor } from '../../local/azurite.js';
import { createStorage, type Storage } from '../../shared/storage/clients.js';

/** This worker's own storage account in the shared Azurite (see global-setup.ts). */
export function workerConnectionString(): string {
  const azurite = inject('azurite');
  const index = (Number(process.env.VITEST_POOL_ID ?? '1') - 1) % azurite.accounts.length;
  return connectionStringFor(azurite, azurite.accounts[index]);
}

/** Empties every table, queue and blob container of the worker's account, so a test file starts from nothing. */
export async function wipeStorage(storage: Storage): Promise<void> {
  const tables: string[] = [];
  for await (const t of storage.tableService.listTables()) if (t.name) tables.push(t.name);
  const queues: string[] = [];
  for await (const q of storage.queueService.listQueues()) queues.push(q.name);
  const containers: string[] = [];
  for await (const c of storage.blobService.listContainers()) containers.push(c.name);
  await Promise.all([
    ...containers.map((name) => storage.blobService.deleteContainer(name)),
    ...tables.map((name) => storage.tableService.deleteTable(name)),
    ...queues.map((name) => storage.queueService.deleteQueue(name)),
  ]);
}

export function workerStorage(): Storage {
  return createStorage({ kind: 'connectionString', connectionString: workerConnectionString() });
}
