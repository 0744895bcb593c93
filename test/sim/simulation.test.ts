import { describe, expect, it } from "vitest";
import { simulateSeeds } from "./seeds";
import { runSimulation } from "./simulation";

// Seeds 1-150 here, 151-300 in simulation-more.test.ts: two files run on both cores.
describe("seeded simulation: loss, duplication, reordering, partitions, crashes, membership, snapshots", () => {
  simulateSeeds(1, 150);

  it("is deterministic: a seed replays exactly", () => {
    const a = runSimulation({ seed: 77, ticks: 1500, nodes: 5 });
    const b = runSimulation({ seed: 77, ticks: 1500, nodes: 5 });
    expect(b).toEqual(a);
    expect(a.elections).toBeGreaterThan(0);
    expect(a.commits).toBeGreaterThan(0);
  });

  it("exercises the faults it claims to: elections, snapshots, membership changes, crashes", () => {
    const totals = { elections: 0, snapshots: 0, confChanges: 0, crashes: 0, commits: 0 };
    for (let seed = 1; seed <= 10; seed++) {
      const r = runSimulation({ seed, ticks: 3000, nodes: seed % 2 === 0 ? 5 : 3 });
      totals.elections += r.elections;
      totals.snapshots += r.snapshots;
      totals.confChanges += r.confChanges;
      totals.crashes += r.crashes;
      totals.commits += r.commits;
    }
    expect(totals.elections).toBeGreaterThan(50);
    expect(totals.snapshots).toBeGreaterThan(50);
    expect(totals.confChanges).toBeGreaterThan(20);
    expect(totals.crashes).toBeGreaterThan(20);
    expect(totals.commits).toBeGreaterThan(1000);
  });
});
