import { Inflights } from "./inflights.js";

export type ProgressState = "probe" | "replicate" | "snapshot";

/** Heartbeat responses without progress after which a replicating follower is probed again. */
const STALLED_HEARTBEATS = 2;

/**
 * The leader's view of one follower (etcd's tracker.Progress).
 * - probe: the leader does not know where the follower's log matches; it sends
 *   one append at a time and waits for the answer (or a heartbeat response).
 * - replicate: the follower is in sync; appends are pipelined, up to the
 *   in-flight window.
 * - snapshot: the follower needs a snapshot; appends pause until it is installed.
 */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = "probe";
  /** In probe state: an append was sent and no answer came yet. */
  probeSent = false;
  /** Index of the snapshot being sent (snapshot state). */
  pendingSnapshot = 0;
  /**
   * Heard from since the last CheckQuorum round (thesis §6.2). Starts false: a
   * new leader has heard from nobody yet, so its first check, one election
   * timeout after it won, already requires a quorum of answers.
   */
  recentActive = false;
  /** The highest commit index this follower can have learned from what we sent (etcd's sentCommit). */
  sentCommit = 0;
  ticksSinceHeard = 0;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  becomeProbe(): void {
    // Leaving snapshot state, the follower has at least the snapshot.
    if (this.state === "snapshot") {
      const pending = this.pendingSnapshot;
      this.reset("probe");
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.reset("probe");
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.reset("replicate");
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.reset("snapshot");
    this.pendingSnapshot = snapshotIndex;
  }

  /**
   * Called on each heartbeat response in replicate state while the follower
   * lags: returns true once `match` has not moved for several heartbeats, i.e.
   * an append was lost and nothing else will reveal it (no new proposals).
   */
  stalledOnHeartbeat(): boolean {
    if (this.match !== this.#matchAtBeat) {
      this.#matchAtBeat = this.match;
      this.#stalledBeats = 0;
      return false;
    }
    return ++this.#stalledBeats >= STALLED_HEARTBEATS;
  }

  #matchAtBeat = -1;
  #stalledBeats = 0;

  private reset(state: ProgressState): void {
    this.#stalledBeats = 0;
    this.#matchAtBeat = -1;
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  /** An acknowledgement up to `n`: returns true when it moved `match` forward. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /** After sending entries up to `last` optimistically (replicate state). */
  optimisticUpdate(last: number): void {
    this.next = last + 1;
  }

  /**
   * A rejection of the append whose previous index was `rejected`; `matchHint`
   * is the follower's hint of where its log may match (fast backtracking).
   * Returns false for a stale rejection (out of order) that must be ignored.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      // Usually a gap: an append was lost or overtaken. Probe right after what the follower holds.
      this.becomeProbe();
      this.next = Math.max(this.match + 1, Math.min(rejected, matchHint + 1));
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1, 1);
    this.probeSent = false;
    return true;
  }

  /** Whether the leader must hold further appends to this follower. */
  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflights.full();
      case "snapshot":
        return true;
    }
  }
}
