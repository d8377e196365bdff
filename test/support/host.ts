import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { allFunctions } from '../../functions/all.js';
import { readHostJson, type HostOptions } from '../../local/host-json.js';
import { startLocalHost, type LocalHost } from '../../local/host.js';
import { devTokenPath, devTokenRoutes } from '../../local/dev-token.js';
import { domainDiscoveryPath, domainDiscoveryRoutes } from '../../local/domain-discovery.js';
import { outboxRoutes } from '../../local/outbox-route.js';
import { ensureLocalSigningKey, mintToken, type LocalRole, type LocalSigningKey } from '../../local/keys.js';
import { resetSettings, settings, settingsSchema } from '../../shared/config.js';
import type { FunctionDefinition } from '../../shared/definitions.js';
import { createStorage, resetStorage, type Storage } from '../../shared/storage/clients.js';
import { wipeStorage, workerConnectionString } from './storage.js';

export const testIssuer = 'https://login.local.test/{tenantid}/v2.0';
export const testAudience = 'api://partner-relationships-test';
/** The service's own tenant in tests (OPERATOR_TENANT_IDS): its Directory.Admin callers are the operators. */
export const operatorTenantId = '99999999-9999-4999-8999-999999999999';

export interface TestHost {
  url: string;
  host: LocalHost;
  storage: Storage;
  /** Every line the host logged (one per invocation, plus context.log output). */
  logs: string[];
  key: LocalSigningKey;
  outboxDir: string;
  env: Record<string, string>;
  /**
   * The host's domain discovery (what Entra ID answers in Azure): who owns which domain, what was asked, and an outage
   * switch.
   */
  discovery: DomainDiscovery;
  token(
    role: LocalRole,
    tenantId: string,
    claims?: { objectId?: string; name?: string; email?: string },
  ): Promise<string>;
  /** fetch against the host; `path` starts with /api/…; `from` is the client address the request comes from. */
  fetch(path: string, init?: RequestInit & { token?: string; from?: string }): Promise<Response>;
  stop(): Promise<void>;
}

export interface DomainDiscovery {
  /** domain → the tenant that has verified it; a domain not here is owned by no tenant. */
  owners: Map<string, string>;
  /** Every domain discovery was asked about, in order. */
  requests: string[];
  /** While set, discovery answers this status with no document, or drops the connection (an Entra ID outage). */
  failWith: number | 'no answer' | undefined;
}

export interface TestHostOptions {
  env?: Record<string, string>;
  functions?: FunctionDefinition[];
  queues?: Partial<HostOptions['queues']>;
  /** Keep what earlier hosts of this test file stored (restart scenarios). */
  keepData?: boolean;
  connectionString?: string;
  /** A fixed port (e.g. one PUBLIC_BASE_URL names, so links in emails reach this host); a free one otherwise. */
  port?: number;
}

/**
 * The local host serving the app's functions against this worker's Azurite account, with a
 * signing key and outbox of its own. Queue polling is fast so tests wait milliseconds, not seconds.
 */
