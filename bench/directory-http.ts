import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Comparison } from './compare.js';
import { rawQueryMix } from './directory-search.js';
import type { BenchHost } from './host.js';
import { httpCall } from './load.js';

export interface SearchFloorServer {
  url: string;
  rssMiB(): Promise<number>;
  stop(): Promise<void>;
}

/** bench/search-floor-server.ts in its own process, over the same generated entries as the host's directory. */
export async function startSearchFloorServer(entries: number): Promise<SearchFloorServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/search-floor-server.ts', String(entries)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the search floor server exited with ${code}`)));
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async rssMiB() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    },
  };
}

/**
 * `GET /api/partners?…` through the local host over `entries` directory entries, beside the same
 * queries answered by the bare search server. Search does no storage operation per request (the
 * index is in memory; a change check reads the table every 30 s), so the floor is the index call
 * itself plus the least HTTP around it; the gap is the Functions host and the handler.
 */
export function directorySearchHttp(host: BenchHost, floor: SearchFloorServer, entries: number): Comparison {
  const queries = rawQueryMix(500).map((q) => new URLSearchParams(q).toString());
  let o = 0;
  let f = 0;
  return {
    scenario: `GET /api/partners (${entries.toLocaleString('en')} entries)`,
    floorName: 'same index + JSON behind bare node:http',
    ours: () =>
      httpCall(`${host.url}/api/partners?${queries[o++ % queries.length]}`, { expect: 200 }).then(() => undefined),
    floor: () =>
      httpCall(`${floor.url}/api/partners?${queries[f++ % queries.length]}`, { expect: 200 }).then(() => undefined),
    counts: { 1: { warm: 100, total: 500 }, 16: { warm: 200, total: 1500 } },
  };
}
