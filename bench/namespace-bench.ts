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
}

function insideNamespace(): boolean {
  return Object.values(networkInterfaces()).some((list) => list?.some((a) => a.address === NAMESPACE_ADDRESS));
}

/** Print `rows` under `title` as a table of measurement, value and unit. */
export function printBenchTable(title: string, rows: readonly BenchRow[]): void {
  console.log(`${title}\n`);
  const width = Math.max(...rows.map((row) => row.name.length));
  console.log(`${"measurement".padEnd(width)} | ${"value".padStart(12)} | unit`);
  console.log(`${"-".repeat(width)}-|-${"-".repeat(12)}-|-------`);
  for (const row of rows) {
    const value = row.value >= 1000 ? Math.round(row.value).toLocaleString("en-US") : row.value.toFixed(3);
    console.log(`${row.name.padEnd(width)} | ${value.padStart(12)} | ${row.unit}`);
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
