/**
 * Seeded randomised simulations: of the Raft core (default), or of the whole shipped stack
 * (`--stack`: real Hamok peers on virtual time, checked for linearizability).
 *
 *   npm run sim -- --seeds 2000 --ticks 5000          # core: seeds 1..2000, 3 and 5 nodes alternating
 *   npm run sim -- --seed 42 --ticks 5000 --nodes 5    # core: replay one run
 *   npm run sim -- --seeds 100 --storage indexeddb      # core: stable storage on IndexedDB (fake-indexeddb)
 *   npm run sim -- --stack --seeds 1000 --from 1       # stack: seeds 1..1000 (3, 5 and 7 peers by seed)
 *   npm run sim -- --stack --seed 123                  # stack: replay one run (prints its trace tail on failure)
 *   npm run sim -- --stack --seeds 50 --storage indexeddb --duration 8000 --peers 7 --max-voters 5 --clients 3
 *
 * Prints a summary table; exits 1 when any run violated a property, and
 * prints the command that replays each failing run.
 */
import { runSimulationOnIndexedDb } from "../test/sim/indexeddb-storage";
import { runSimulation, type SimResult } from "../test/sim/simulation";
import { printSummary, runStackSeeds } from "../test/stack-sim/stack-cli";

function arg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`);
  return v;
}

function storageArg(): "memory" | "indexeddb" {
  const i = process.argv.indexOf("--storage");
  if (i < 0) return "memory";
  const v = process.argv[i + 1];
  if (v !== "memory" && v !== "indexeddb") throw new Error("--storage is memory or indexeddb");
  return v;
}

if (process.argv.includes("--stack")) {
  const single = arg("seed");
  const seeds =
    single !== undefined ? [single] : Array.from({ length: arg("seeds") ?? 100 }, (_, i) => (arg("from") ?? 1) + i);
  const stackStorage = storageArg();
  const peers = arg("peers");
  const maxVoters = arg("max-voters");
  const durationMs = arg("duration");
  const clientsPerPeer = arg("clients");
  process.exitCode = await runStackSeeds(seeds, {
    storage: stackStorage,
    ...(peers === undefined ? {} : { peers }),
    ...(maxVoters === undefined ? {} : { maxVoters }),
    ...(durationMs === undefined ? {} : { durationMs }),
    ...(clientsPerPeer === undefined ? {} : { clientsPerPeer }),
  });
  process.exit();
}

const storage = storageArg();
const ticks = arg("ticks") ?? 3000;
const single = arg("seed");
const nodesArg = arg("nodes");
const seeds =
  single !== undefined ? [single] : Array.from({ length: arg("seeds") ?? 100 }, (_, i) => (arg("from") ?? 1) + i);

const results: SimResult[] = [];
let restarts = 0;
const started = performance.now();
for (const seed of seeds) {
  const nodes = nodesArg ?? (seed % 2 === 0 ? 5 : 3);
  let r: SimResult;
  if (storage === "indexeddb") {
    const idb = await runSimulationOnIndexedDb({ seed, ticks, nodes });
    restarts += idb.restarts;
    r = idb;
  } else {
    r = runSimulation({ seed, ticks, nodes });
  }
  results.push(r);
  if (r.violations.length > 0) {
    console.log(`seed ${seed} (${nodes} nodes): ${r.violations.length} violation(s)`);
    for (const v of r.violations) console.log(`  ${v}`);
    console.log(`  replay: ${r.replay}`);
  }
}
const seconds = (performance.now() - started) / 1000;

const sum = (f: (r: SimResult) => number) => results.reduce((a, r) => a + f(r), 0);
const failed = results.filter((r) => r.violations.length > 0);
const rows: [string, string | number][] = [
  ["storage", storage],
  ["seeds", results.length],
  ["ticks per seed", ticks],
  ["total ticks", results.length * ticks],
  ["elections", sum((r) => r.elections)],
  ["commits (acknowledged proposals)", sum((r) => r.commits)],
  ["snapshots (taken + installed)", sum((r) => r.snapshots)],
  ["conf changes", sum((r) => r.confChanges)],
  ["crashes", sum((r) => r.crashes)],
  ...(storage === "indexeddb" ? [["restarts loaded from IndexedDB", restarts] as [string, number]] : []),
  ["violations", sum((r) => r.violations.length)],
  ["failing seeds", failed.length === 0 ? "none" : failed.map((r) => r.seed).join(", ")],
  ["seconds", seconds.toFixed(1)],
];
printSummary(rows);
process.exitCode = failed.length > 0 ? 1 : 0;
