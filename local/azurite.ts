import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, connect } from 'node:net';
import { dirname, join } from 'node:path';
import { z } from 'zod';

export interface AzuriteOptions {
  blobPort: number;
  queuePort: number;
  tablePort: number;
  /** Keep data in memory only (tests); otherwise persisted under `location`. */
  inMemory: boolean;
  location?: string;
  /** Extra storage accounts (tests give each worker its own); the default dev account otherwise. */
  accounts?: { name: string; key: string }[];
  /** Where to note Azurite's process id while it runs, so the next start can replace one left behind (`replaceOrphanedAzurite`). */
  pidFile?: string;
  /** Azurite's heap limit (`--max-old-space-size`), for benches whose tables outgrow Node's default. */
  maxOldSpaceMiB?: number;
}

export interface RunningAzurite {
  connectionString: string;
  options: AzuriteOptions;
  stop(): Promise<void>;
}

/** The well-known Azurite development account (public, documented by Microsoft; not a secret). */
export const devAccount = {
  name: 'devstoreaccount1',
  key: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
};

export function connectionStringFor(
  options: Pick<AzuriteOptions, 'blobPort' | 'queuePort' | 'tablePort'>,
  account: { name: string; key: string } = devAccount,
): string {
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${account.name}`,
    `AccountKey=${account.key}`,
    `BlobEndpoint=http://127.0.0.1:${options.blobPort}/${account.name}`,
    `QueueEndpoint=http://127.0.0.1:${options.queuePort}/${account.name}`,
    `TableEndpoint=http://127.0.0.1:${options.tablePort}/${account.name}`,
  ].join(';');
}

/** A port the OS says is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Azurite exited with code ${child.exitCode}`);
    if (await portInUse(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Azurite did not listen on port ${port} within ${timeoutMs} ms`);
}

export const azuriteBin = () =>
  join(dirname(createRequire(import.meta.url).resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');

/**
 * Loaded into Azurite's process: when the process that started it goes away, even by `kill -9`, its IPC
 * channel closes and Azurite stops as on Ctrl-C (saving its data), so no orphan keeps the ports. The
 * channel itself must not keep Azurite alive once its servers have closed.
 */
const dieWithParent = `data:text/javascript,${encodeURIComponent(
  'process.channel?.unref(); process.once("disconnect", () => { process.kill(process.pid, "SIGTERM"); setTimeout(() => process.exit(0), 5000).unref(); });',
)}`;

/**
 * Loaded into Azurite's process. lokijs, Azurite's in-memory database, rebuilds (sorts) every index of a collection
 * whenever it removes documents as a batch, even an empty batch, and Azurite's queue service removes expired messages
 * (usually none) that way before every queue operation, and deletes each extent its garbage collection finds as a batch
 * of one. So every queue operation sorted every message held, and the collection that runs each minute kept the whole
 * process (tables too) from answering for 15–40 s in the webhooks bench (profiled with Azurite 3.35.0, lokijs 1.5.12).
 * A batch of up to 100 documents is removed one by one instead, which updates the indexes in place as lokijs does for a
 * single document; an empty one does nothing. Azurite uses no document of a batch after removing it.
 */
export const lokiBatchRemovals = (bin: string) =>
  `data:text/javascript,${encodeURIComponent(
    [
      'import { createRequire } from "node:module";',
      `const { Collection } = createRequire(${JSON.stringify(bin)})("lokijs");`,
      'const removeBatch = Collection.prototype.removeBatch;',
      'Collection.prototype.removeBatch = function (batch) {',
      '  if (batch.length > 0) removeBatch.call(this, batch);',
      '};',
      'const removeBatchByPositions = Collection.prototype.removeBatchByPositions;',
      'Collection.prototype.removeBatchByPositions = function (positions) {',
      '  if (positions.length > 100) return removeBatchByPositions.call(this, positions);',
      '  for (const position of [...positions].sort((a, b) => b - a)) this.remove(this.data[position]);',
      '};',
    ].join('\n'),
  )}`;

const pidFileSchema = z.object({ pid: z.number().int().positive(), bin: z.string() });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Whether `pid` is still the Azurite the pid file names: a pid the OS gave to another program since is left alone. */
function stillAzurite(pid: number, bin: string): boolean {
  if (!alive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(bin);
  } catch {
    // No /proc (macOS, Windows): the pid file is all there is to go on.
    return true;
  }
}

/**
 * Stops the Azurite an earlier start wrote `pidFile` for, if it is still running (its host was killed
 * before it could stop it), and waits until it has exited. Found by the pid file only, never by name:
 * another Azurite on this machine is not ours to stop. Returns whether there was one.
 */
export async function replaceOrphanedAzurite(pidFile: string, timeoutMs = 10_000): Promise<boolean> {
  let noted;
  try {
    noted = pidFileSchema.safeParse(JSON.parse(readFileSync(pidFile, 'utf8')));
  } catch {
    return false;
  }
  rmSync(pidFile, { force: true });
  if (!noted.success || !stillAzurite(noted.data.pid, noted.data.bin)) return false;
  const { pid } = noted.data;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Starts Azurite from the `azurite` package (telemetry always off) and waits until it listens. It stops when this process ends, however it ends. */
export async function startAzurite(options: AzuriteOptions): Promise<RunningAzurite> {
  const bin = azuriteBin();
  const args = [
    ...(options.maxOldSpaceMiB === undefined ? [] : [`--max-old-space-size=${options.maxOldSpaceMiB}`]),
    '--import',
    dieWithParent,
    '--import',
    lokiBatchRemovals(bin),
    bin,
    '--disableTelemetry',
    '--silent',
    '--skipApiVersionCheck',
    '--loose',
    '--blobHost',
    '127.0.0.1',
    '--queueHost',
    '127.0.0.1',
    '--tableHost',
    '127.0.0.1',
    '--blobPort',
    String(options.blobPort),
    '--queuePort',
    String(options.queuePort),
    '--tablePort',
    String(options.tablePort),
    ...(options.inMemory ? ['--inMemoryPersistence'] : ['--location', options.location ?? '.local/azurite']),
  ];
  const env = options.accounts
    ? { ...process.env, AZURITE_ACCOUNTS: [devAccount, ...options.accounts].map((a) => `${a.name}:${a.key}`).join(';') }
    : process.env;
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env });
  // The channel is only there to close when this process dies; it must not keep this process running.
  child.channel?.unref();
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  try {
    // A child process exiting fails at once; only a slow start waits this long (a busy 2-core machine took over 20 s).
    await Promise.all(
      [options.blobPort, options.queuePort, options.tablePort].map((p) => waitForPort(p, child, 60_000)),
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}${stderr ? `: ${stderr.trim()}` : ''}`, { cause: error });
  }
  const { pidFile } = options;
  if (pidFile && child.pid !== undefined) {
    mkdirSync(dirname(pidFile), { recursive: true });
    writeFileSync(pidFile, JSON.stringify({ pid: child.pid, bin }));
  }
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      if (pidFile) rmSync(pidFile, { force: true });
      resolve();
    }),
  );
  return {
    connectionString: connectionStringFor(options, options.accounts?.[0]),
    options,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Azurite on free ports, in memory: for tests. */
export async function startAzuriteInMemory(
  options: Pick<AzuriteOptions, 'accounts' | 'maxOldSpaceMiB'> = {},
): Promise<RunningAzurite> {
  const [blobPort, queuePort, tablePort] = [await freePort(), await freePort(), await freePort()];
  return startAzurite({ blobPort, queuePort, tablePort, inMemory: true, ...options });
}
