import type { HamokClock } from "../../clock.js";
import type { RaftStatus } from "../../raft/types.js";
import { mostCaughtUpVoter } from "../leadership/leadership-transfer.js";
import type { RaftPeer } from "../peer/raft-peer.js";

/** What a graceful departure needs of its peer. */
export interface DepartureHost {
  readonly localPeerId: string;
  readonly clock: HamokClock;
  /** How long each phase may take (`electionTimeoutInMs`). */
  readonly patienceInMs: number;
  /** How often the removal is asked again (`heartbeatInMs`). */
  readonly retryInMs: number;
  /** A voter heard from within this many ticks counts as live (the election timeout in ticks). */
  readonly activeWithinTicks: number;
  /** Resolve when `check()` holds (re-checked after every Ready and tick), or reject after `timeoutInMs`. */
  until(check: () => boolean, timeoutInMs: number): Promise<void>;
  /** The members the leader last announced, if it announced any since the removal was asked. */
  leaderMembers(): readonly string[] | undefined;
  /** Forget what the leader last announced (before asking for the removal). */
  forgetLeaderMembers(): void;
  /** Say hello to `peerId` (its answer carries the leader's configuration). */
  hello(peerId: string): void;
}

/**
 * The graceful part of `leave()`. Never rejects: a departure that cannot be confirmed is completed by the others
 * (`peer-left`, removal for silence, or a stand-in: `stand-ins.ts`).
 *
 * **The rule that makes every departure pattern safe and live.** Safety: a departure is nothing but a
 * single-server removal through the log (Raft thesis §4.1), effective at each member when appended and committed
 * by a majority of the configuration without the departing peer; no pattern of departures (one, several at once,
 * the leader among them, graceful or not) changes the configuration any other way, so each is exactly as safe as
 * Raft. Liveness: **no departure ever waits for a vote or an acknowledgement of a departing peer**, because a
 * departing tab may be gone a moment after `pagehide` started its `leave()`:
 * - a leaving follower asks the leader for its removal; the leader appends it, and it commits with the others'
 *   acknowledgements (the new configuration does not include the follower);
 * - a leaving leader hands leadership over (thesis §3.10) only when the voters it currently hears from are, without
 *   it, a majority of the configuration: then the transfer target can win its election without the leaver's vote.
 *   Otherwise, and so always with two voters, it appends its own removal instead: every follower it reaches applies
 *   the new configuration at once, the removal commits without the leaver, and the core then hands leadership to
 *   the most up-to-date remaining voter (TimeoutNow) or the remaining voters elect one;
 * - departures that leave fewer live voters than a majority (several tabs closed at once, crashes, killed
 *   browsers) cannot be completed by any protocol among the survivors alone; in one browser the survivors stand
 *   in for each provably dead member from its own persisted state until its removal commits (`stand-ins.ts`).
 *   Across browsers a lost majority is reported (`hamok.quorum`) and only the explicit unsafe recovery goes on.
 */
export async function departGracefully(host: DepartureHost, peer: RaftPeer): Promise<void> {
  if (!peer.isMember()) return;
  const self = host.localPeerId;
  if (peer.state === "leader") {
    const target = transferKeepsLive(peer.status(), host.activeWithinTicks)
      ? mostCaughtUpVoter(peer.status())
      : undefined;
    if (target !== undefined) {
      peer.transferLeader(target);
      await host
        .until(() => peer.leaderId !== undefined && peer.leaderId !== self, host.patienceInMs)
        .catch(() => undefined);
    } else if (peer.remotePeerIds.size > 0) {
      await removeOwnLeadership(host, peer);
    }
  }
  if (peer.isMember() && peer.remotePeerIds.size > 0) await removeSelf(host, peer);
}

/**
 * Whether a leadership transfer can succeed without the leaving leader's vote: the other voters heard from within
 * `activeWithinTicks` are a majority of the whole configuration (the target's election needs that many votes).
 */
export function transferKeepsLive(status: RaftStatus, activeWithinTicks: number): boolean {
  const { voters } = status.confState;
  const progress = status.progress ?? {};
  const active = voters.filter(
    (id) => id !== status.id && (progress[id]?.ticksSinceHeard ?? Number.POSITIVE_INFINITY) <= activeWithinTicks,
  ).length;
  return active > voters.length / 2;
}

/**
 * (Leader) append our own removal and wait until it commits (then the core steps down and hands leadership to the
 * most up-to-date remaining voter), or until leadership is lost, or patience runs out. The append reaches the
 * followers in the first round of messages; from then on they need nothing more from us.
 */
async function removeOwnLeadership(host: DepartureHost, peer: RaftPeer): Promise<void> {
  let removalIndex: number | undefined;
  const ask = () => {
    if (removalIndex !== undefined || peer.state !== "leader") return;
    if (peer.proposeConfChange({ type: "remove", nodeId: host.localPeerId })) removalIndex = peer.status().lastIndex;
  };
  ask();
  const timer = host.clock.setInterval(ask, host.retryInMs);
  try {
    await host
      .until(
        () =>
          peer.state !== "leader"
            ? removalIndex === undefined || !peer.isMember()
            : peer.status().commit >= (removalIndex ?? Number.POSITIVE_INFINITY),
        host.patienceInMs,
      )
      .catch(() => undefined);
  } finally {
    host.clock.clearInterval(timer);
  }
}

/** Propose our removal (forwarded to the leader) until the leader confirms it, or patience runs out. */
async function removeSelf(host: DepartureHost, peer: RaftPeer): Promise<void> {
  const self = host.localPeerId;
  host.forgetLeaderMembers();
  const removed = () => {
    const members = host.leaderMembers();
    return !peer.isMember() || (members !== undefined && !members.includes(self));
  };
  const ask = () => {
    peer.proposeConfChange({ type: "remove", nodeId: self });
    if (peer.leaderId !== undefined && peer.leaderId !== self) host.hello(peer.leaderId);
  };
  ask();
  const timer = host.clock.setInterval(ask, host.retryInMs);
  try {
    await host.until(removed, host.patienceInMs).catch(() => undefined);
  } finally {
    host.clock.clearInterval(timer);
  }
}
