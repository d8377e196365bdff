import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startAzuriteInMemory } from '../local/azurite.js';
import { ensureLocalSigningKey, mintToken, type LocalRole } from '../local/keys.js';
import { createStorage, type Storage } from '../shared/storage/clients.js';

const issuer = 'https://login.local.test/{tenantid}/v2.0';
const audience = 'api://partner-relationships-bench';

export interface BenchHost {
  url: string;
  pid: number;
  storage: Storage;
  outboxDir: string;
  token(role: LocalRole, tenantId: string): Promise<string>;
  rssMiB(): Promise<number>;
  stop(): Promise<void>;
}

/** Azurite in memory plus the local host in its own process (`node dist/local/start.js`), as a developer runs it. */
export async function startBenchHost(env: Record<string, string> = {}): Promise<BenchHost> {
  const azurite = await startAzuriteInMemory();
  const dir = await mkdtemp(join(tmpdir(), 'partner-relationships-bench-'));
  const jwksPath = join(dir, 'jwks.json');
  const key = await ensureLocalSigningKey(jwksPath);
  const port = await freePort();
  const outboxDir = join(dir, 'outbox');
  const child = spawn(process.execPath, [resolve('dist/local/start.js'), '--port', String(port)], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      AzureWebJobsStorage: azurite.connectionString,
      AUTH_ISSUER: issuer,
      AUTH_AUDIENCE: audience,
      AUTH_JWKS_URI: `file:${jwksPath}`,
      EMAIL_OUTBOX_DIR: outboxDir,
      ...env,
    },
  });
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the local host exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('the local host did not become healthy within 30 s');
    const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid!,
    storage: createStorage({ kind: 'connectionString', connectionString: azurite.connectionString }),
    outboxDir,
    token: (role, tenantId) => mintToken(key, { tenantId, role, issuer, audience }),
    async rssMiB() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
      return kb / 1024;
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
      await azurite.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
