import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An email the endpoint accepted, as the client sent it. */
export interface ReceivedEmail {
  operationId: string;
  receivedAt: Date;
  message: {
    senderAddress: string;
    content: { subject: string; plainText?: string; html?: string };
    recipients: { to: { address: string; displayName?: string }[]; cc?: unknown[]; bcc?: unknown[] };
    headers?: Record<string, string>;
  };
}

/** The accepted emails of the jobs whose id starts with `prefix` (the app names each job in the `X-Email-Job-Id` header). */
export const emailsOfJobs = (emails: readonly ReceivedEmail[], prefix: string): ReceivedEmail[] =>
  emails.filter((e) => (e.message.headers?.['X-Email-Job-Id'] ?? '').startsWith(prefix));

export interface FakeCommunicationServices {
  /** `http://127.0.0.1:PORT/` */
  endpoint: string;
  accessKey: string;
  /** What COMMUNICATION_SERVICES_CONNECTION_STRING holds to reach this endpoint. */
  connectionString: string;
  /** Accepted emails, one per operation id. */
  emails: ReceivedEmail[];
  /** Every `POST /emails:send` that passed authentication, with the status it was answered. */
  sendAttempts: { operationId: string; status: number }[];
  /** Answer the next `count` sends with `status` (429, 500, 400 …) and an error body. */
  failNextSends(status: number, count?: number): void;
  /**
   * Accept the next `count` new operations, then report them `Failed` (as the service does for, say, suppressed
   * recipients).
   */
  failNextOperations(count?: number): void;
  /** Status polls of each operation answer `Running` this many times before its outcome (default 0: done at the first poll). */
  pollsBeforeDone: number;
  /** Called with the operation id after a `202` for a new operation went out, and at each status poll (a test kills its host there). */
  onAccepted: ((operationId: string) => void) | undefined;
  onPoll: ((operationId: string, poll: number) => void) | undefined;
  stop(): Promise<void>;
}

const maxClockSkewMs = 15 * 60_000;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const errorBody = (code: string, message: string) => ({ error: { code, message } });

/**
 * Recomputes the HMAC-SHA256 signature the Communication Services clients send
 * (string to sign: METHOD \n path?query \n x-ms-date;host;content-hash) and checks the content hash.
 */
function authenticated(req: IncomingMessage, body: Buffer, key: Buffer): string | undefined {
  const date = req.headers['x-ms-date'];
  const host = req.headers.host;
  const contentHash = req.headers['x-ms-content-sha256'];
  const authorization = req.headers.authorization;
  if (typeof date !== 'string' || !host || typeof contentHash !== 'string' || !authorization)
    return 'missing x-ms-date, host, x-ms-content-sha256 or authorization';
  if (Math.abs(Date.parse(date) - Date.now()) > maxClockSkewMs) return 'x-ms-date is too far from now';
  if (createHash('sha256').update(body).digest('base64') !== contentHash)
    return 'x-ms-content-sha256 does not match the body';
  const match = /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=(.+)$/.exec(authorization);
  if (!match) return 'authorization is not HMAC-SHA256 over x-ms-date;host;x-ms-content-sha256';
  const url = new URL(req.url ?? '/', 'http://placeholder');
  const query = url.searchParams.toString();
  const stringToSign = `${req.method}\n${url.pathname}${query ? `?${query}` : ''}\n${date};${host};${contentHash}`;
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  const given = Buffer.from(match[1]!, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected) ? undefined : 'signature mismatch';
}

/**
 * A local Communication Services Email endpoint speaking the REST API `EmailClient` uses:
 * `POST /emails:send` → 202 with Operation-Location, `GET /emails/operations/{id}` → Succeeded.
 * A repeated Operation-Id is the same operation, as with the real service.
 */
