import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../local/azurite.js';
import { demoPartners, seedDemoDirectory } from '../../../local/demo-directory.js';
import { startTestHost, type TestHost } from '../../support/host.js';
import { workerConnectionString } from '../../support/storage.js';

/** The README's developer commands, run as a developer runs them, against a test host's signing key and storage. */

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const token = (...args: string[]) => run('npm', ['run', '-s', 'token', '--', ...args]);

/**
 * Every file under dist/ with its modification time: what a build would rewrite. dist/child-host/ is
 * not the build: the crash tests running beside this file bundle their child host there.
 */
async function distFiles(dir = 'dist'): Promise<Map<string, number>> {
  const files = new Map<string, number>();
  let names: string[];
  try {
    names = await readdir(dir, { recursive: true });
  } catch {
    return files;
  }
  for (const name of names) {
    if (name.startsWith('child-host')) continue;
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info?.isFile()) files.set(name, info.mtimeMs);
  }
  return files;
}

const tenant = '11111111-1111-1111-1111-111111111111';
let t: TestHost;
beforeAll(async () => {
  // The child processes inherit the host's settings (issuer, audience, its key file) from the environment.
  t = await startTestHost();
  await seedDemoDirectory();
});
afterAll(() => t.stop());

// Each test starts Node.js processes, which take seconds on a busy machine.
describe('npm run token', { timeout: 90_000 }, () => {
  it('prints a token the host accepts, without building the project', async () => {
    const before = await distFiles();
    const result = await token('--tenant', tenant, '--role', 'global-admin', '--name', 'Ada Admin');
    expect(result.code, result.stderr).toBe(0);
    expect(await distFiles()).toEqual(before);

    const me = await t.fetch('/api/me', { token: result.stdout.trim() });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ tenantId: tenant, name: 'Ada Admin' });
  });

  it('prints its usage for --help, and for a wrong option says what is wrong, without a stack trace', async () => {
    const help = await token('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run -s token -- --tenant <guid> --role <role>/m);
    expect(help.stdout).toContain('--partner <partner id>');

    const wrong = await token('--tenant', tenant, '--rolle', 'user');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("Unknown option '--rolle'");
    expect(wrong.stderr).toContain('usage:');
    expect(wrong.stderr).not.toMatch(/\n\s+at /);
  });

  it('acts as a demo partner’s staff with --partner: that partner’s leads open, another’s do not', async () => {
    const [partner, other] = demoPartners();
    const result = await token('--partner', partner!.id);
    expect(result.code, result.stderr).toBe(0);
    const staff = result.stdout.trim();

    const me = await t.fetch('/api/me', { token: staff });
    expect(await me.json()).toMatchObject({ tenantId: partner!.tenantId, appRoles: ['Partner.Manage'] });
    expect((await t.fetch(`/api/partners/${partner!.id}/contact-requests`, { token: staff })).status).toBe(200);
    expect((await t.fetch(`/api/partners/${other!.id}/contact-requests`, { token: staff })).status).toBe(404);
  });

  it('refuses a --partner that is not a demo partner, saying what to do instead', async () => {
    const result = await token('--partner', 'no-such-partner');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--tenant <its tenant id> --role partner');
  });
});

/** Runs the local host as `npm start` does until it has started, and returns what it printed. */
async function startOutput(): Promise<string> {
  const port = await freePort();
  // Storage is the test Azurite, so start does not start one of its own on the fixed ports.
  const child = spawn('node_modules/.bin/tsx', ['local/start.ts', '--port', String(port)], {
    env: { ...process.env, AzureWebJobsStorage: workerConnectionString() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const read = (c: Buffer) => {
        output += c.toString();
        if (output.includes('Host started on')) resolve();
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.on('close', (code) => reject(new Error(`start exited with ${code}:\n${output}`)));
    });
  } finally {
    child.kill('SIGTERM');
  }
  return output;
}

describe('npm start', { timeout: 90_000 }, () => {
  it('lists demo partners with their tenants, and on Node.js older than 22 says once that 22 is the supported runtime', async () => {
    const output = await startOutput();
    expect(output).toContain('npm run -s token -- --partner <id>');
    for (const p of demoPartners().slice(0, 3))
      expect(output).toContain(`${p.id}: ${p.displayName}, tenant ${p.tenantId}`);

    const notices = output.split('\n').filter((line) => line.includes('the supported runtime is Node.js 22'));
    expect(notices).toHaveLength(Number(process.versions.node.split('.')[0]) < 22 ? 1 : 0);
  });
});
