import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** A server of the bench in a process of its own (a floor, the trivial server of the load generator's ceiling). */
export interface BenchServer {
  url: string;
  pid: number;
  rssMiB(): Promise<number>;
  stop(): Promise<void>;
}

export async function processRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
}

/** Runs `node --import tsx <script> …args`; the script prints the port it listens on (127.0.0.1) as its first line. */
export async function startBenchServer(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<BenchServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim().split('\n')[0])));
  });
  const pid = child.pid ?? 0;
  return {
    url: `http://127.0.0.1:${port}`,
    pid,
    rssMiB: () => processRssMiB(pid),
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    },
  };
}