export async function startFakeCommunicationServices(): Promise<FakeCommunicationServices> {
  const key = randomBytes(32);
  const emails: ReceivedEmail[] = [];
  const sendAttempts: { operationId: string; status: number }[] = [];
  const operations = new Map<string, ReceivedEmail>();
  const failures: number[] = [];
  const failedOperations = new Set<string>();
  let operationsToFail = 0;
  let endpoint = '';
  const polls = new Map<string, number>();
  // Its endpoint is filled in once the server listens; the request handler reads the settable knobs.
  const accessKey = key.toString('base64');
  const fake: FakeCommunicationServices = {
    endpoint: '',
    accessKey,
    connectionString: '',
    emails,
    sendAttempts,
    failNextSends(status, count = 1) {
      for (let i = 0; i < count; i++) failures.push(status);
    },
    failNextOperations(count = 1) {
      operationsToFail += count;
    },
    pollsBeforeDone: 0,
    onAccepted: undefined,
    onPoll: undefined,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const problem = authenticated(req, body, key);
      if (problem) return json(res, 401, errorBody('Unauthorized', problem));
      const url = new URL(req.url ?? '/', endpoint);
      const apiVersion = url.searchParams.get('api-version');
      if (!apiVersion) return json(res, 400, errorBody('MissingApiVersion', 'api-version is required'));

      if (req.method === 'POST' && url.pathname === '/emails:send') {
        const operationId = req.headers['operation-id'];
        if (typeof operationId !== 'string' || !uuid.test(operationId))
          return json(res, 400, errorBody('InvalidOperationId', 'Operation-Id must be a UUID'));
        const failure = failures.shift();
        if (failure !== undefined) {
          sendAttempts.push({ operationId, status: failure });
          return json(
            res,
            failure,
            errorBody(
              failure === 400 ? 'BadRequest' : failure === 429 ? 'TooManyRequests' : 'InternalServerError',
              `told to answer ${failure}`,
            ),
          );
        }
        let message: ReceivedEmail['message'];
        try {
          message = JSON.parse(body.toString('utf8')) as ReceivedEmail['message'];
        } catch {
          return json(res, 400, errorBody('BadRequest', 'body is not JSON'));
        }
        if (!message.senderAddress || !message.content?.subject || !message.recipients?.to?.length) {
          return json(
            res,
            400,
            errorBody('BadRequest', 'senderAddress, content.subject and recipients.to are required'),
          );
        }
        sendAttempts.push({ operationId, status: 202 });
        const known = operations.has(operationId);
        if (!known) {
          const email = { operationId, receivedAt: new Date(), message };
          operations.set(operationId, email);
          emails.push(email);
          if (operationsToFail > 0) {
            operationsToFail--;
            failedOperations.add(operationId);
          }
        }
        json(
          res,
          202,
          { id: operationId, status: 'Running' },
          {
            'operation-location': `${endpoint}emails/operations/${operationId}?api-version=${encodeURIComponent(apiVersion)}`,
            'retry-after': '0',
            'operation-id': operationId,
          },
        );
        if (!known) fake.onAccepted?.(operationId);
        return;
      }

      const status = /^\/emails\/operations\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'GET' && status) {
        const id = decodeURIComponent(status[1]!);
        if (!operations.has(id)) return json(res, 404, errorBody('NotFound', `no operation ${id}`));
        const poll = (polls.get(id) ?? 0) + 1;
        polls.set(id, poll);
        fake.onPoll?.(id, poll);
        if (poll <= fake.pollsBeforeDone) return json(res, 200, { id, status: 'Running' }, { 'retry-after': '0' });
        if (failedOperations.has(id)) {
          return json(res, 200, {
            id,
            status: 'Failed',
            error: {
              code: 'EmailDroppedAllRecipientsSuppressed',
              message: 'Message dropped because all recipients were suppressed',
            },
          });
        }
        return json(res, 200, { id, status: 'Succeeded' });
      }
      json(res, 404, errorBody('NotFound', `${req.method} ${url.pathname}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  fake.endpoint = endpoint;
  fake.connectionString = `endpoint=${endpoint};accesskey=${accessKey}`;
  return fake;
}
