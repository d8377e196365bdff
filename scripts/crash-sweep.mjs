// `npm run crash`: the crash test at every write (CRASH_POINTS=all), split across CRASH_LANES vitest
// processes side by side (default: the machine's cores), each with its own Azurite, child hosts and
// proxy, taking every n-th point. Prints each lane's log; fails when any lane fails.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

const lanes = Number(process.env.CRASH_LANES ?? availableParallelism());
const started = Date.now();
const codes = await Promise.all(
  Array.from(
    { length: lanes },
    (_, i) =>
      new Promise((resolve) => {
        const lane = spawn('npx', ['vitest', 'run', 'test/hardening/crash.test.ts'], {
          env: { ...process.env, CRASH_POINTS: 'all', CRASH_SHARD: `${i + 1}/${lanes}` },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const prefix = (chunk) =>
          chunk
            .toString()
            .split('\n')
            .filter((line) => line.trim())
            .map((line) => `[lane ${i + 1}] ${line}\n`)
            .join('');
        lane.stdout.on('data', (chunk) => process.stdout.write(prefix(chunk)));
        lane.stderr.on('data', (chunk) => process.stderr.write(prefix(chunk)));
        lane.once('exit', (code) => resolve(code ?? 1));
      }),
  ),
);
console.log(
  `crash sweep: ${lanes} lanes, ${Math.round((Date.now() - started) / 1000)} s, exit codes ${codes.join(', ')}`,
);
process.exit(codes.every((code) => code === 0) ? 0 : 1);
