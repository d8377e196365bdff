import { spawn, type ChildProcess } from 'node:child_process';

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

export async function startChildHost(env: Record<string, string>): Promise<ChildHost> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/child-host-main.ts'], {
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
