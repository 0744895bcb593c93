import { describe, expect, it } from "vitest";
import { stackSeeds } from "./seeds.js";
import { runStackSimulation } from "./stack-simulation.js";

describe("stack simulation on IndexedDB RaftLogs (fake-indexeddb): crashes restart from the database", () => {
  stackSeeds(1001, 1012, "indexeddb", 6);

  it("is deterministic: the same seed gives the same trace, byte for byte (memory and IndexedDB)", async () => {
    for (const storage of ["memory", "indexeddb"] as const) {
      const a = await runStackSimulation({ seed: 4242, storage });
      const b = await runStackSimulation({ seed: 4242, storage });
      expect(b.hash).toBe(a.hash);
      expect(b.operations).toEqual(a.operations);
      const other = await runStackSimulation({ seed: 4243, storage });
      expect(other.hash).not.toBe(a.hash);
    }
  });

  it("exercises what it claims: crashes, restarts, stalls, partitions, leaves, joins, snapshots, indeterminate requests", async () => {
    const totals = {
      crashes: 0,
      restarts: 0,
      stalls: 0,
      partitions: 0,
      leaves: 0,
      joins: 0,
      snapshots: 0,
      ok: 0,
      indeterminate: 0,
    };
    const sizes = new Set<number>();
    for (let seed = 1; seed <= 12; seed++) {
      const r = await runStackSimulation({ seed });
      for (const key of ["crashes", "restarts", "stalls", "partitions", "leaves", "joins"] as const) {
        totals[key] += r.faults[key];
      }
      totals.snapshots += r.snapshots;
      totals.ok += r.operations.ok;
      totals.indeterminate += r.operations.indeterminate + r.operations.crashedPending;
      sizes.add(r.peers);
    }
    expect([...sizes].sort()).toEqual([3, 5, 7]);
    expect(totals.crashes).toBeGreaterThan(3);
    expect(totals.restarts).toBeGreaterThan(3);
    expect(totals.stalls).toBeGreaterThan(3);
    expect(totals.partitions).toBeGreaterThan(5);
    expect(totals.leaves).toBeGreaterThan(0);
    expect(totals.joins).toBeGreaterThan(0);
    expect(totals.indeterminate).toBeGreaterThan(0);
    expect(totals.snapshots).toBeGreaterThan(100);
    expect(totals.ok).toBeGreaterThan(1000);
  });

  it("runs several concurrent clients per peer when asked (more contention, same checks)", async () => {
    const one = await runStackSimulation({ seed: 7 });
    const three = await runStackSimulation({ seed: 7, clientsPerPeer: 3 });
    expect(three.violations).toEqual([]);
    expect(three.operations.ok).toBeGreaterThan(2 * one.operations.ok);
    expect(three.replay).toBe("npm run sim -- --stack --seed 7 --clients 3");
  });
});
