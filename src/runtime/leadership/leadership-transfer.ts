import type { EventEmitter } from "eventemitter3";
import type { HamokClock } from "../../clock.js";
import { HamokError } from "../../errors.js";
import type { RaftStatus } from "../../raft/types.js";
import type { HamokEvents } from "../peer/events.js";
import type { RaftPeer } from "../peer/raft-peer.js";

/**
 * Handing leadership to another voter on request (`Hamok.transferLeadership`).
 * The core does the protocol (Raft thesis §3.10: the leader stops accepting
 * proposals, catches the target up, then sends it TimeoutNow so it campaigns at
 * once); this module picks the target, checks the arguments and waits for the
 * outcome, which the core reports only as a change of leader.
 */

/** What a transfer needs of its peer. */
export interface TransferHost {
  isClosed(): boolean;
  /** The Raft peer, once joined. */
  readonly peer: RaftPeer | undefined;
  readonly localPeerId: string;
  readonly clock: HamokClock;
  /** How long to wait for the new leader (`electionTimeoutInMs`). */
  readonly patienceInMs: number;
  /** Where `leader-changed` and `close` are reported. */
  readonly events: EventEmitter<HamokEvents>;
}

/** The voter (other than this peer) whose log matches the leader's furthest, or `undefined` if none. */
export function mostCaughtUpVoter(
  status: RaftStatus | undefined,
  among?: (peerId: string) => boolean,
): string | undefined {
  if (status === undefined) return undefined;
  let best: { id: string; match: number } | undefined;
  for (const id of status.confState.voters) {
    if (id === status.id || (among !== undefined && !among(id))) continue;
    const match = status.progress?.[id]?.match ?? 0;
    if (best === undefined || match > best.match) best = { id, match };
  }
  return best?.id;
}

/**
 * Move leadership from this peer to `target` (or to the most caught-up voter).
 * Resolves once this peer sees `target` lead. Rejects `NotLeader` when this peer
 * does not lead, `InvalidArgument` when `target` is not another voter (or there
 * is no other voter), `Timeout` when the move did not happen within
 * `electionTimeoutInMs` (the core abandons the transfer then, and this peer may
 * still lead).
 */
export function transferLeadership(host: TransferHost, target?: string): Promise<void> {
  if (host.isClosed()) return Promise.reject(new HamokError("Closed", "Hamok is closed"));
  const { peer, events, clock } = host;
  if (peer === undefined || peer.state !== "leader") {
    return Promise.reject(new HamokError("NotLeader", "only the leader can transfer leadership"));
  }
  const self = host.localPeerId;
  const to = target ?? mostCaughtUpVoter(peer.status());
  if (to === undefined || to === self || !peer.confState.voters.includes(to)) {
    return Promise.reject(
      new HamokError("InvalidArgument", to === undefined ? "there is no other voter" : `${to} is not another voter`),
    );
  }
  const patience = host.patienceInMs;
  return new Promise<void>((resolve, reject) => {
    const finish = (error?: HamokError) => {
      clock.clearTimeout(timer);
      events.off("leader-changed", onLeader);
      events.off("close", onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onLeader = (leaderId: string | undefined) => {
      if (leaderId === to) finish();
    };
    const onClose = () => finish(new HamokError("Closed", "Hamok was closed"));
    const timer = clock.setTimeout(
      () =>
        finish(
          // Indeterminate: the transfer may still complete after we stopped waiting.
          new HamokError("Timeout", `leadership did not move to ${to} within ${patience} ms`, { indeterminate: true }),
        ),
      patience,
    );
    events.on("leader-changed", onLeader);
    events.on("close", onClose);
    peer.transferLeader(to);
  });
}
