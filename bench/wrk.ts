import { execFile, spawnSync } from 'node:child_process';
import { z } from 'zod';
import { progress } from './harness.js';

/**
 * wrk (Debian's package) as the bench's HTTP load generator, in a process of its own, driven by
 * bench/wrk/load.lua. Installed with apt-get when missing (the machines run as root).
 */
export function ensureWrk(): void {
  if (spawnSync('wrk', ['--version']).error === undefined) return;
  progress('wrk is missing: apt-get install -y wrk');
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', 'wrk'],
  ]) {
    const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    if (result.status !== 0)
      throw new Error(`apt-get ${args.join(' ')} failed; install wrk (apt-get install -y wrk) and run the bench again`);
  }
}

/** A request taking longer than this is a stall, reported as such (wrk counts it as a timeout). */
export const stallSeconds = 5;

const doneLine = z.object({
  requests: z.number(),
  durationUs: z.number(),
  connect: z.number(),
  read: z.number(),
  write: z.number(),
  status: z.number(),
  timeout: z.number(),
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  max: z.number(),
});

export interface WrkResult {
  requests: number;
  rps: number;
  /** Latencies in ms. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Connect/read/write errors and answers other than 2xx/3xx. */
  errors: number;
  /** Requests over `stallSeconds`. */
  stalls: number;
}

export type WrkLoad = { paths: string } | { post: string; bodyFile: string; run: number };

/** `connections` in flight for `seconds` against `baseUrl`; one thread per 8 connections (the machine has 2 cores). */
export function wrk(baseUrl: string, load: WrkLoad, connections: number, seconds: number): Promise<WrkResult> {
  const threads = Math.min(2, Math.max(1, Math.ceil(connections / 8)));
  const script = 'paths' in load ? ['paths', load.paths] : ['post', load.post, load.bodyFile, String(load.run)];
  const args = [
    '-t',
    String(threads),
    '-c',
    String(connections),
    '-d',
    `${seconds}s`,
    '--timeout',
    `${stallSeconds}s`,
    '-s',
    'bench/wrk/load.lua',
    baseUrl,
    '--',
    ...script,
  ];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`wrk ${args.join(' ')}: ${error.message} ${stderr}`));
      const line = stdout
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'));
      if (!line) return reject(new Error(`wrk printed no summary: ${stdout}`));
      const d = doneLine.parse(JSON.parse(line));
      resolve({
        requests: d.requests,
        rps: d.requests / (d.durationUs / 1e6),
        p50: d.p50 / 1000,
        p90: d.p90 / 1000,
        p99: d.p99 / 1000,
        max: d.max / 1000,
        errors: d.connect + d.read + d.write + d.status,
        stalls: d.timeout,
      });
    });
  });
}

/** What a round's reader must know about one wrk run: stalls and errors, said plainly. */
export function wrkNotes(r: WrkResult): string[] {
  const notes: string[] = [];
  if (r.stalls > 0 || r.max > stallSeconds * 1000)
    notes.push(`stall: ${r.stalls} request(s) over ${stallSeconds} s, slowest ${(r.max / 1000).toFixed(1)} s`);
  return notes;
}
