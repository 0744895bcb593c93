import type { StackRunOptions } from "./stack-run.js";
import { runStackSimulation, type StackSimResult } from "./stack-simulation.js";

/**
 * `npm run sim -- --stack`: runs seeds of the stack simulation, prints each failure (violations,
 * the end of the trace, the replay command) and a summary table. Returns the exit code.
 */
export async function runStackSeeds(
  seeds: readonly number[],
  overrides: Partial<Omit<StackRunOptions, "seed">>,
): Promise<number> {
  const results: StackSimResult[] = [];
  const started = performance.now();
  for (const seed of seeds) {
    const r = await runStackSimulation({ seed, ...overrides });
    results.push(r);
    if (r.violations.length === 0) continue;
    console.log(`seed ${seed} (${r.peers} peers, ${r.storage}): ${r.violations.length} violation(s)`);
    for (const v of r.violations) console.log(`  ${v}`);
    console.log(`  trace tail:\n    ${r.recentTrace.slice(-(seeds.length === 1 ? 40 : 8)).join("\n    ")}`);
    console.log(`  replay: ${r.replay}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const sum = (f: (r: StackSimResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const failed = results.filter((r) => r.violations.length > 0);
  const rows: [string, string | number][] = [
    ["mode", `stack (${overrides.storage ?? "memory"})`],
    ["seeds", results.length],
    ["virtual seconds", (sum((r) => r.virtualMs) / 1000).toFixed(0)],
    ["operations acknowledged", sum((r) => r.operations.ok)],
    ["operations indeterminate", sum((r) => r.operations.indeterminate + r.operations.crashedPending)],
    ["operations refused (known not applied)", sum((r) => r.operations.refused)],
    ["messages sent", sum((r) => r.messages)],
    ["snapshots", sum((r) => r.snapshots)],
    [
      "crashes / closes / restarts",
      `${sum((r) => r.faults.crashes)} / ${sum((r) => r.faults.closes)} / ${sum((r) => r.faults.restarts)}`,
    ],
    ["stalls", sum((r) => r.faults.stalls)],
    ["partitions", sum((r) => r.faults.partitions)],
    ["leaves / joins", `${sum((r) => r.faults.leaves)} / ${sum((r) => r.faults.joins)}`],
    ["emitter events received twice (duplicated messages)", sum((r) => r.duplicateDeliveries)],
    ["queue histories judged by the aspect checks alone", sum((r) => (r.queueSearchInconclusive ? 1 : 0))],
    ["runs with a second cluster (formed by new peers)", sum((r) => (r.clusters > 1 ? 1 : 0))],
    ["runs that lost their quorum for good (leaves)", sum((r) => (r.quorumLost ? 1 : 0))],
    ["violations", sum((r) => r.violations.length)],
    ["failing seeds", failed.length === 0 ? "none" : failed.map((r) => r.seed).join(", ")],
    ["seconds", seconds.toFixed(1)],
  ];
  printSummary(rows);
  return failed.length > 0 ? 1 : 0;
}

/** Print a simulation summary: one `name  value` line per row, names padded to one column. */
export function printSummary(rows: readonly (readonly [string, string | number])[]): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log("");
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}