export async function startTestHost(options: TestHostOptions = {}): Promise<TestHost> {
  const dir = await mkdtemp(join(tmpdir(), 'partner-relationships-'));
  const jwksPath = join(dir, 'auth', 'jwks.json');
  const key = await ensureLocalSigningKey(jwksPath);
  const outboxDir = join(dir, 'outbox');
  const env: Record<string, string> = {
    AzureWebJobsStorage: options.connectionString ?? workerConnectionString(),
    AUTH_ISSUER: testIssuer,
    AUTH_AUDIENCE: testAudience,
    AUTH_JWKS_URI: `file:${jwksPath}`,
    OPERATOR_TENANT_IDS: operatorTenantId,
    PUBLIC_BASE_URL: 'http://localhost:7071',
    EMAIL_OUTBOX_DIR: outboxDir,
    CUSTOMER_AGREEMENT_URL: 'https://agreements.example.test/customer-agreement',
    CUSTOMER_AGREEMENT_VERSION: '2024-10',
    WEB_SIGN_IN_DEVELOPMENT_TOKEN_PATH: devTokenPath,
    // Receivers in tests listen on localhost, and a retry need not wait half a minute.
    WEBHOOKS_ALLOW_LOCALHOST: 'true',
    WEBHOOK_RETRY_FIRST_DELAY_SECONDS: '1',
    ...options.env,
  };
  // Settings are process-wide: clear what an earlier host of this file set, then set this host's.
  for (const name of Object.keys(settingsSchema.shape)) delete process.env[name];
  Object.assign(process.env, env);
  resetStorage();
  // Not from settings(): they are complete only once the host listens (DOMAIN_DISCOVERY_AUTHORITY names its port).
  const storage = createStorage({ kind: 'connectionString', connectionString: env.AzureWebJobsStorage! });
  if (!options.keepData) await wipeStorage(storage);
  const fromHostJson = readHostJson(resolve('host.json'));
  const logs: string[] = [];
  const discovery: DomainDiscovery = { owners: new Map(), requests: [], failWith: undefined };
  const answerDiscovery = domainDiscoveryRoutes((domain) => discovery.owners.get(domain))[domainDiscoveryPath]!;
  const host = await startLocalHost({
    functions: options.functions ?? allFunctions,
    storage,
    hostOptions: {
      ...fromHostJson,
      queues: { ...fromHostJson.queues, maxPollingIntervalMs: 100, visibilityTimeoutMs: 0, ...options.queues },
    },
    port: options.port ?? 0,
    log: (line) => logs.push(line),
    timers: false,
    // The same local-only routes `npm start` serves: the development sign-in, the outbox and domain discovery.
    extraRoutes: {
      ...devTokenRoutes(key),
      ...outboxRoutes(outboxDir),
      [domainDiscoveryPath]: async (req, res) => {
        discovery.requests.push(decodeURIComponent((req.url ?? '').slice(domainDiscoveryPath.length).split('/')[0]!));
        if (discovery.failWith === undefined) return answerDiscovery(req, res);
        if (discovery.failWith === 'no answer') return void req.socket.destroy();
        res.writeHead(discovery.failWith);
        res.end();
      },
    },
  });
  // The app asks this host's own discovery, as `npm start`'s does, unless a test names another.
  env.DOMAIN_DISCOVERY_AUTHORITY ??= `${host.url}${domainDiscoveryPath.slice(0, -1)}`;
  process.env.DOMAIN_DISCOVERY_AUTHORITY = env.DOMAIN_DISCOVERY_AUTHORITY;
  resetSettings();
  settings();
  return {
    url: host.url,
    host,
    storage,
    logs,
    key,
    outboxDir,
    env,
    discovery,
    token: (role, tenantId, claims = {}) =>
      mintToken(key, {
        tenantId,
        role,
        issuer: testIssuer,
        audience: testAudience,
        objectId: claims.objectId ?? randomUUID(),
        ...claims,
      }),
    fetch: (path, init = {}) => {
      const { token, from, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      return from
        ? fetchFrom(from, `${host.url}${path}`, { ...rest, headers })
        : fetch(`${host.url}${path}`, { ...rest, headers });
    },
    async stop() {
      await host.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Statuses whose response has no body (the Response constructor refuses one). */
const nullBodyStatuses = new Set([101, 204, 205, 304]);

/**
 * `fetch` over a TCP connection from `localAddress`, so the host sees that client address on its
 * socket (as Azure's front end sees a client's). Any 127.x.y.z works: all of 127/8 is loopback.
 * Redirects are not followed (`redirect: 'manual'`).
 */
export function fetchFrom(
  localAddress: string,
  url: string,
  init: RequestInit & { headers: Headers },
): Promise<Response> {
  const target = new URL(url);
  const body =
    init.body === undefined || init.body === null
      ? undefined
      : typeof init.body === 'string'
        ? init.body
        : Buffer.from(init.body as Uint8Array);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: Number(target.port),
        path: `${target.pathname}${target.search}`,
        method: init.method ?? 'GET',
        headers: { host: target.host, ...Object.fromEntries(init.headers) },
        localAddress,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers))
            for (const v of [value ?? []].flat()) headers.append(name, v);
          const status = res.statusCode ?? 500;
          resolve(new Response(nullBodyStatuses.has(status) ? null : Buffer.concat(chunks), { status, headers }));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
}
