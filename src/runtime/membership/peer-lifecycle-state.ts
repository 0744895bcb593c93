/**
 * The lifecycle of one peer in its cluster, as one explicit state machine: every state a peer can be in and
 * every move it may make, in one table. An illegal move is a bug in the runtime, not bad input: it throws.
 *
 * - `idle`: created, not joined yet (or a join failed and may be tried again);
 * - `joining`: `join()` runs (discovery, bootstrap or join request, catching up);
 * - `joined`: a member of a cluster with a leader, caught up at least once;
 * - `rejoining`: joined, but without a leader (or outside the configuration) for `electionTimeoutInMs`:
 *   discovery runs again until a leader is back in sight;
 * - `leaving`: `leave()` runs (leadership transfer, removal through the log);
 * - `left`: `leave()` completed; a peer never joins again after leaving;
 * - `stopped`: closed; terminal.
 */
export type PeerLifecycleState = "idle" | "joining" | "joined" | "rejoining" | "leaving" | "left" | "stopped";

/** The allowed moves: from each state, the states it may move to. */
export const PEER_LIFECYCLE_TRANSITIONS: Readonly<Record<PeerLifecycleState, readonly PeerLifecycleState[]>> = {
  idle: ["joining", "leaving", "stopped"],
  // Back to idle when the join failed: the caller may try again (with another transport).
  joining: ["joined", "idle", "leaving", "stopped"],
  joined: ["rejoining", "leaving", "stopped"],
  rejoining: ["joined", "leaving", "stopped"],
  leaving: ["left", "stopped"],
  left: ["stopped"],
  stopped: [],
};

/** Whether `from` may move to `to`. */
export function canTransition(from: PeerLifecycleState, to: PeerLifecycleState): boolean {
  return PEER_LIFECYCLE_TRANSITIONS[from].includes(to);
}

/** Holds the current state; moves only along {@link PEER_LIFECYCLE_TRANSITIONS}. */
export class PeerLifecycleStateMachine {
  private current: PeerLifecycleState = "idle";

  get state(): PeerLifecycleState {
    return this.current;
  }

  /** Whether the peer is a joined member (whether or not it currently sees a leader). */
  get isJoined(): boolean {
    return this.current === "joined" || this.current === "rejoining";
  }

  /** Whether `leave()` started or completed. */
  get isLeavingOrLeft(): boolean {
    return this.current === "leaving" || this.current === "left";
  }

  /** Move to `to`; throws on a move the table does not allow (a runtime bug). */
  transition(to: PeerLifecycleState): void {
    if (!canTransition(this.current, to)) {
      throw new Error(`illegal peer lifecycle transition ${this.current} -> ${to}`);
    }
    this.current = to;
  }
}
