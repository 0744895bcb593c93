import { describe, expect, it } from "vitest";
import type { NodeId } from "../../src/raft/types";
import type { SaveBatch } from "../../src/storage/raft-logs";
import { IndexedDbSimStorage, runSimulationOnIndexedDb } from "./indexeddb-storage";
import { runSimulation, runSimulationWithStorage, type SimOptions } from "./simulation";

/** Ticks per seed: several fault/heal epochs, each with crashes, compactions and snapshots. */
const TICKS = 2000;
const SEEDS = 30;

/** A storage that silently drops one save in `every`: what a store that loses acknowledged writes looks like. */
class LossyStorage extends IndexedDbSimStorage {
  #count = 0;
  readonly #every: number;

  constructor(room: string, every: number) {
    super(room);
    this.#every = every;
  }

  override save(id: NodeId, batch: SaveBatch): void {
    if (++this.#count % this.#every === 0) return;
    super.save(id, batch);
  }
}

describe("seeded simulation on IndexedDB storage (fake-indexeddb)", () => {
  it(`seeds 1-${SEEDS} keep every Raft property with restarts loaded from IndexedDB`, async () => {
    const failures: string[] = [];
    const totals = { restarts: 0, crashes: 0, saves: 0, snapshots: 0, commits: 0 };
    for (let seed = 1; seed <= SEEDS; seed++) {
      const opts: SimOptions = { seed, ticks: TICKS, nodes: seed % 2 === 0 ? 5 : 3 };
      const r = await runSimulationOnIndexedDb(opts);
      if (r.violations.length > 0) failures.push(`${r.replay}\n  ${r.violations.join("\n  ")}`);
      // Every reload equals what was persisted, so the run takes exactly the in-memory run's course.
      const memory = runSimulation(opts);
      const { restarts, saves, ...rest } = r;
      expect({ ...rest, violations: [], replay: "" }).toEqual({ ...memory, violations: [], replay: "" });
      totals.restarts += restarts;
      totals.crashes += r.crashes;
      totals.saves += saves;
      totals.snapshots += r.snapshots;
      totals.commits += r.commits;
    }
    expect(failures).toEqual([]);
    expect(totals.restarts).toBeGreaterThan(50);
    expect(totals.crashes).toBeGreaterThanOrEqual(totals.restarts);
    expect(totals.saves).toBeGreaterThan(10_000);
    expect(totals.snapshots).toBeGreaterThan(100);
    expect(totals.commits).toBeGreaterThan(1000);
  }, 120_000);

  it("names the command that replays a seed in this mode", async () => {
    const r = await runSimulationOnIndexedDb({ seed: 5, ticks: 200, nodes: 3 });
    expect(r.replay).toBe("npm run sim -- --seed 5 --ticks 200 --nodes 3 --storage indexeddb");
  });

  it("detects a storage that loses saves (the comparison at restart is not vacuous)", async () => {
    const storage = new LossyStorage("lossy", 40);
    const r = await runSimulationWithStorage({ seed: 3, ticks: TICKS, nodes: 3 }, storage);
    await storage.close();
    expect(r.crashes).toBeGreaterThan(0);
    expect(storage.violations.some((v) => v.includes("differs from what it persisted"))).toBe(true);
  });
});
