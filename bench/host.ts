import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startAzuriteInMemory, type RunningAzurite } from '../local/azurite.js';
import { generateDemoDirectory } from '../local/demo-directory.js';
import { ensureLocalSigningKey, mintToken, type LocalRole } from '../local/keys.js';
import { workerNodeOptions } from '../local/runtime.js';
import { resetSettings } from '../shared/config.js';
import { createStorage, ensureStorage, resetStorage, type Storage } from '../shared/storage/clients.js';
import { insertDirectoryEntries } from '../shared/storage/directory.js';
import { queueNames, type TableName } from '../shared/storage/names.js';
import {
  startStorageProxy,
  type StorageRequestInFlight,
  type StorageRoundTrip,
} from '../test/support/storage-proxy.js';
import { startSeededAzurite, type SeedRow } from './table-seed.js';

const issuer = 'https://login.local.test/{tenantid}/v2.0';
const audience = 'api://partner-relationships-bench';

export interface BenchHost {
  url: string;
  pid: number;
  storage: Storage;
  /** The settings the host runs with (storage through the counting proxy), for a floor server to run with the same. */
  env: Record<string, string>;
  /**
   * Every storage round trip of the host, the bench process and the floor servers, as the proxy in front of Azurite saw
   * it.
   */
  roundTrips: StorageRoundTrip[];
  /** Storage requests the proxy has not yet answered in full: what a stalled phase waits on. */
  storageInFlight(): StorageRequestInFlight[];
  outboxDir: string;
  token(
    role: LocalRole,
    tenantId: string,
    claims?: { objectId?: string; name?: string; email?: string },
  ): Promise<string>;
  rssMiB(): Promise<number>;
  /** Waits until the host's queue functions have nothing left to do, so the next measurement starts quiet. */
  queuesIdle(): Promise<void>;
  stop(): Promise<void>;
}

export interface BenchHostOptions {
  /**
   * Generated directory entries written before the host starts (it seeds 300 demo partners into an empty directory).
   */
  directoryEntries?: number;
  /**
   * Rows of one table written before the host starts, more than Azurite takes through its API in time: the first
   * through the SDK, the rest straight into its table database (bench/table-seed.ts), with Azurite on disk.
   */
  tableRows?: { table: TableName; rows: SeedRow[] };
}

/**
 * Azurite for the bench: in memory, or with `tableRows` on disk in `dir`, stopped after the first row and the tables
 * are created, seeded, and started again on the same ports.
 */
async function benchAzurite(dir: string, tableRows: BenchHostOptions['tableRows']): Promise<RunningAzurite> {
  if (!tableRows) return startAzuriteInMemory();
  return startSeededAzurite(join(dir, 'azurite'), [tableRows]);
}

/**
 * A fresh Azurite in memory, a counting proxy in front of it (test/support/storage-proxy.ts) and
 * the local host in its own process (`node dist/local/start.js`), as a developer runs it, taking
 * each request's client address from X-Forwarded-For (`--trust-forwarded-for`: the load generator
 * stands in for many clients). The bench process's own app modules (`storage()`, `settings()`)
 * point at the same storage, so a scenario can prepare data with the app's repositories.
 */
export async function startBenchHost(options: BenchHostOptions = {}): Promise<BenchHost> {
  const dir = await mkdtemp(join(tmpdir(), 'partner-relationships-bench-'));
  const azurite = await benchAzurite(dir, options.tableRows);
  const proxy = await startStorageProxy(azurite.connectionString);
  const jwksPath = join(dir, 'jwks.json');
  const key = await ensureLocalSigningKey(jwksPath);
  const outboxDir = join(dir, 'outbox');
  const env: Record<string, string> = {
    AzureWebJobsStorage: proxy.connectionString,
    AUTH_ISSUER: issuer,
    AUTH_AUDIENCE: audience,
    AUTH_JWKS_URI: `file:${jwksPath}`,
    // Required by the settings; the benchmarks write no directory entries through the API.
    OPERATOR_TENANT_IDS: '99999999-9999-4999-8999-999999999999',
    DOMAIN_DISCOVERY_AUTHORITY: 'http://localhost:7071/.local/login',
    PUBLIC_BASE_URL: 'http://localhost:7071',
    ALLOWED_ORIGINS: '',
    COMMUNICATION_SERVICES_CONNECTION_STRING: '',
    COMMUNICATION_SERVICES_ENDPOINT: '',
    EMAIL_SENDER_ADDRESS: '',
    EMAIL_OUTBOX_DIR: outboxDir,
    CUSTOMER_AGREEMENT_URL: 'https://agreements.example.test/customer-agreement',
    CUSTOMER_AGREEMENT_VERSION: '2024-10',
  };
  Object.assign(process.env, env);
  resetSettings();
  resetStorage();
  const storage = createStorage({ kind: 'connectionString', connectionString: proxy.connectionString });
  await ensureStorage(storage);
  if (options.directoryEntries) await insertDirectoryEntries(generateDemoDirectory(options.directoryEntries));

  const port = await freePort();
  // BENCH_CPU_PROFILE=<dir>: `--cpu-prof` the host into that directory (written when it stops).
  const profileDir = process.env.BENCH_CPU_PROFILE;
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  // The deployed worker's Node options, then BENCH_HOST_NODE_ARGS="--max-semi-space-size=2 …" to try others.
  const nodeArgs = [...workerNodeOptions(), ...(process.env.BENCH_HOST_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const child = spawn(
    process.execPath,
    [...profile, ...nodeArgs, resolve('dist/local/start.js'), '--port', String(port), '--trust-forwarded-for'],
    {
      // One log line per request: discarded, as a developer's terminal would scroll them away.
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, ...env },
    },
  );
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the local host exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('the local host did not become healthy within 30 s');
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const watched = [queueNames.contactRequestFanOut, queueNames.emailOutbound].map((name) => storage.queue(name));
  return {
    url,
    pid: child.pid!,
    storage,
    env,
    roundTrips: proxy.roundTrips,
    storageInFlight: () => proxy.inFlight(),
    outboxDir,
    token: (role, tenantId, claims = {}) => mintToken(key, { tenantId, role, issuer, audience, ...claims }),
    async rssMiB() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
      return kb / 1024;
    },
    async queuesIdle() {
      const idleBy = Date.now() + 120_000;
      // The count includes messages being processed (invisible), so 0 means done.
      while (
        (await Promise.all(watched.map(async (q) => (await q.getProperties()).approximateMessagesCount ?? 0))).some(
          (n) => n > 0,
        )
      ) {
        if (Date.now() > idleBy) throw new Error('the host’s queues did not drain within 2 minutes');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
      await proxy.stop();
      await azurite.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
