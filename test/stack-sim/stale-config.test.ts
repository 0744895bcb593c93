import { describe, expect, it } from "vitest";
import { MemoryRaftLogs } from "../../src/storage/memory-raft-logs";
import { Scenario } from "./scenario";

/**
 * Found by the stack simulation (seeds 40178 and 40232 of `--duration 8000`, with the membership-aware
 * acceptance of issue 13 merged): a member that was away while every other member of its configuration
 * was replaced must still catch up from the current leader once it is back.
 */
describe("a returning member whose whole configuration was replaced meanwhile", () => {
  it("restarted from its log, catches up from the current leader although every other member it knew left", async () => {
    const s = new Scenario();
    const logs = new MemoryRaftLogs();
    for (const id of ["p1", "p2", "p3", "p4"]) s.add(id);
    expect(await s.run(5000, () => s.joined.size === 4)).toBe(true);
    s.add("p5", { raftLogs: logs });
    expect(await s.run(5000, () => s.joined.size === 5 && s.peer("p5").raft.voters.includes("p5"))).toBe(true);
    const others = ["p1", "p2", "p3", "p4"].map((id) => s.peer(id));
    // p5 crashes silently; the rest of the cluster is replaced, one member at a time.
    s.crash("p5");
    const newcomers = ["p6", "p7", "p8", "p9"].map((id) => s.add(id));
    expect(await s.run(5000, () => newcomers.every((p) => s.joined.has(p.localPeerId)))).toBe(true);
    for (const leaving of others) {
      const left = await s.settle(leaving.leave(), 5000);
      expect(left.done).toBe(true);
    }
    expect(await s.run(3000, () => newcomers.some((p) => p.leader))).toBe(true);
    const leader = newcomers.find((p) => p.leader)!;
    expect(leader.raft.voters).toContain("p5");
    const write = await s.settle(leader.createMap<string, number>({ mapId: "m" }).set("k", 1), 2000);
    expect(write.done).toBe(true);
    // Restarted from its own log: its configuration names only peers that are gone, yet it must follow the new leader.
    const sleeper = s.add("p5", { raftLogs: logs.reopen() });
    const map = sleeper.createMap<string, number>({ mapId: "m" });
    const caughtUp = () => sleeper.raft.leaderId === leader.localPeerId && map.get("k") === 1;
    expect(await s.run(8000, caughtUp)).toBe(true);
  });
});
