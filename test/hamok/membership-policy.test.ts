import { describe, expect, it } from "vitest";
import { nextMembershipChange } from "../../src/raft/membership-policy.js";
import type { ProgressStatus, RaftStatus } from "../../src/raft/types.js";

/**
 * The one membership policy as the runtime calls it (joins, departures, only-followers, removal for silence
 * off or on): the rules the shipped runtime had beside the ones the simulation had, in one function.
 */

function pr(match: number, ticksSinceHeard = 0, recentActive = true): ProgressStatus {
  return { match, next: match + 1, state: "replicate", inflight: 0, recentActive, ticksSinceHeard };
}

function leader(
  voters: string[],
  learners: string[],
  progress: Record<string, ProgressStatus>,
  extra: Partial<RaftStatus> = {},
): RaftStatus {
  return {
    id: "a",
    role: "leader",
    term: 3,
    vote: "a",
    leaderId: "a",
    commit: 40,
    applied: 40,
    firstIndex: 1,
    lastIndex: 42,
    snapshotIndex: 0,
    confState: { voters, learners },
    leadTransferee: null,
    progress: { a: pr(42), ...progress },
    ...extra,
  };
}

/** As the runtime passes them: removal for silence off (the default), active = heard within E ticks. */
const runtime = { maxVoters: 5, removeUnreachableAfterTicks: 0, activeWithinTicks: 5 };

describe("the one membership policy", () => {
  it("removes a departed member first, whatever else is pending", () => {
    const s = leader(["a", "b", "c"], ["d"], { b: pr(40), c: pr(40), d: pr(40) });
    const change = nextMembershipChange(s, { ...runtime, departed: new Set(["c"]), joinRequests: new Set(["e"]) });
    expect(change).toEqual({ type: "remove", nodeId: "c" });
    // The leader never removes itself for a departure report; others that are not members are ignored.
    expect(nextMembershipChange(s, { ...runtime, departed: new Set(["a", "z"]) })).toEqual({
      type: "addVoter",
      nodeId: "d",
    });
  });

  it("adds a joiner as a learner, but not one that departed meanwhile or is already a member", () => {
    const s = leader(["a", "b", "c"], [], { b: pr(40), c: pr(40) });
    expect(nextMembershipChange(s, { ...runtime, joinRequests: new Set(["e"]) })).toEqual({
      type: "addLearner",
      nodeId: "e",
    });
    expect(
      nextMembershipChange(s, { ...runtime, joinRequests: new Set(["e", "b"]), departed: new Set(["e"]) }),
    ).toBeNull();
  });

  it("promotes only a learner whose match reached the commit index and that the leader hears from", () => {
    const caughtUp = leader(["a", "b", "c"], ["d"], { b: pr(40), c: pr(40), d: pr(40) });
    expect(nextMembershipChange(caughtUp, runtime)).toEqual({ type: "addVoter", nodeId: "d" });
    // One entry short of the commit index: the new quorum could not commit at once.
    expect(
      nextMembershipChange(leader(["a", "b", "c"], ["d"], { b: pr(40), c: pr(40), d: pr(39) }), runtime),
    ).toBeNull();
    // Caught up once, but silent for an election timeout, or not heard since the last CheckQuorum round.
    expect(
      nextMembershipChange(leader(["a", "b", "c"], ["d"], { b: pr(40), c: pr(40), d: pr(40, 5) }), runtime),
    ).toBeNull();
    expect(
      nextMembershipChange(leader(["a", "b", "c"], ["d"], { b: pr(40), c: pr(40), d: pr(40, 0, false) }), runtime),
    ).toBeNull();
  });

  it("removes an unreachable voter only while the active voters left form a quorum", () => {
    const silentRemoval = { ...runtime, removeUnreachableAfterTicks: 20 };
    // 3 voters, c silent: a and b are a quorum of 3 after the removal.
    const one = leader(["a", "b", "c"], [], { b: pr(40, 1), c: pr(10, 30) });
    expect(nextMembershipChange(one, silentRemoval)).toEqual({ type: "remove", nodeId: "c" });
    // 3 voters, b and c silent: the leader alone is no quorum; it must not shrink the cluster on its own view.
    const two = leader(["a", "b", "c"], [], { b: pr(10, 30), c: pr(10, 30) });
    expect(nextMembershipChange(two, silentRemoval)).toBeNull();
    // Removal for silence is off by default (0): nobody is removed however long the silence.
    expect(nextMembershipChange(one, runtime)).toBeNull();
  });

  it("changes nothing while a leadership transfer is pending, or on a non-leader", () => {
    const s = leader(["a", "b", "c"], ["d"], { b: pr(40), c: pr(40), d: pr(40) });
    expect(nextMembershipChange({ ...s, leadTransferee: "b" }, runtime)).toBeNull();
    expect(nextMembershipChange({ ...s, role: "follower" }, { ...runtime, departed: new Set(["c"]) })).toBeNull();
  });
});
