import { expect, it } from "vitest";
import type { StackStorage } from "./sim-peer.js";
import { runStackSimulation } from "./stack-simulation.js";

/**
 * Registers one test per batch of seeds of the stack simulation (3, 5 and 7 peers by seed).
 * A failure lists each failing seed's violations, the end of its trace and its replay command.
 */
export function stackSeeds(from: number, to: number, storage: StackStorage, batch = 20): void {
  for (let start = from; start <= to; start += batch) {
    const end = Math.min(to, start + batch - 1);
    it(`stack seeds ${start}-${end} (${storage}): linearizable, convergent, nothing lost or applied twice`, async () => {
      const failures: string[] = [];
      for (let seed = start; seed <= end; seed++) {
        const r = await runStackSimulation({ seed, storage });
        // The network duplicates messages; an emitter listener still runs once per publish.
        const violations =
          r.duplicateDeliveries === 0
            ? r.violations
            : [...r.violations, `${r.duplicateDeliveries} emitter events reached a listener more than once`];
        if (violations.length > 0) {
          failures.push(
            `${r.replay}\n  ${violations.join("\n  ")}\n  trace tail:\n    ${r.recentTrace.slice(-12).join("\n    ")}`,
          );
        }
      }
      expect(failures).toEqual([]);
    });
  }
}
