import { writeFileSync } from 'node:fs';
import { arch, cpus, totalmem } from 'node:os';
import { coldStart } from './cold-start.js';
import { directorySearch } from './directory-search.js';
import { run as emailDrain } from './email-drain.js';
import { httpScenarios } from './http.js';
import { row, type BenchRow } from './stats.js';

/**
 * `npm run bench`: every scenario reports its figure beside the floor it is measured against, in
 * the same run, because absolute times on a shared 2-core machine drift. Not part of `npm test`.
 */
const scenarios: [string, () => Promise<BenchRow[]>][] = [
  ['cold start', coldStart],
  ['directory search', directorySearch],
  ['HTTP through the local host (then its memory)', () => httpScenarios()],
  [
    'email drain',
    async () => {
      const r = await emailDrain(1000);
      return [
        row({
          scenario: 'email drain',
          metric: '1,000 jobs through email-outbound to the local Communication Services endpoint',
          unit: 'emails/s',
          ours: r.ours,
          floor: r.floor,
          floorName: 'raw receive + send + delete loop',
          goal: '≥ 0.7 × floor',
          check: (ratio) => ratio >= 0.7,
        }),
      ];
    },
  ],
];

const fmt = (n: number | null, digits = 2) =>
  n === null || Number.isNaN(n) ? '—' : n >= 100 ? n.toFixed(0) : n.toFixed(digits);

const rows: BenchRow[] = [];
const started = Date.now();
for (const [name, run] of scenarios) {
  process.stderr.write(`bench: ${name}…\n`);
  rows.push(...(await run()));
}
const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${arch()}, Node ${process.version}`;
const date = new Date().toISOString();
writeFileSync(
  'bench/results.json',
  `${JSON.stringify({ date, machine, seconds: Math.round((Date.now() - started) / 1000), rows }, null, 2)}\n`,
);

console.log(`Benchmarks, ${date.slice(0, 10)}, ${machine}\n`);
console.log('| scenario | metric | ours | floor | floor is | ratio | goal | met |');
console.log('| --- | --- | ---: | ---: | --- | ---: | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.scenario} | ${r.metric} | ${fmt(r.ours)} ${r.unit} | ${r.floor === null ? '—' : `${fmt(r.floor)} ${r.unit}`} | ${r.floorName ?? '—'} | ${fmt(r.ratio)} | ${r.goal ?? '—'} | ${r.met === null ? '—' : r.met ? 'yes' : 'no'} |`,
  );
}
