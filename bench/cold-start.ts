import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { allFunctions } from '../functions/all.js';
import { interleave, type BenchScenario, type RoundResult } from './harness.js';

/**
 * The deployed entry's cold start as the Functions host's Node worker does it: a fresh Node
 * process that provides `@azure/functions-core` (bench/worker-core.mjs), imports the bundle
 * (`dist/bundle/index.js`, what package.json `main` ships), lets it register every function, and
 * asks the programming model for its capabilities as the worker does before the first
 * invocation; it fails unless every function was registered. Beside `node -e 0`, interleaved.
 */
const entry = resolve('dist/bundle/index.js');
const registerAll = `
await import(${JSON.stringify(entry)});
const worker = globalThis.__functionsWorker;
if (!worker.programmingModel) throw new Error('no programming model was set');
await worker.programmingModel.getCapabilities({});
if (worker.registered.length !== ${allFunctions.length}) throw new Error('registered ' + worker.registered.length + ' of ${allFunctions.length} functions');
process.exit(0);`;

function timed(args: string[]): RoundResult {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - started;
  if (result.status !== 0)
    return {
      figures: { ms },
      invalid: `node ${args.slice(0, 2).join(' ')} … failed: ${result.stderr.toString().slice(0, 300)}`,
    };
  return { figures: { ms } };
}

const service = () =>
  timed(['--import', pathToFileURL(resolve('bench/worker-core.mjs')).href, '--input-type=module', '-e', registerAll]);
const floor = () => timed(['-e', '0']);

export const coldStart: BenchScenario = {
  name: 'cold start',
  async run({ quick }) {
    // The first runs warm the OS file cache; not counted.
    for (let i = 0; i < 2; i++)
      [service(), floor()].forEach((r) => {
        if (r.invalid) throw new Error(r.invalid);
      });
    return interleave({
      scenario: `cold start: deployed bundle, ${allFunctions.length} functions registered as in the worker`,
      floorName: 'node -e 0',
      rounds: quick ? 5 : 20,
      metrics: [
        {
          key: 'ms',
          label: 'process start → every function registered → exit',
          unit: 'ms',
          goal: { better: 'lower', ratio: 2.5 },
        },
      ],
      service: async () => service(),
      floor: async () => floor(),
    });
  },
};
