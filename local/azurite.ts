import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, connect } from 'node:net';
import { dirname, join } from 'node:path';

export interface AzuriteOptions {
  blobPort: number;
  queuePort: number;
  tablePort: number;
  /** Keep data in memory only (tests); otherwise persisted under `location`. */
  inMemory: boolean;
  location?: string;
  /** Extra storage accounts (tests give each worker its own); the default dev account otherwise. */
  accounts?: { name: string; key: string }[];
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

/** Starts Azurite from the `azurite` package (telemetry always off) and waits until it listens. */
export async function startAzurite(options: AzuriteOptions): Promise<RunningAzurite> {
  const bin = join(
    dirname(createRequire(import.meta.url).resolve('azurite/package.json')),
    'dist',
    'src',
    'azurite.js',
  );
  const args = [
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
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  try {
    await Promise.all(
      [options.blobPort, options.queuePort, options.tablePort].map((p) => waitForPort(p, child, 20_000)),
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}${stderr ? `: ${stderr.trim()}` : ''}`, { cause: error });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
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
export async function startAzuriteInMemory(accounts?: { name: string; key: string }[]): Promise<RunningAzurite> {
  const [blobPort, queuePort, tablePort] = [await freePort(), await freePort(), await freePort()];
  return startAzurite({ blobPort, queuePort, tablePort, inMemory: true, ...(accounts ? { accounts } : {}) });
}
