/** Percentiles and the result row every scenario reports: our figure beside the floor's, same run. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function summarize(samples: number[]): { p50: number; p95: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}

export interface BenchRow {
  scenario: string;
  metric: string;
  unit: string;
  ours: number;
  floor: number | null;
  floorName: string | null;
  /** ours / floor; for throughput, how much of the floor we reach. */
  ratio: number | null;
  goal: string | null;
  met: boolean | null;
}

export function row(
  r: Omit<BenchRow, 'ratio' | 'met'> & { check?: (ratio: number, ours: number) => boolean },
): BenchRow {
  const ratio = r.floor ? r.ours / r.floor : null;
  const { check, ...rest } = r;
  return { ...rest, ratio, met: check ? check(ratio ?? Number.NaN, r.ours) : null };
}
