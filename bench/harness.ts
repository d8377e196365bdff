/**
 * The bench's harness: every row puts the service beside its floor in interleaved rounds
 * (service, floor, service, floor, …), so whatever drifts on a shared machine lands on both
 * sides alike, and reports the median and the spread (min–max) of the per-round ratios. A
 * scenario module exports a `BenchScenario` (bench/run.ts lists them); see the README's
 * "Performance" section for how to add one.
 */

/** Options every scenario receives: `--quick` runs fewer and shorter rounds, for checking that the bench works. */
export interface BenchOptions {
  quick: boolean;
}

/** One entry of bench/run.ts: a name for the progress lines and the rows it measures. */
export interface BenchScenario {
  name: string;
  run(options: BenchOptions): Promise<BenchRow[]>;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface BenchRow {
  scenario: string;
  metric: string;
  unit: string;
  /** The service's figure over the rounds (or an absolute figure when there is no floor). */
  service: Spread;
  floor: Spread | null;
  floorName: string | null;
  /** service ÷ floor, one ratio per round, then their median and spread. */
  ratio: Spread | null;
  rounds: number;
  goal: string | null;
  met: boolean | null;
  /** What a reader must know about this row: stalls, failed operation counts, errors. */
  notes: string[];
  /**
   * The row makes the bench fail (an operation count differing from its floor's, failed requests): not a goal missed, a
   * bench that cannot be trusted.
   */
  invalid: boolean;
}

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

/** A goal on the median ratio: `≤ x ×` for a figure where lower is better, `≥ x ×` where higher is. */
export interface RatioGoal {
  better: 'lower' | 'higher';
  ratio: number;
}

export interface MetricSpec {
  key: string;
  label: string;
  unit: string;
  goal?: RatioGoal;
}

/** One round of one side: its figures by metric key, and anything the reader must be told about it. */
export interface RoundResult {
  figures: Record<string, number>;
  notes?: string[];
  /** Set when the round cannot be trusted (failed requests, operation counts off). */
  invalid?: string;
}

export interface Interleaved {
  scenario: string;
  floorName: string;
  rounds: number;
  metrics: MetricSpec[];
  service: (round: number) => Promise<RoundResult>;
  floor: (round: number) => Promise<RoundResult>;
  /** Between every two phases (e.g. drain the host's queues so the next phase starts quiet). */
  between?: () => Promise<void>;
}

const goalText = (g: RatioGoal) => `${g.better === 'lower' ? '≤' : '≥'} ${g.ratio} × floor (median)`;

/** Runs `rounds` × (service, floor) and makes one row per metric from the per-round ratios. */
export async function interleave(spec: Interleaved): Promise<BenchRow[]> {
  const service: RoundResult[] = [];
  const floor: RoundResult[] = [];
  for (let round = 0; round < spec.rounds; round++) {
    await spec.between?.();
    service.push(await spec.service(round));
    await spec.between?.();
    floor.push(await spec.floor(round));
    const s = service.at(-1)!.figures;
    const f = floor.at(-1)!.figures;
    progress(
      `    round ${round + 1}/${spec.rounds}: ${spec.metrics.map((m) => `${m.key} ${fmt(s[m.key])}/${fmt(f[m.key])}`).join(', ')}`,
    );
  }
  const notes = [
    ...new Set([
      ...service.flatMap((r, i) => (r.notes ?? []).map((n) => `service round ${i + 1}: ${n}`)),
      ...floor.flatMap((r, i) => (r.notes ?? []).map((n) => `floor round ${i + 1}: ${n}`)),
    ]),
  ];
  const invalid = [
    ...service.map((r, i) => r.invalid && `service round ${i + 1}: ${r.invalid}`),
    ...floor.map((r, i) => r.invalid && `floor round ${i + 1}: ${r.invalid}`),
  ].filter((x): x is string => typeof x === 'string');
  return spec.metrics.map((m) => {
    const ratios = service.map((r, i) => r.figures[m.key]! / floor[i]!.figures[m.key]!);
    const ratio = spread(ratios);
    const met =
      m.goal && invalid.length === 0
        ? m.goal.better === 'lower'
          ? ratio.median <= m.goal.ratio
          : ratio.median >= m.goal.ratio
        : m.goal
          ? false
          : null;
    return {
      scenario: spec.scenario,
      metric: m.label,
      unit: m.unit,
      service: spread(service.map((r) => r.figures[m.key]!)),
      floor: spread(floor.map((r) => r.figures[m.key]!)),
      floorName: spec.floorName,
      ratio,
      rounds: spec.rounds,
      goal: m.goal ? goalText(m.goal) : null,
      met,
      notes: [...notes, ...invalid],
      invalid: invalid.length > 0,
    };
  });
}

/**
 * A row with no floor: an absolute figure over rounds (e.g. the load generator's ceiling), optionally against an
 * absolute goal.
 */
export function absoluteRow(r: {
  scenario: string;
  metric: string;
  unit: string;
  values: number[];
  goal?: { text: string; met: (median: number) => boolean };
  notes?: string[];
}): BenchRow {
  const service = spread(r.values);
  return {
    scenario: r.scenario,
    metric: r.metric,
    unit: r.unit,
    service,
    floor: null,
    floorName: null,
    ratio: null,
    rounds: r.values.length,
    goal: r.goal?.text ?? null,
    met: r.goal ? r.goal.met(service.median) : null,
    notes: r.notes ?? [],
    invalid: false,
  };
}

export function fmt(n: number | undefined, digits = 2): string {
  if (n === undefined || Number.isNaN(n)) return '—';
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

export function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}
