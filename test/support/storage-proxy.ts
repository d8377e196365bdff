import { request as httpRequest, createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';

/**
 * A transparent forwarder between the app and Azurite (the real storage, not a mock) that keeps
 * a log of every request that changed something (storage answered it 2xx), so a test can tell exactly which writes one
 * API call caused, and of every round trip, so a test (or the bench) can count them. Shared-key signatures cover the
 * path, not the host, so forwarding keeps them valid.
 */
export interface StorageWrite {
  service: 'table' | 'queue' | 'blob';
  method: string;
  path: string;
}

/** One round trip as storage answered it; `resource` is the table or queue name (`$batch` for a batch). */
export interface StorageRoundTrip {
  service: 'table' | 'queue' | 'blob';
  method: string;
  resource: string;
  /** The whole path, decoded: which entity (`directory(PartitionKey='p3f',RowKey='x')`) or a query (`directory()`). */
  path: string;
  status: number;
  /** A table query's `$filter`, as sent. */
  filter?: string;
  /** How many entities a table query's answer held (set once the answer has been read). */
  entities?: number;
}

export interface StorageProxy {
  /** The worker's connection string with the table and queue endpoints pointing at the proxy. */
  connectionString: string;
  writes: StorageWrite[];
  roundTrips: StorageRoundTrip[];
  /**
   * Calls `trip` at the `n`-th write request from now (PUT/POST/PATCH/MERGE/DELETE of entities and
   * messages, queue sends and deletes included; receives and creating a table or queue not): `before` it reaches storage (it is then never forwarded), or
   * `after` storage answered it but before the answer goes back. A test kills its host there.
   */
  tripAt(n: number, when: 'before' | 'after', trip: () => void | Promise<void>): void;
  /**
   * Calls `trip` at the first request from now (a read too) that `match` picks, before it reaches storage (it is then
   * never forwarded): a test kills its host where it reads, not only where it writes.
   */
  tripOn(match: (request: StorageRequest) => boolean, trip: () => void | Promise<void>): void;
  /** Write requests seen since the last `tripAt` (or the start). */
  writesSeen(): number;
  /** Requests not yet answered in full, oldest first: a stalled caller can tell whether storage is what it waits on. */
  inFlight(): StorageRequestInFlight[];
  stop(): Promise<void>;
}

/** A request on its way to storage: `path` decoded, as in `StorageRoundTrip`. */
export type StorageRequest = Pick<StorageRoundTrip, 'service' | 'method' | 'path'>;

export interface StorageRequestInFlight extends StorageRequest, Pick<StorageRoundTrip, 'resource'> {
  /** `storage` until storage begins to answer, then `answer` while the answer streams back. */
  stage: 'storage' | 'answer';
  since: number;
}

interface Tripwire {
  seen: number;
  at?: number;
  when?: 'before' | 'after';
  trip?: () => void | Promise<void>;
  match?: { picks: (request: StorageRequest) => boolean; trip: () => void | Promise<void> };
}

/**
 * The table or queue a request is for: the path segment after the account (`ratelimits(PartitionKey=…)` →
 * `ratelimits`).
 */
const resourceOf = (pathname: string): string => decodeURIComponent(pathname.split('/')[2] ?? '').replace(/\(.*$/, '');

const tableWrite = (method: string) => ['POST', 'PUT', 'PATCH', 'MERGE', 'DELETE'].includes(method);
/** Queue reads that change state: receiving messages (GET …/messages without peekonly) hides them. */
const queueWrite = (method: string, url: URL) =>
  tableWrite(method) ||
  (method === 'GET' && url.pathname.endsWith('/messages') && url.searchParams.get('peekonly') !== 'true');

/** Creating a table (`POST /Tables`) or a queue (`PUT /{account}/{queue}`): no entity or message is written. */
const isCreation = (service: StorageWrite['service'], method: string, url: URL) =>
  service === 'table'
    ? method === 'POST' && resourceOf(url.pathname) === 'Tables'
    : method === 'PUT' && url.pathname.split('/').filter(Boolean).length === 2;

/** Counts the entities of a table query's answer (JSON `{ value: [...] }`) as it streams past, into `trip`. */
function countEntities(answer: IncomingMessage, trip: StorageRoundTrip): void {
  const chunks: Buffer[] = [];
  answer.on('data', (chunk: Buffer) => chunks.push(chunk));
  answer.on('end', () => {
    const parsed = z.object({ value: z.array(z.unknown()) }).safeParse(parseJson(Buffer.concat(chunks).toString()));
    if (parsed.success) trip.entities = parsed.data.value.length;
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function forwarder(
  service: StorageWrite['service'],
  target: URL,
  writes: StorageWrite[],
  roundTrips: StorageRoundTrip[],
  tripwire: Tripwire,
  inFlight: Set<StorageRequestInFlight>,
): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const method = (req.method ?? 'GET').toUpperCase();
    const pending: StorageRequestInFlight = {
      service,
      method,
      resource: resourceOf(url.pathname),
      path: decodeURIComponent(url.pathname),
      stage: 'storage',
      since: Date.now(),
    };
    inFlight.add(pending);
    res.on('close', () => inFlight.delete(pending));
    const write = service === 'queue' ? queueWrite(method, url) : tableWrite(method);
    const matched = tripwire.match?.picks({ service, method, path: pending.path }) ? tripwire.match : undefined;
    if (matched) {
      tripwire.match = undefined;
      void Promise.resolve(matched.trip()).finally(() => res.destroy());
      return;
    }
    // Blob Storage holds only what is derived from the tables (see below): its writes never trip. Nor does making a
    // table or queue that may not exist yet (a host does that at start, and its queue listeners after it listens): only
    // writes of entities and messages are steps of a decision.
    const tripsHere =
      service !== 'blob' && tableWrite(method) && !isCreation(service, method, url) && ++tripwire.seen === tripwire.at
        ? tripwire
        : undefined;
    if (tripsHere?.when === 'before') {
      void Promise.resolve(tripsHere.trip?.()).finally(() => res.destroy());
      return;
    }
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: Number(target.port),
        method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        pending.stage = 'answer';
        // Only what storage accepted changed anything (a 412 or 409 leaves the data as it was).
        // Blob Storage holds only what is derived from the tables (the directory snapshot, written in the background), so
        // it is no request's write.
        if (write && service !== 'blob' && (answer.statusCode ?? 500) < 300)
          writes.push({ service, method, path: url.pathname });
        const trip: StorageRoundTrip = {
          service,
          method,
          resource: pending.resource,
          path: pending.path,
          status: answer.statusCode ?? 502,
        };
        roundTrips.push(trip);
        const filter = url.searchParams.get('$filter');
        if (service === 'table' && method === 'GET' && filter !== null) {
          trip.filter = filter;
          countEntities(answer, trip);
        }
        if (tripsHere) {
          answer.resume();
          void Promise.resolve(tripsHere.trip?.()).finally(() => res.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

export async function startStorageProxy(connectionString: string): Promise<StorageProxy> {
  const parts = new Map(
    connectionString.split(';').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as const),
  );
  const tableEndpoint = new URL(parts.get('TableEndpoint')!);
  const queueEndpoint = new URL(parts.get('QueueEndpoint')!);
  const blobEndpoint = new URL(parts.get('BlobEndpoint')!);
  const writes: StorageWrite[] = [];
  const roundTrips: StorageRoundTrip[] = [];
  const tripwire: Tripwire = { seen: 0 };
  const inFlight = new Set<StorageRequestInFlight>();
  const table = await forwarder('table', tableEndpoint, writes, roundTrips, tripwire, inFlight);
  const queue = await forwarder('queue', queueEndpoint, writes, roundTrips, tripwire, inFlight);
  const blob = await forwarder('blob', blobEndpoint, writes, roundTrips, tripwire, inFlight);
  const via = (endpoint: URL, port: number) => `http://127.0.0.1:${port}${endpoint.pathname}`;
  parts.set('TableEndpoint', via(tableEndpoint, table.port));
  parts.set('QueueEndpoint', via(queueEndpoint, queue.port));
  parts.set('BlobEndpoint', via(blobEndpoint, blob.port));
  return {
    connectionString: [...parts].map(([k, v]) => `${k}=${v}`).join(';'),
    writes,
    roundTrips,
    tripAt(n, when, trip) {
      Object.assign(tripwire, { seen: 0, at: n, when, trip });
    },
    tripOn(picks, trip) {
      tripwire.match = { picks, trip };
    },
    writesSeen: () => tripwire.seen,
    inFlight: () => [...inFlight],
    async stop() {
      for (const f of [table, queue, blob]) {
        for (const s of f.sockets) s.destroy();
        await new Promise<void>((resolve) => f.server.close(() => resolve()));
      }
    },
  };
}
