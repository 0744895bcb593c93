import { describe, expect, it } from "vitest";
import { nextMembershipChange } from "../../src/raft/membership-policy";
import { createSeededRandom } from "../../src/raft/random";
import type { ProgressStatus, RaftStatus } from "../../src/raft/types";
import { Cluster } from "./harness";

function pr(match: number, ticksSinceHeard = 0, recentActive = true): ProgressStatus {
  return { match, next: match + 1, state: "replicate", inflight: 0, recentActive, ticksSinceHeard };
}

function leaderStatus(voters: string[], learners: string[], progress: Record<string, ProgressStatus>): RaftStatus {
  return {
    id: "a",
    role: "leader",
    term: 2,
    vote: "a",
    leaderId: "a",
    commit: 100,
    applied: 100,
    firstIndex: 1,
    lastIndex: 100,
    snapshotIndex: 0,
    confState: { voters, learners },
    leadTransferee: null,
    progress: { a: pr(100), ...progress },
  };
}

const opts = { maxVoters: 5, removeUnreachableAfterTicks: 50 };

describe("membership policy", () => {
  it("promotes a caught-up, recently active learner", () => {
    const s = leaderStatus(["a", "b", "c"], ["d"], { b: pr(100), c: pr(100), d: pr(100) });
    expect(nextMembershipChange(s, opts)).toEqual({ type: "addVoter", nodeId: "d" });
  });

  it("does not promote a lagging or silent learner", () => {
    expect(nextMembershipChange(leaderStatus(["a"], ["d"], { d: pr(50) }), opts)).toBeNull();
    // Within a few entries of the leader is not caught up: the match must reach the commit index.
    expect(nextMembershipChange(leaderStatus(["a"], ["d"], { d: pr(95) }), opts)).toBeNull();
    expect(nextMembershipChange(leaderStatus(["a"], ["d"], { d: pr(100, 20, false) }), opts)).toBeNull();
  });

  it("does not promote beyond maxVoters or an only-follower", () => {
    const full = leaderStatus(["a", "b", "c", "d", "e"], ["f"], {
      b: pr(100),
      c: pr(100),
      d: pr(100),
      e: pr(100),
      f: pr(100),
    });
    expect(nextMembershipChange(full, opts)).toBeNull();
    const s = leaderStatus(["a", "b", "c"], ["d"], { b: pr(100), c: pr(100), d: pr(100) });
    expect(nextMembershipChange(s, { ...opts, onlyFollowers: new Set(["d"]) })).toBeNull();
    expect(nextMembershipChange(s, { ...opts, maxVoters: 3 })).toBeNull();
  });

  it("removes a voter unreachable for long while the heard-from voters remain a quorum", () => {
    const s = leaderStatus(["a", "b", "c"], [], { b: pr(100, 1), c: pr(40, 60) });
    expect(nextMembershipChange(s, opts)).toEqual({ type: "remove", nodeId: "c" });
  });

  it("does not remove voters when those it hears from are no quorum of the current config", () => {
    // 5 voters, 3 silent: a and b are 2 of 5, no quorum.
    const s = leaderStatus(["a", "b", "c", "d", "e"], [], {
      b: pr(100, 1),
      c: pr(10, 80),
      d: pr(10, 80),
      e: pr(10, 80),
    });
    expect(nextMembershipChange(s, opts)).toBeNull();
    // 5 voters, 2 silent: removing one leaves a, b, e heard from: 3 of 5.
    const t = leaderStatus(["a", "b", "c", "d", "e"], [], { b: pr(100, 1), c: pr(10, 80), d: pr(10, 80), e: pr(100) });
    expect(nextMembershipChange(t, opts)).toEqual({ type: "remove", nodeId: "c" });
  });

  it("removes a learner unreachable for long", () => {
    const s = leaderStatus(["a", "b", "c"], ["d"], { b: pr(100), c: pr(100), d: pr(3, 51) });
    expect(nextMembershipChange(s, opts)).toEqual({ type: "remove", nodeId: "d" });
  });

  it("only leaders decide", () => {
    const s = { ...leaderStatus(["a"], ["d"], { d: pr(100) }), role: "follower" as const };
    expect(nextMembershipChange(s, opts)).toBeNull();
  });

  it("drives a joining peer from learner to voter in a live cluster", () => {
    const c = new Cluster({ spares: ["d"] });
    c.elect("a");
    c.node("a").proposeConfChange("join", { type: "addLearner", nodeId: "d" });
    c.deliver();
    c.tick(2);
    const change = nextMembershipChange(c.node("a").status(), opts);
    expect(change).toEqual({ type: "addVoter", nodeId: "d" });
    c.node("a").proposeConfChange("promote", change!);
    c.deliver();
    expect(c.node("d").status().confState.voters).toContain("d");
  });
});

describe("seeded random", () => {
  it("is deterministic per seed and in [0, 1)", () => {
    const a = createSeededRandom(42);
    const b = createSeededRandom(42);
    const xs = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(createSeededRandom(43)()).not.toBe(xs[0]);
  });
});
