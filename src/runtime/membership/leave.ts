import type { HamokClock } from "../../clock.js";
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
 * The graceful part of `leave()`: a leader first hands leadership to the most caught-up voter (leadership
 * transfer, Raft thesis §3.10: the target campaigns at once, so failover takes a round trip), then the peer
 * asks for its own removal through the log until the leader confirms it or patience runs out. Never rejects:
 * a departure that cannot be confirmed is completed by the others (`peer-left`, or removal for silence).
 */
export async function departGracefully(host: DepartureHost, peer: RaftPeer): Promise<void> {
  if (!peer.isMember()) return;
  const self = host.localPeerId;
  if (peer.state === "leader") {
    const target = mostCaughtUpVoter(peer.status());
    if (target !== undefined) {
      peer.transferLeader(target);
      await host
        .until(() => peer.leaderId !== undefined && peer.leaderId !== self, host.patienceInMs)
        .catch(() => undefined);
    }
  }
  if (peer.remotePeerIds.size > 0) await removeSelf(host, peer);
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
