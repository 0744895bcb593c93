import { describe, expect, it } from "vitest";
import { Scenario } from "./scenario";

/**
 * Liveness of membership found by the stack simulation (seeds in the report): a peer that the
 * cluster removed, or one that joins, must end up a member again once the network heals, however
 * stale its own view of the leader is.
 */
describe("a removed or joining peer with a stale view of the leader rejoins once the network heals", () => {
  it("a learner removed while the leader could not hear it asks to be re-added (it never campaigns, so it never loses its leader)", async () => {
    const s = new Scenario();
    // Two voters and a learner; the leader removes members it has not heard from for 400 ms.
    for (const id of ["p1", "p2", "p3"]) s.add(id, { maxVoters: 2, removeUnreachableAfterMs: 400 });
    expect(await s.run(5000, () => s.joined.size === 3)).toBe(true);
    const leader = s.leader()!;
    const learner = [...s.peers.values()].find((p) => p.raft.learners.includes(p.localPeerId))!;
    expect(learner).toBeDefined();
    // One-way: the learner hears the leader, the leader does not hear the learner, and removes it.
    s.network.cutLink(learner.localPeerId, leader.localPeerId);
    expect(await s.run(3000, () => !leader.raft.learners.includes(learner.localPeerId))).toBe(true);
    s.network.heal();
    const back = () =>
      leader.raft.learners.includes(learner.localPeerId) || leader.raft.voters.includes(learner.localPeerId);
    expect(await s.run(5000, back)).toBe(true);
    const write = await s.settle(learner.createMap<string, number>({ mapId: "m" }).set("k", 1), 3000);
    expect(write).toMatchObject({ done: true, value: undefined });
  });

  it("a joiner whose leader hint left the room discovers the new leader", async () => {
    const s = new Scenario();
    for (const id of ["p1", "p2", "p3"]) s.add(id);
    expect(await s.run(5000, () => s.joined.size === 3)).toBe(true);
    const leader = s.leader()!;
    // The joiner learns who leads, but its join requests do not reach that leader.
    s.network.cutLink("p4", leader.localPeerId);
    s.add("p4");
    await s.run(300);
    expect(s.joined.has("p4")).toBe(false);
    // The leader leaves for good (hands over leadership, is removed, closes its transport).
    const left = await s.settle(leader.leave(), 5000);
    expect(left.done).toBe(true);
    s.network.heal();
    expect(await s.run(5000, () => s.joined.has("p4"))).toBe(true);
  });

  it("a joiner whose leader hint crashed silently (no peer-left) discovers the new leader", async () => {
    const s = new Scenario();
    for (const id of ["p1", "p2", "p3"]) s.add(id);
    expect(await s.run(5000, () => s.joined.size === 3)).toBe(true);
    const leader = s.leader()!;
    s.network.cutLink("p4", leader.localPeerId);
    s.add("p4");
    await s.run(300);
    expect(s.joined.has("p4")).toBe(false);
    // The leader's process is gone, and nothing tells the room (a frozen-then-killed tab, a lost link).
    s.crash(leader.localPeerId);
    expect(await s.run(5000, () => s.joined.has("p4"))).toBe(true);
  });
});
