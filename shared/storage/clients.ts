import { TableClient, TableServiceClient, type TableServiceClientOptions } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { settings, type StorageConnection } from '../config.js';
import {
  containerNames,
  poisonQueueName,
  queueNames,
  tableNames,
  type ContainerName,
  type QueueName,
  type RateLimitTableName,
  type TableName,
} from './names.js';

let credential: { clientId: string | undefined; value: TokenCredential } | undefined;

/**
 * One DefaultAzureCredential per process (it caches tokens); the user-assigned identity when a client id is set.
 * @azure/identity (with MSAL, a fifth of the bundle) is imported on the first token request rather than at
 * start-up: connection-string set-ups (local, tests) never load it, and in Azure it is parsed once, by the
 * first storage or email call, instead of delaying the worker's start.
 */
export function azureCredential(clientId: string | undefined): TokenCredential {
  if (!credential || credential.clientId !== clientId) {
    let loaded: Promise<TokenCredential> | undefined;
    const load = () =>
      (loaded ??= import('@azure/identity').then(
        ({ DefaultAzureCredential }) =>
          new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {}),
      ));
    credential = { clientId, value: { getToken: async (scopes, options) => (await load()).getToken(scopes, options) } };
  }
  return credential.value;
}

export interface Storage {
  table(name: TableName | RateLimitTableName): TableClient;
  queue(name: string): QueueClient;
  container(name: ContainerName): ContainerClient;
  readonly tableService: TableServiceClient;
  readonly queueService: QueueServiceClient;
  readonly blobService: BlobServiceClient;
}

/**
 * The tables SDK sets no time limit on a try: a request storage takes and never answers (a connection
 * dropped on the way) would wait for ever, and so would all that waits on it, such as the directory's
 * change-feed read, which every later check shares. A try that gets no whole answer in time is aborted
 * (AbortError). Through an abort signal, cleared when the try ends, not the pipeline's `timeout`: the
 * HTTP client leaves that timer running when a try fails first, and its later abort of the failed
 * request raised an error no one listened for (it ended a bench process).
 */
const tableTryTimeoutMs = 30_000;

const tableTryTimeout = (ms: number): NonNullable<TableServiceClientOptions['additionalPolicies']>[number] => ({
  position: 'perRetry',
  policy: {
    name: 'tableTryTimeout',
    sendRequest: async (request, next) => {
      const callers = request.abortSignal;
      const controller = new AbortController();
      const abort = () => controller.abort();
      const timer = setTimeout(abort, ms);
      if (callers?.aborted) abort();
      callers?.addEventListener('abort', abort);
      request.abortSignal = controller.signal;
      try {
        return await next(request);
      } finally {
        clearTimeout(timer);
        callers?.removeEventListener('abort', abort);
        // A retry is a new try: its own time limit, under the caller's signal again.
        request.abortSignal = callers;
      }
    },
  },
});

// Fail fast when storage is down: a few quick tries, then the caller answers 503.
const tableOptions = (tryTimeoutMs: number): TableServiceClientOptions => ({
  retryOptions: { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 1000 },
  additionalPolicies: [tableTryTimeout(tryTimeoutMs)],
});
const queueOptions = {
  retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 1000, tryTimeoutInMs: 10_000 },
};
// A snapshot is tens to hundreds of MB: a try may take longer than a queue call.
const blobOptions = {
  retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 1000, tryTimeoutInMs: 120_000 },
};

export function createStorage(
  connection: StorageConnection,
  { tableTryTimeoutMs: tryTimeoutMs = tableTryTimeoutMs } = {},
): Storage {
  let tableService: TableServiceClient;
  let queueService: QueueServiceClient;
  let blobService: BlobServiceClient;
  let table: (name: string) => TableClient;
  if (connection.kind === 'connectionString') {
    const insecure =
      /^UseDevelopmentStorage=true/i.test(connection.connectionString) ||
      /=http:\/\//i.test(connection.connectionString);
    const options = { ...tableOptions(tryTimeoutMs), allowInsecureConnection: insecure };
    tableService = TableServiceClient.fromConnectionString(connection.connectionString, options);
    queueService = QueueServiceClient.fromConnectionString(connection.connectionString, queueOptions);
    blobService = BlobServiceClient.fromConnectionString(connection.connectionString, blobOptions);
    table = (name) => TableClient.fromConnectionString(connection.connectionString, name, options);
  } else {
    const cred = azureCredential(connection.clientId);
    tableService = new TableServiceClient(connection.tableServiceUri, cred, tableOptions(tryTimeoutMs));
    queueService = new QueueServiceClient(connection.queueServiceUri, cred, queueOptions);
    blobService = new BlobServiceClient(connection.blobServiceUri, cred, blobOptions);
    table = (name) => new TableClient(connection.tableServiceUri, name, cred, tableOptions(tryTimeoutMs));
  }
  const tables = new Map<string, TableClient>();
  const queues = new Map<string, QueueClient>();
  return {
    tableService,
    queueService,
    blobService,
    container: (name) => blobService.getContainerClient(name),
    table(name) {
      let client = tables.get(name);
      if (!client) tables.set(name, (client = table(name)));
      return client;
    },
    queue(name) {
      let client = queues.get(name);
      if (!client) queues.set(name, (client = queueService.getQueueClient(name)));
      return client;
    },
  };
}

/** Creates every table, queue, poison queue and blob container the app uses; safe to repeat. */
export async function ensureStorage(storage: Storage): Promise<void> {
  await Promise.all([
    ...Object.values(containerNames).map((name) => storage.container(name).createIfNotExists()),
    ...Object.values(tableNames).map((name) => storage.table(name).createTable()),
    ...Object.values(queueNames).flatMap((name) => [
      storage.queue(name).createIfNotExists(),
      storage.queue(poisonQueueName(name)).createIfNotExists(),
    ]),
  ]);
}

let ready: Promise<Storage> | undefined;

/** The process's storage, created from settings with its tables and queues in place. */
export function storage(): Promise<Storage> {
  ready ??= (async () => {
    const s = createStorage(settings().storage);
    await ensureStorage(s);
    return s;
  })().catch((error: unknown) => {
    ready = undefined;
    throw error;
  });
  return ready;
}

/** For tests and the local host, which point the app at a new storage account. */
export function resetStorage(): void {
  ready = undefined;
}

/** Queue messages are base64 JSON, as the Functions queue trigger reads them by default. */
export function encodeQueueMessage(message: unknown): string {
  return Buffer.from(JSON.stringify(message), 'utf8').toString('base64');
}

export async function enqueue(
  queue: QueueClient,
  message: unknown,
  options: { visibilityTimeout?: number } = {},
): Promise<void> {
  await queue.sendMessage(encodeQueueMessage(message), options);
}

export type { QueueName };
