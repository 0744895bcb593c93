import { describe, expect, it } from "vitest";
import { applyConfChange, validateConfChange } from "../../src/raft/configuration";
import { RaftNode } from "../../src/raft/raft-node";
import { createSeededRandom } from "../../src/raft/random";
import type { Entry } from "../../src/raft/types";
import { Cluster } from "./harness";

const E = 10;

describe("learners and membership changes (thesis §4.1, §4.2.1)", () => {
  it("a learner receives the log but never campaigns", () => {
    const c = new Cluster({ voters: ["a", "b"], learners: ["l"] });
    c.elect("a");
    c.node("a").propose("p", 1);
    c.deliver();
    expect(c.values("l")).toEqual([1]);
    c.isolate("a");
    c.tick(5 * E, ["b", "l"]);
    expect(c.sent.some((m) => m.from === "l" && (m.type === "vote" || m.type === "pre-vote"))).toBe(false);
    expect(c.node("l").status().role).toBe("follower");
  });

  it("a learner does not count for quorum", () => {
    const c = new Cluster({ voters: ["a", "b"], learners: ["l"] });
    c.elect("a");
    c.isolate("b");
    c.node("a").propose("p", 1);
    c.deliver();
    // l holds the entry, a holds it: 2 of 3 nodes, but only 1 of 2 voters.
    expect(c.node("a").status().progress?.l?.match).toBe(c.node("a").status().lastIndex);
    expect(c.values("a")).toEqual([]);
  });

  it("candidates ask only voters, and a learner's grant does not count", () => {
    const c = new Cluster({ voters: ["a", "b", "c"], learners: ["l"] });
    c.isolate("b", "c");
    c.node("a").campaign();
    c.deliver();
    expect(c.sent.some((m) => m.to === "l" && (m.type === "vote" || m.type === "pre-vote"))).toBe(false);
    c.node("a").step({ type: "pre-vote-response", from: "l", to: "a", term: 2, reject: false });
    expect(c.node("a").status().role).toBe("pre-candidate");
  });

  it("a new peer joins as learner, catches up and is promoted", () => {
    const c = new Cluster({ spares: ["d"] });
    c.elect("a");
    c.node("a").propose("p", 1);
    expect(c.node("a").proposeConfChange("j", { type: "addLearner", nodeId: "d" })).toEqual({ ok: true });
    c.deliver();
    c.tick(2);
    expect(c.values("d")).toEqual([1]);
    expect(c.node("d").status().confState).toEqual({ voters: ["a", "b", "c"], learners: ["d"] });
    expect(c.node("a").proposeConfChange("v", { type: "addVoter", nodeId: "d" })).toEqual({ ok: true });
    c.deliver();
    expect(c.node("a").status().confState.voters).toEqual(["a", "b", "c", "d"]);
    expect(c.get("d").confStates.at(-1)).toEqual({ voters: ["a", "b", "c", "d"], learners: [] });
  });

  it("a second change while one is uncommitted is refused with conf-change-pending", () => {
    const c = new Cluster({ spares: ["d", "e"] });
    c.elect("a");
    c.isolate("b", "c");
    expect(c.node("a").proposeConfChange("1", { type: "addLearner", nodeId: "d" })).toEqual({ ok: true });
    expect(c.node("a").proposeConfChange("2", { type: "addLearner", nodeId: "e" })).toEqual({
      ok: false,
      reason: "conf-change-pending",
    });
    c.heal();
    c.deliver();
    expect(c.node("a").proposeConfChange("3", { type: "addLearner", nodeId: "e" })).toEqual({ ok: true });
  });

  it("invalid changes are refused", () => {
    const c = new Cluster();
    c.elect("a");
    expect(c.node("a").proposeConfChange("1", { type: "remove", nodeId: "zz" })).toEqual({
      ok: false,
      reason: "invalid",
    });
    expect(c.node("a").proposeConfChange("2", { type: "addVoter", nodeId: "b" })).toEqual({
      ok: false,
      reason: "invalid",
    });
    expect(validateConfChange({ voters: ["a"], learners: [] }, { type: "remove", nodeId: "a" })).toBeDefined();
    expect(applyConfChange({ voters: ["a", "b"], learners: [] }, { type: "demoteVoter", nodeId: "b" })).toEqual({
      voters: ["a"],
      learners: ["b"],
    });
  });

  it("a change takes effect when appended, on followers too, before it commits", () => {
    const c = new Cluster({ spares: ["d"] });
    c.elect("a");
    c.drop((m) => m.type === "append-response"); // nothing commits
    c.node("a").proposeConfChange("j", { type: "addLearner", nodeId: "d" });
    c.deliver();
    const commit = c.node("a").status().commit;
    expect(c.node("a").status().lastIndex).toBeGreaterThan(commit);
    for (const id of ["a", "b", "c"]) {
      expect(c.node(id).status().confState.learners).toEqual(["d"]);
      expect(c.get(id).confStates.at(-1)).toEqual({ voters: ["a", "b", "c"], learners: ["d"] });
    }
  });

  it("a change is reverted when its entry is truncated", () => {
    const boot: Entry[] = ["a", "b", "c"].map((id, i) => ({
      term: 1,
      index: i + 1,
      type: "conf",
      data: { type: "addVoter", nodeId: id },
    }));
    const node = new RaftNode(
      { id: "b", electionTicks: E, heartbeatTicks: 1, random: createSeededRandom(1) },
      {
        hardState: { term: 2, vote: null, commit: 3 },
        entries: [...boot, { term: 2, index: 4, type: "conf", data: { type: "addLearner", nodeId: "d" } }],
      },
    );
    expect(node.status().confState.learners).toEqual(["d"]);
    node.ready();
    node.step({
      type: "append",
      from: "c",
      to: "b",
      term: 3,
      index: 3,
      logTerm: 1,
      commit: 3,
      entries: [{ term: 3, index: 4, type: "noop", data: null }],
    });
    expect(node.status().confState).toEqual({ voters: ["a", "b", "c"], learners: [] });
    expect(node.ready().confState).toEqual({ voters: ["a", "b", "c"], learners: [] });
  });

  it("quorum comes from the configuration in the log, not from who is alive", () => {
    const c = new Cluster({ voters: ["a"], spares: ["d"] });
    c.elect("a");
    c.isolate("d");
    // d is down, yet once it is a voter a alone is no majority of {a, d}.
    c.node("a").proposeConfChange("l", { type: "addLearner", nodeId: "d" });
    c.deliver();
    c.node("a").proposeConfChange("v", { type: "addVoter", nodeId: "d" });
    c.deliver();
    c.node("a").propose("p", 1);
    c.tick(3);
    expect(c.values("a")).toEqual([]);
    c.heal();
    c.tick(3);
    expect(c.values("a")).toEqual([1]);
    expect(c.values("d")).toEqual([1]);
  });

  it("a removed leader keeps leading until the removal commits, then steps down", () => {
    const c = new Cluster();
    c.elect("a");
    c.drop((m) => m.type === "append-response");
    expect(c.node("a").proposeConfChange("rm", { type: "remove", nodeId: "a" })).toEqual({ ok: true });
    c.deliver();
    expect(c.node("a").status().role).toBe("leader");
    expect(c.node("a").status().confState.voters).toEqual(["b", "c"]);
    // Proposals are refused meanwhile: the leader only finishes its removal.
    expect(c.node("a").propose("p", 1)).toEqual({ ok: false, reason: "no-leader" });
    c.heal();
    // The lost appends are noticed after a couple of heartbeats without progress and resent.
    c.tick(4);
    expect(c.node("a").status().role).toBe("follower");
    c.tick(3 * E);
    const leader = c.leaders();
    expect(leader.length).toBe(1);
    expect(["b", "c"]).toContain(leader[0]);
  });

  it("graceful leave: the leader transfers leadership, then its removal is proposed", () => {
    const c = new Cluster();
    c.elect("a");
    c.node("a").propose("p", 1);
    c.deliver();
    // The runtime's leave(): transfer first if leading...
    c.node("a").transferLeader("b");
    c.deliver();
    expect(c.leaders()).toEqual(["b"]);
    // ...then propose its own removal (forwarded to the new leader).
    expect(c.node("a").proposeConfChange("leave", { type: "remove", nodeId: "a" })).toEqual({ ok: true });
    c.deliver();
    expect(c.node("b").status().confState).toEqual({ voters: ["b", "c"], learners: [] });
    c.node("b").propose("q", 2);
    c.deliver();
    expect(c.values("c")).toEqual([1, 2]);
    // The departed node does not disrupt the rest.
    c.tick(5 * E);
    expect(c.leaders()).toEqual(["b"]);
  });

  it("forwarded changes from a non-member are refused with not-a-member", () => {
    const c = new Cluster({ spares: ["x"] });
    c.elect("a");
    c.node("a").step({
      type: "propose",
      from: "x",
      to: "a",
      term: 0,
      entries: [{ term: 0, index: 0, type: "normal", data: 1 }],
      proposalIds: ["px"],
    });
    const msg = c
      .node("a")
      .ready()
      .messages.find((m) => m.type === "propose-response");
    expect(msg).toMatchObject({ to: "x", proposalIds: ["px"], reason: "not-a-member" });
  });
});
