import { quorumSize } from "./quorum.js";
import type { ConfChange, NodeId, ProgressStatus, RaftStatus } from "./types.js";

/** Inputs of {@link nextMembershipChange} besides the leader's status. */
export interface MembershipPolicyOptions {
  /** Learners are promoted only while there are fewer voters than this. Default 5. */
  readonly maxVoters?: number;
  /** A member the leader has not heard from for this many ticks is removed; 0 = never for silence. */
  readonly removeUnreachableAfterTicks: number;
  /** A member counts as active when the leader heard from it within fewer ticks. Default: `removeUnreachableAfterTicks`. */
  readonly activeWithinTicks?: number;
  /** Peers that stay learners (Hamok's `onlyFollower`): never promoted. */
  readonly onlyFollowers?: ReadonlySet<NodeId>;
  /** Peers that asked to join: added as learners. */
  readonly joinRequests?: ReadonlySet<NodeId>;
  /** Peers known to have left (the transport said so, or the application): removed first. */
  readonly departed?: ReadonlySet<NodeId>;
}

const NONE: ReadonlySet<NodeId> = new Set();

/**
 * The one membership policy: what the leader proposes next, used by the runtime on every tick and Ready and
 * by the simulations. At most one single-server change at a time (Raft thesis §4.1), in this order:
 * 1. remove a member that departed;
 * 2. remove a voter unreachable for `removeUnreachableAfterTicks`, but only while the active voters that
 *    remain still form a quorum of the current configuration (never shrink the cluster on a minority's view);
 * 3. remove a learner unreachable for as long;
 * 4. add a peer that asked to join as a learner;
 * 5. promote a learner that is caught up (its match reached the commit index, so the new quorum can commit at
 *    once) and recently active, unless there are `maxVoters` voters or it is an only-follower.
 * Quorum always comes from the configuration in the log, never from this policy's view of who is alive.
 * Pure and deterministic (ids in sorted order). Nothing while a leadership transfer is pending.
 */
export function nextMembershipChange(status: RaftStatus, opts: MembershipPolicyOptions): ConfChange | null {
  if (status.role !== "leader" || status.leadTransferee !== null || !status.progress) return null;
  const progress = status.progress;
  const maxVoters = opts.maxVoters ?? 5;
  const removeAfter = opts.removeUnreachableAfterTicks;
  const activeWithin = opts.activeWithinTicks ?? removeAfter;
  const voters = [...status.confState.voters].sort();
  const learners = [...status.confState.learners].sort();
  const members = new Set([...voters, ...learners]);
  const departed = opts.departed ?? NONE;
  const heard = (id: NodeId): ProgressStatus | undefined => progress[id];
  const unreachable = (id: NodeId): boolean =>
    removeAfter > 0 && id !== status.id && (heard(id)?.ticksSinceHeard ?? 0) >= removeAfter;
  const active = (id: NodeId): boolean => id === status.id || (heard(id)?.ticksSinceHeard ?? Infinity) < activeWithin;

  for (const id of [...departed].sort()) {
    if (id !== status.id && members.has(id)) return { type: "remove", nodeId: id };
  }
  for (const id of voters) {
    if (!unreachable(id)) continue;
    const remainingActive = voters.filter((v) => v !== id && active(v)).length;
    if (remainingActive >= quorumSize(voters.length)) return { type: "remove", nodeId: id };
  }
  for (const id of learners) if (unreachable(id)) return { type: "remove", nodeId: id };
  for (const id of [...(opts.joinRequests ?? NONE)].sort()) {
    if (!members.has(id) && !departed.has(id)) return { type: "addLearner", nodeId: id };
  }
  if (voters.length < maxVoters) {
    for (const id of learners) {
      if (opts.onlyFollowers?.has(id)) continue;
      const p = heard(id);
      if (p === undefined || !p.recentActive || !active(id)) continue;
      if (p.match >= status.commit) return { type: "addVoter", nodeId: id };
    }
  }
  return null;
}
