import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

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
