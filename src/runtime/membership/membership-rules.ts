import type { ConfChange, RaftStatus } from "../../raft/types";

/**
 * The leader's membership decisions, one single-server change at a time (Raft
 * thesis §4.1): remove peers that left the room (or were silent too long), add
 * joiners as learners, and promote caught-up learners to voters up to
 * `maxVoters`. Quorum never comes from a local guess of who is alive: a change
 * goes through the log like any entry.
 */

/** Inputs of {@link nextConfChange}. */
export interface MembershipInputs {
  readonly status: RaftStatus;
  /** Peers asking to be added. */
  readonly joinRequests: ReadonlySet<string>;
  /** Peers known to have left the room. */
  readonly departed: ReadonlySet<string>;
  /** Peers never to be promoted (replicated, see `ReplicatedState.onlyFollowers`). */
  readonly onlyFollowers: ReadonlySet<string>;
  readonly maxVoters: number;
  /** A learner heard from within this many ticks counts as active (may be promoted). */
  readonly activeWithinTicks: number;
  /** Remove a member silent this many ticks; 0 = never. */
  readonly removeUnreachableAfterTicks: number;
}

/** The next change the leader should propose, or `null`. */
export function nextConfChange(inputs: MembershipInputs): ConfChange | null {
  const { status } = inputs;
  if (status.role !== "leader" || status.leadTransferee !== null) return null;
  const { voters, learners } = status.confState;
  const members = new Set([...voters, ...learners]);
  for (const peerId of inputs.departed) {
    if (peerId !== status.id && members.has(peerId)) return { type: "remove", nodeId: peerId };
  }
  const progress = status.progress ?? {};
  if (inputs.removeUnreachableAfterTicks > 0) {
    for (const peerId of members) {
      const pr = progress[peerId];
      if (peerId !== status.id && pr !== undefined && pr.ticksSinceHeard >= inputs.removeUnreachableAfterTicks) {
        return { type: "remove", nodeId: peerId };
      }
    }
  }
  for (const peerId of inputs.joinRequests) {
    if (!members.has(peerId) && !inputs.departed.has(peerId)) return { type: "addLearner", nodeId: peerId };
  }
  if (voters.length < inputs.maxVoters) {
    for (const peerId of learners) {
      const pr = progress[peerId];
      // Promote only a learner that has caught up, so the new quorum can commit at once.
      if (inputs.onlyFollowers.has(peerId) || pr === undefined || pr.ticksSinceHeard > inputs.activeWithinTicks)
        continue;
      if (pr.match >= status.commit) return { type: "addVoter", nodeId: peerId };
    }
  }
  return null;
}
