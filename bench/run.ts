import { type BenchRow, runFacadeBench } from "./facade";

/** `npm run bench`: the facade benchmark with messages passed by reference, then structured-cloned per delivery. */
async function main(): Promise<void> {
  console.log("hamok facade benchmark: 3 peers, one Node process, in-memory hub, default options\n");
  console.log("messages passed by reference (MemoryHub default)\n");
  printTable(await runFacadeBench());
  console.log("\nmessages structured-cloned per delivery (MemoryHub cloneMessages: what BroadcastChannel does)\n");
  printTable(await runFacadeBench({ cloneMessages: true }));
}

function printTable(rows: readonly BenchRow[]): void {
  const width = Math.max(...rows.map((row) => row.name.length));
  console.log(`${"measurement".padEnd(width)} | ${"value".padStart(12)} | unit   | target       | met`);
  console.log(`${"-".repeat(width)}-|-${"-".repeat(12)}-|--------|--------------|----`);
  for (const row of rows) {
    const value = row.value >= 1000 ? Math.round(row.value).toLocaleString("en-US") : row.value.toFixed(3);
    console.log(
      `${row.name.padEnd(width)} | ${value.padStart(12)} | ${row.unit.padEnd(6)} | ${row.target.padEnd(12)} | ${row.ok ? "yes" : "NO"}`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
