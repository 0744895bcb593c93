/**
 * Shared plumbing of the benchmarks that need WebRTC: they run inside the private network namespace made by
 * `scripts/netns.sh` (ICE needs a non-loopback interface, and traffic must stay on this machine), re-executing
 * their own file there when started outside it, and print their results as a table.
 */
import { spawnSync } from "node:child_process";
import { networkInterfaces } from "node:os";
import { fileURLToPath } from "node:url";

/** The namespace's own address (veth0), as `scripts/netns.sh` sets it up. */
export const NAMESPACE_ADDRESS = "10.77.0.1";

/** One measured figure. */
export interface BenchRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /**
   * The floor this figure is read against, in the same unit and measured in the same run: the table prints
   * `value / floor` beside the value (how far above the physical limit the figure is).
   */
  readonly floor?: number;
}

function insideNamespace(): boolean {
  return Object.values(networkInterfaces()).some((list) => list?.some((a) => a.address === NAMESPACE_ADDRESS));
}

function formatValue(value: number): string {
  return value >= 1000 ? Math.round(value).toLocaleString("en-US") : value.toFixed(3);
}

/** Print `rows` under `title` as a table of measurement, value, unit and (where a row has one) ratio to its floor. */
export function printBenchTable(title: string, rows: readonly BenchRow[]): void {
  console.log(`${title}\n`);
  const width = Math.max(...rows.map((row) => row.name.length));
  console.log(`${"measurement".padEnd(width)} | ${"value".padStart(12)} | ${"unit".padEnd(6)} | x floor`);
  console.log(`${"-".repeat(width)}-|-${"-".repeat(12)}-|-${"-".repeat(6)}-|--------`);
  for (const row of rows) {
    const ratio = row.floor === undefined || row.floor <= 0 ? "" : `${(row.value / row.floor).toFixed(1)}x`;
    console.log(
      `${row.name.padEnd(width)} | ${formatValue(row.value).padStart(12)} | ${row.unit.padEnd(6)} | ${ratio}`,
    );
  }
}

/**
 * Run `run` inside the network namespace and print its table; outside the namespace, run the benchmark file
 * `selfUrl` again inside one. The whole run is bounded by `timeoutMs`: a stuck step ends it with exit 1.
 * Exits the process explicitly (native WebRTC threads would otherwise keep it alive).
 */
export function runInNamespace(
  selfUrl: string,
  title: string,
  run: () => Promise<readonly BenchRow[]>,
  timeoutMs: number,
): void {
  if (!insideNamespace()) {
    const root = fileURLToPath(new URL("..", import.meta.url));
    const result = spawnSync("scripts/netns.sh", ["npx", "tsx", fileURLToPath(selfUrl), ...process.argv.slice(2)], {
      cwd: root,
      stdio: "inherit",
      timeout: timeoutMs + 30_000,
    });
    process.exit(result.status ?? 1);
  }
  const watchdog = setTimeout(() => {
    console.error(`${title}: no result after ${timeoutMs} ms`);
    process.exit(1);
  }, timeoutMs);
  run().then(
    (rows) => {
      clearTimeout(watchdog);
      printBenchTable(title, rows);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
