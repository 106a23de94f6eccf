// Small numeric helpers for the benchmark report.

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(sortedValues: number[], p: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  const index = Math.min(sortedValues.length - 1, Math.ceil((p / 100) * sortedValues.length) - 1);
  return sortedValues[Math.max(0, index)]!;
}

export interface RunResult {
  /** requests or completed flows per second */
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** peak resident memory of the server process, MiB */
  peakRssMiB: number;
  /** the server's CPU use during the run, in cores (the load generator has the rest of the machine) */
  serverCpuCores: number;
}

/** The median of each figure over several runs. */
export function medianOf(runs: RunResult[]): RunResult {
  return {
    perSecond: median(runs.map((r) => r.perSecond)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    errors: median(runs.map((r) => r.errors)),
    peakRssMiB: median(runs.map((r) => r.peakRssMiB)),
    serverCpuCores: median(runs.map((r) => r.serverCpuCores)),
  };
}
