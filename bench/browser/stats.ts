/** Small statistics shared by the Node and page sides of the browser benchmarks. */

/** Latency summary of one series of samples, in ms. */
export interface LatencySummary {
  readonly samples: number;
  readonly p50: number;
  readonly p99: number;
}

/** The `p`-th percentile (0-100) of ascending `sorted`, nearest-rank. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** p50 and p99 of `samples` (any order). */
export function summarise(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { samples: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}
