import { HamokError } from "../errors";
import type { Hamok } from "../hamok";

/**
 * Handing leadership to another voter on request (`Hamok.transferLeadership`).
 * The core does the protocol (Raft thesis §3.10: the leader stops accepting
 * proposals, catches the target up, then sends it TimeoutNow so it campaigns at
 * once); this module picks the target, checks the arguments and waits for the
 * outcome, which the core reports only as a change of leader.
 */

/** The voter (other than this peer) whose log matches the leader's furthest, or `undefined` if none. */
export function mostCaughtUpVoter(hamok: Hamok, among?: (peerId: string) => boolean): string | undefined {
  const status = hamok.peer?.node.status();
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
export function transferLeadership(hamok: Hamok, target?: string): Promise<void> {
  if (hamok.closed) return Promise.reject(new HamokError("Closed", "Hamok is closed"));
  const peer = hamok.peer;
  if (peer === undefined || peer.state !== "leader") {
    return Promise.reject(new HamokError("NotLeader", "only the leader can transfer leadership"));
  }
  const self = hamok.localPeerId;
  const to = target ?? mostCaughtUpVoter(hamok);
  if (to === undefined || to === self || !peer.confState.voters.includes(to)) {
    return Promise.reject(
      new HamokError("InvalidArgument", to === undefined ? "there is no other voter" : `${to} is not another voter`),
    );
  }
  const patience = hamok.config.electionTimeoutInMs;
  return new Promise<void>((resolve, reject) => {
    const finish = (error?: HamokError) => {
      hamok.config.clock.clearTimeout(timer);
      hamok.off("leader-changed", onLeader);
      hamok.off("close", onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onLeader = (leaderId: string | undefined) => {
      if (leaderId === to) finish();
    };
    const onClose = () => finish(new HamokError("Closed", "Hamok was closed"));
    const timer = hamok.config.clock.setTimeout(
      () =>
        finish(
          new HamokError("Timeout", `leadership did not move to ${to} within ${patience} ms`, { indeterminate: false }),
        ),
      patience,
    );
    hamok.on("leader-changed", onLeader);
    hamok.on("close", onClose);
    peer.driver.input((node) => node.transferLeader(to));
  });
}
