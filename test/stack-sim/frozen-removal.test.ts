import { describe, expect, it } from "vitest";
import { runStackSimulation } from "./stack-simulation.js";

/**
 * Issue 10 case 4 across seeds: leaders remove a member silent for 400 virtual ms and peers stall for up to 1.2 s,
 * so stalled peers are removed while frozen, thaw with requests in flight, are re-added and move their pending
 * requests to a new session. The checker judges every history: linearizable, nothing lost or applied twice.
 */
describe("stack simulation: peers frozen past their removal (memory RaftLogs)", () => {
  it("seeds 1-60: linearizable, convergent, nothing lost or applied twice", async () => {
    const failures: string[] = [];
    let stalls = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const r = await runStackSimulation({ seed, removeUnreachableAfterMs: 400 });
      stalls += r.faults.stalls;
      if (r.violations.length > 0) {
        failures.push(`${r.replay}\n  ${r.violations.join("\n  ")}\n    ${r.recentTrace.slice(-12).join("\n    ")}`);
      }
    }
    expect(failures).toEqual([]);
    // The fault this file is about did happen.
    expect(stalls).toBeGreaterThan(0);
  });
});
