import { spawnSync } from 'node:child_process';
import { row, summarize, type BenchRow } from './stats.js';

const runs = 15;

function timeNode(args: string[]): number[] {
  const samples: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = performance.now() - started;
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr.toString()}`);
    if (i >= 2) samples.push(ms); // the first runs warm the OS file cache
  }
  return samples;
}

/**
 * A fresh Node process loading the functions entry (tsc output, and the deployed bundle:
 * dist/bundle/index.js with the chunks it imports at start) beside `node -e 0`; run after `npm run build`.
 */
export async function coldStart(): Promise<BenchRow[]> {
  const floor = summarize(timeNode(['-e', '0'])).p50;
  const load = (entry: string) =>
    summarize(timeNode(['--input-type=module', '-e', `await import(${JSON.stringify(entry)})`])).p50;
  const unbundled = load(`${process.cwd()}/dist/functions/index.js`);
  const bundled = load(`${process.cwd()}/dist/bundle/index.js`);
  const goal = '≤ 3 × node -e 0';
  return [
    // The tsc output is what `npm start` and the tests load; it is not deployed, so the goal is the bundle's.
    row({
      scenario: 'cold start',
      metric: `median of ${runs} (tsc output, not deployed)`,
      unit: 'ms',
      ours: unbundled,
      floor,
      floorName: 'node -e 0',
      goal: null,
    }),
    row({
      scenario: 'cold start',
      metric: `median of ${runs} (esbuild bundle, deployed)`,
      unit: 'ms',
      ours: bundled,
      floor,
      floorName: 'node -e 0',
      goal,
      check: (r) => r <= 3,
    }),
  ];
}
