import { quorumSize } from "./quorum";
import type { ConfChange, NodeId, ProgressStatus, RaftStatus } from "./types";

export interface MembershipPolicyOptions {
  /** Learners are promoted only while there are fewer voters than this. Default 5. */
  readonly maxVoters?: number;
  /** A member the leader has not heard from for this many ticks is removed. */
  readonly removeUnreachableAfterTicks: number;
  /** Peers that stay learners (Hamok's `onlyFollower`): never promoted. */
  readonly onlyFollowers?: ReadonlySet<NodeId>;
  /** A learner is caught up when its match is within this many entries of the leader's last index. Default 10. */
  readonly promoteLag?: number;
  /** A voter counts as "heard from" when the leader heard from it within this many ticks. Default: `removeUnreachableAfterTicks`. */
  readonly activeWithinTicks?: number;
}

/**
 * The membership policy the runtime consults on the leader each tick: at most
 * one single-server change at a time, in this order:
 * 1. remove a voter unreachable for `removeUnreachableAfterTicks`, but only while
 *    the voters the leader has heard from still form a quorum of the current
 *    configuration (never shrink the cluster on a minority's view);
 * 2. remove a learner unreachable for as long;
 * 3. promote a caught-up, recently active learner to voter, unless the cluster
 *    already has `maxVoters` voters or the learner is an only-follower.
 * New peers join as learners: the runtime proposes `addLearner` when it learns
 * of one. Quorum always comes from the configuration in the log, never from
 * this policy's view of who is alive. Pure and deterministic (ids in order).
 */
export function nextMembershipChange(status: RaftStatus, opts: MembershipPolicyOptions): ConfChange | null {
  if (status.role !== "leader" || !status.progress) return null;
  const progress = status.progress;
  const maxVoters = opts.maxVoters ?? 5;
  const lag = opts.promoteLag ?? 10;
  const activeWithin = opts.activeWithinTicks ?? opts.removeUnreachableAfterTicks;
  const voters = [...status.confState.voters].sort();
  const learners = [...status.confState.learners].sort();
  const heard = (id: NodeId): ProgressStatus | undefined => progress[id];
  const unreachable = (id: NodeId): boolean =>
    id !== status.id && (heard(id)?.ticksSinceHeard ?? 0) >= opts.removeUnreachableAfterTicks;
  const active = (id: NodeId): boolean => id === status.id || (heard(id)?.ticksSinceHeard ?? Infinity) < activeWithin;

  for (const id of voters) {
    if (!unreachable(id)) continue;
    const remainingActive = voters.filter((v) => v !== id && active(v)).length;
    if (remainingActive >= quorumSize(voters.length)) return { type: "remove", nodeId: id };
  }
  for (const id of learners) if (unreachable(id)) return { type: "remove", nodeId: id };
  if (voters.length < maxVoters) {
    for (const id of learners) {
      if (opts.onlyFollowers?.has(id)) continue;
      const p = heard(id);
      if (!p?.recentActive) continue;
      if (p.match + lag >= status.lastIndex) return { type: "addVoter", nodeId: id };
    }
  }
  return null;
}
