import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { allFunctions } from '../../functions/all.js';
import {
  ensureLocalSigningKey,
  mintToken,
  type LocalRole,
  type LocalSigningKey,
  type TokenRequest,
} from '../../local/keys.js';
import { invocationContext } from '../../local/invocation.js';
import { resetClock, setClock } from '../../shared/clock.js';
import { startFakeCommunicationServices, type FakeCommunicationServices } from './fake-communication-services.js';
import { startTestHost, testAudience, testIssuer, type TestHost } from './host.js';
import { startStorageProxy, type StorageProxy } from './storage-proxy.js';
import { workerConnectionString } from './storage.js';

/** The local host as a real child process (test/support/child-host-main.ts), to be killed with SIGKILL. */
export interface ChildHost {
  url: string;
  process: ChildProcess;
  /** What it printed (its log lines). */
  output(): string;
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
  exited: Promise<void>;
}

/**
 * child-host-main.ts and everything it imports as one ESM file, built once per test process: a child
 * started through tsx spent seconds transforming and resolving hundreds of modules before it listened
 * (most of a crash point). The file sits in dist/child-host/ (its depth is dist/bundle's, so the web
 * assets and package.json resolve the same way) under this process's id, as test files run in parallel.
 */
let bundled: Promise<string> | undefined;
function childBundle(): Promise<string> {
  bundled ??= (async () => {
    const outfile = `dist/child-host/main-${process.pid}.mjs`;
    await build({
      entryPoints: ['test/support/child-host-main.ts'],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'warning',
      sourcemap: 'inline',
      // Provided by the Functions host's Node worker; @azure/functions loads it only there.
      external: ['@azure/functions-core'],
      // ESM bundles of CommonJS dependencies need a require of their own.
      banner: {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
    });
    process.once('exit', () => rmSync(outfile, { force: true }));
    return outfile;
  })();
  return bundled;
}

export async function startChildHost(env: Record<string, string>): Promise<ChildHost> {
  const child = spawn(process.execPath, ['--enable-source-maps', await childBundle()], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /child host listening on (\S+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    void exited.then(() => reject(new Error(`the child host exited before it listened:\n${output}`)));
  });
  return {
    url,
    process: child,
    output: () => output,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * What a crash test kills child hosts on and recovers with: the local Communication Services
 * endpoint, a storage proxy counting the child's writes (and killing it at one), a signing key
 * for the tokens, and the settings the child and the recovering in-process host share.
 */
export interface CrashRig {
  acs: FakeCommunicationServices;
  proxy: StorageProxy;
  key: LocalSigningKey;
  /** A token the test hosts accept, signed with `key`: `role` in `tenantId`, with `claims`. */
  token(role: LocalRole, tenantId: string, claims?: Pick<TokenRequest, 'name' | 'email'>): Promise<string>;
  /** The settings both hosts share (the child's storage goes through the proxy on top of them). */
  env: Record<string, string>;
  /**
   * A child host writing through the proxy; what it was handling comes back to the next host after 2 s. `extra`
   * settings on top (CHILD_TIMER names a timer it runs once after it listens).
   */
  startChild(extra?: Record<string, string>): Promise<ChildHost>;
  /**
   * A new host on the same storage, its clock past every lease (email claims, follow-up intents;
   * queue messages come back in real time), the sweeper run as its timer runs it, drained: what a
   * crash left, finished. Its caller stops it and resets the clock.
   */
  recover(drainMs?: number): Promise<TestHost>;
  stop(): Promise<void>;
}

/**
 * How far ahead the recovering host's clock runs: past the longest lease (a minute) and within the
 * five minutes a Standard Webhooks receiver allows a signature's timestamp, so what it delivers verifies.
 */
export const recoveryAheadMs = 3 * 60_000;

export async function startCrashRig(name: string): Promise<CrashRig> {
  const acs = await startFakeCommunicationServices();
  const proxy = await startStorageProxy(workerConnectionString());
  const keyDir = await mkdtemp(join(tmpdir(), `${name}-keys-`));
  const jwksPath = join(keyDir, 'jwks.json');
  const key = await ensureLocalSigningKey(jwksPath);
  const env = {
    AUTH_JWKS_URI: `file:${jwksPath}`,
    COMMUNICATION_SERVICES_CONNECTION_STRING: acs.connectionString,
    EMAIL_SENDER_ADDRESS: `DoNotReply@mail.${name}.example`,
    EMAIL_OUTBOX_DIR: '',
    // Webhook receivers of these tests listen on localhost.
    WEBHOOKS_ALLOW_LOCALHOST: 'true',
  };
  return {
    acs,
    proxy,
    key,
    token: (role, tenantId, claims = {}) =>
      mintToken(key, { role, tenantId, issuer: testIssuer, audience: testAudience, ...claims }),
    env,
    startChild: (extra = {}) =>
      startChildHost({
        ...env,
        AzureWebJobsStorage: proxy.connectionString,
        CHILD_PROCESSING_LEASE_MS: '2000',
        ...extra,
      }),
    async recover(drainMs = 60_000) {
      const t = await startTestHost({ keepData: true, env });
      setClock(() => new Date(Date.now() + recoveryAheadMs));
      const sweeper = allFunctions.find((f) => f.kind === 'timer' && f.name === 'follow-up-sweeper');
      if (sweeper?.kind !== 'timer') throw new Error('follow-up-sweeper is not defined');
      for (let pass = 0; pass < 2; pass++) {
        await t.host.drain(drainMs);
        await sweeper.handler(
          { isPastDue: false },
          invocationContext(sweeper.name, (line) => t.logs.push(line)),
        );
      }
      await t.host.drain(drainMs);
      return t;
    },
    async stop() {
      resetClock();
      await proxy.stop();
      await acs.stop();
      await rm(keyDir, { recursive: true, force: true });
    },
  };
}
