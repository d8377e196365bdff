import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, portInUse, startAzurite } from '../../../local/azurite.js';

/** `npm start` killed with SIGKILL (a closed terminal, an OOM kill) and started again comes up without manual steps. */

/** Three consecutive ports nothing listens on, for Azurite's blob, queue and table services. */
async function freePortRun(): Promise<number> {
  for (;;) {
    // Below the ephemeral range freePort() draws from, so the host port never lands in it.
    const base = 20_000 + Math.floor(Math.random() * 10_000);
    const used = await Promise.all([base, base + 1, base + 2].map((p) => portInUse(p)));
    if (!used.some(Boolean)) return base;
  }
}

interface Start {
  child: ChildProcess;
  output: () => string;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** `npm start -- --in-memory …` from the sources, as one Node.js process (what `npm start` runs, minus the build), until it is healthy. */
function spawnStart(port: number, azuritePort: number): Start {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'local/start.ts', '--in-memory', '--port', String(port), '--azurite-port', String(azuritePort)],
    {
      env: { ...process.env, AzureWebJobsStorage: 'UseDevelopmentStorage=true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return { child, output: () => output };
}

async function start(port: number, azuritePort: number): Promise<Start> {
  const started = spawnStart(port, azuritePort);
  const { child } = started;
  const output = () => started.output();
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output()}`);
    if (Date.now() > deadline) throw new Error(`npm start was not healthy within 60 s:\n${output()}`);
    const health = await fetch(`http://localhost:${port}/api/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (health === 200 && output().includes('Host started on')) return started;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const exited = (child: ChildProcess) =>
  new Promise<void>((r) =>
    child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r()),
  );

async function portsFreed(ports: number[], timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await Promise.all(ports.map((p) => portInUse(p)))).some(Boolean)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('npm start after kill -9', { timeout: 150_000 }, () => {
  it('comes up healthy again, and Ctrl-C then stops it and its Azurite', async () => {
    const [port, azuritePort] = [await freePort(), await freePortRun()];
    const azuritePorts = [azuritePort, azuritePort + 1, azuritePort + 2];
    const first = await start(port, azuritePort);
    first.child.kill('SIGKILL');
    await exited(first.child);
    // Azurite dies with the host that started it: nothing is left holding its ports.
    expect(await portsFreed(azuritePorts)).toBe(true);

    const second = await start(port, azuritePort);
    expect(second.output()).toContain(`Azurite listening on ${azuritePort}-${azuritePort + 2}`);
    expect((await fetch(`http://localhost:${port}/api/partners?top=1`)).status).toBe(200);

    second.child.kill('SIGINT');
    await exited(second.child);
    expect(await portsFreed([port, ...azuritePorts])).toBe(true);
  });

  it('replaces an Azurite an earlier start left running, found by the pid file it wrote', async () => {
    const [port, azuritePort] = [await freePort(), await freePortRun()];
    const pidFile = resolve(`.local/azurite-${azuritePort}.pid`);
    // What a start whose Azurite outlived it leaves: Azurite on the ports, and the pid file naming it.
    const orphan = await startAzurite({
      blobPort: azuritePort,
      queuePort: azuritePort + 1,
      tablePort: azuritePort + 2,
      inMemory: true,
      pidFile,
    });
    expect(existsSync(pidFile)).toBe(true);
    try {
      const again = await start(port, azuritePort);
      expect(again.output()).toContain('stopped the Azurite an earlier start left running');
      again.child.kill('SIGINT');
      await exited(again.child);
      expect(existsSync(pidFile)).toBe(false);
    } finally {
      await orphan.stop();
      rmSync(pidFile, { force: true });
    }
  });

  it('leaves alone an Azurite on the ports that it did not start', async () => {
    const [port, azuritePort] = [await freePort(), await freePortRun()];
    const other = await startAzurite({
      blobPort: azuritePort,
      queuePort: azuritePort + 1,
      tablePort: azuritePort + 2,
      inMemory: true,
    });
    try {
      const refused = spawnStart(port, azuritePort);
      await exited(refused.child);
      expect(refused.child.exitCode).toBe(1);
      expect(refused.output()).toContain(`Port ${azuritePort} is already in use`);
      expect(await portInUse(azuritePort)).toBe(true);
    } finally {
      await other.stop();
    }
  });
});
