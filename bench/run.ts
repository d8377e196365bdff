import { writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { fmt, progress, type BenchRow, type Spread } from './harness.js';
import { scenarios } from './scenarios.js';

/**
 * `npm run bench [-- --quick] [-- --only <scenario name prefix>[,<prefix>…]]`: every row beside its floor in
 * interleaved rounds, printed as a table with the median and spread (min–max) of the per-round
 * ratios, the goals met or not, and notes (stalls, operation counts). Exits 1 when a row cannot be
 * trusted (a floor whose storage operations differ from the service's, failed requests); a goal
 * missed is reported, not an error. Not part of `npm test`.
 */
const { values: flags } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } },
});
const options = { quick: flags.quick };

const rows: BenchRow[] = [];
const started = Date.now();
const loadBefore = loadavg()[0] ?? 0;
const only = flags.only?.split(',').map((prefix) => prefix.trim());
for (const scenario of scenarios) {
  if (only && !only.some((prefix) => scenario.name.startsWith(prefix))) continue;
  progress(`${scenario.name}…`);
  try {
    rows.push(...(await scenario.run(options)));
  } catch (error) {
    // A scenario that fails is a row that cannot be trusted, not the end of the run: the other scenarios still report.
    const message = error instanceof Error ? error.message : String(error);
    progress(`${scenario.name} failed: ${error instanceof Error ? (error.stack ?? message) : message}`);
    const none = { median: Number.NaN, min: Number.NaN, max: Number.NaN };
    rows.push({
      scenario: scenario.name,
      metric: '—',
      unit: '',
      service: none,
      floor: null,
      floorName: null,
      ratio: null,
      rounds: 0,
      goal: null,
      met: null,
      notes: [`the scenario failed: ${message}`],
      invalid: true,
    });
  }
}

// How close the fastest round came to the load generator's own ceiling.
const ceiling = rows.find((r) => r.scenario.startsWith('load generator ceiling') && r.unit === 'req/s');
if (ceiling) {
  const fastest = Math.max(
    ...rows.filter((r) => r !== ceiling && r.unit === 'req/s').flatMap((r) => [r.service.max, r.floor?.max ?? 0]),
  );
  if (Number.isFinite(fastest))
    ceiling.notes.push(
      `the fastest round of this run drove ${fmt(fastest)} req/s: ${((fastest / ceiling.service.median) * 100).toFixed(0)} % of this ceiling`,
    );
}

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${arch()}, Node ${process.version}`;
const date = new Date().toISOString();
const seconds = Math.round((Date.now() - started) / 1000);
const load = `load average ${loadBefore.toFixed(2)} at the start, ${(loadavg()[0] ?? 0).toFixed(2)} at the end`;
writeFileSync(
  'bench/results.json',
  `${JSON.stringify({ date, machine, quick: options.quick, seconds, load, rows }, null, 2)}\n`,
);

const value = (s: Spread | null, unit: string) => (s === null ? '—' : `${fmt(s.median)} ${unit}`);
const range = (s: Spread | null) =>
  s === null ? '—' : s.min === s.max ? fmt(s.median) : `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
const met = (r: BenchRow) => (r.invalid ? '**invalid**' : r.met === null ? '—' : r.met ? 'yes' : '**no**');

console.log(
  `Benchmarks, ${date.slice(0, 16).replace('T', ' ')} UTC, ${machine}, ${options.quick ? 'quick mode' : 'full run'}, ${seconds} s, ${load}\n`,
);
console.log('| scenario | metric | service | floor | floor is | ratio: median (min–max) | rounds | goal | met |');
console.log('| --- | --- | ---: | ---: | --- | ---: | ---: | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.scenario} | ${r.metric} | ${r.floor === null ? range(r.service) : value(r.service, r.unit)} | ${value(r.floor, r.unit)} | ${r.floorName ?? '—'} | ${range(r.ratio)} | ${r.rounds} | ${r.goal ?? '—'} | ${met(r)} |`,
  );
}
const notes = [...new Set(rows.flatMap((r) => r.notes.map((n) => `${r.scenario}: ${n}`)))];
if (notes.length > 0) console.log(`\nNotes:\n${notes.map((n) => `- ${n}`).join('\n')}`);
const missed = rows.filter((r) => r.met === false && !r.invalid);
const invalid = rows.filter((r) => r.invalid);
console.log(
  missed.length === 0
    ? invalid.length === 0
      ? '\nEvery goal is met.'
      : ''
    : `\nGoals not met:\n${missed.map((r) => `- ${r.scenario}, ${r.metric}: ${range(r.ratio ?? r.service)} against ${r.goal}`).join('\n')}`,
);
if (invalid.length > 0) {
  console.log(
    `\nRows that cannot be trusted (the bench fails):\n${invalid.map((r) => `- ${r.scenario}, ${r.metric}`).join('\n')}`,
  );
  process.exitCode = 1;
}
process.exit();
