import { expect, it } from "vitest";
import { runSimulation, type SimResult } from "./simulation";

/** Ticks per seed in the test suite: several fault/heal epochs per run. */
export const SUITE_TICKS = 3000;

/**
 * Registers one test per batch of seeds (3 nodes for odd seeds, 5 for even).
 * A failure lists each failing seed's violations and the command that replays it.
 */
export function simulateSeeds(from: number, to: number, batch = 25): void {
  for (let start = from; start <= to; start += batch) {
    const end = Math.min(to, start + batch - 1);
    it(`seeds ${start}-${end} keep every Raft safety and liveness property`, () => {
      const failures: string[] = [];
      for (let seed = start; seed <= end; seed++) {
        const r: SimResult = runSimulation({ seed, ticks: SUITE_TICKS, nodes: seed % 2 === 0 ? 5 : 3 });
        if (r.violations.length > 0) failures.push(`${r.replay}\n  ${r.violations.join("\n  ")}`);
      }
      expect(failures).toEqual([]);
    });
  }
}
