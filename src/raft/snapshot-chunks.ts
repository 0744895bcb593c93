import type { RaftMessage, Snapshot, SnapshotMeta } from "./types.js";

/** Whether two snapshot metadata describe the same snapshot. */
export function sameSnapshot(a: SnapshotMeta, b: SnapshotMeta): boolean {
  return a.index === b.index && a.term === b.term;
}

/** Chunks of a snapshot in flight at once; the rest go out as acknowledgements arrive. */
const CHUNK_WINDOW = 4;

/**
 * The leader's side of a chunked InstallSnapshot to one follower: a go-back-N
 * sender. Chunks go out in order up to a small window; the follower
 * acknowledges the number of contiguous bytes it holds; a retransmission
 * (on a heartbeat response, i.e. the follower is alive but made no progress)
 * restarts from the acknowledged offset.
 */
export class SnapshotSender {
  readonly snapshot: Snapshot;
  readonly #chunkBytes: number;
  #acked = 0;
  #latestAck = 0;
  #ackedAtLastCheck = -1;
  #sentUpTo = 0;

  constructor(snapshot: Snapshot, chunkBytes: number) {
    this.snapshot = snapshot;
    this.#chunkBytes = Math.max(1, chunkBytes);
  }

  get total(): number {
    return this.snapshot.data.byteLength;
  }

  /**
   * The follower holds `received` contiguous bytes of this snapshot. Acks may
   * arrive late or twice, so a lower value does not rewind at once (that would
   * multiply traffic); it is remembered for the next `rewind`.
   */
  ack(received: number): void {
    const r = Math.max(0, Math.min(received, this.total));
    this.#latestAck = r;
    if (r > this.#acked) this.#acked = r;
    if (this.#sentUpTo < this.#acked) this.#sentUpTo = this.#acked;
  }

  /**
   * Called on each heartbeat response (the follower is alive): when no chunk
   * was acknowledged since the previous call, restart from what the follower
   * last said it holds. Covers lost chunks, a follower that restarted and lost
   * its partial copy, and a lost final answer (the last chunk goes again, and
   * the follower answers that it has the snapshot).
   */
  rewindIfStalled(): void {
    const stalled = this.#acked === this.#ackedAtLastCheck;
    this.#ackedAtLastCheck = this.#acked;
    if (!stalled) return;
    const from = this.#latestAck >= this.total ? Math.max(0, this.total - this.#chunkBytes) : this.#latestAck;
    this.#acked = from;
    this.#sentUpTo = from;
  }

  /** The next chunks to send, as message bodies (without from/to/term). */
  nextChunks(): Pick<
    RaftMessage,
    "snapshotMeta" | "snapshotOffset" | "snapshotTotal" | "snapshotChunk" | "snapshotDone"
  >[] {
    const out: Pick<
      RaftMessage,
      "snapshotMeta" | "snapshotOffset" | "snapshotTotal" | "snapshotChunk" | "snapshotDone"
    >[] = [];
    const total = this.total;
    const limit = this.#acked + CHUNK_WINDOW * this.#chunkBytes;
    // An empty snapshot still needs one (empty, final) chunk.
    while (
      (this.#sentUpTo < total && this.#sentUpTo < limit) ||
      (total === 0 && this.#sentUpTo === 0 && out.length === 0)
    ) {
      const offset = this.#sentUpTo;
      const end = Math.min(total, offset + this.#chunkBytes);
      out.push({
        snapshotMeta: this.snapshot.meta,
        snapshotOffset: offset,
        snapshotTotal: total,
        // slice, not subarray: a view would drag the whole buffer through structured clone.
        snapshotChunk: this.snapshot.data.slice(offset, end),
        snapshotDone: end >= total,
      });
      this.#sentUpTo = end;
      if (total === 0) break;
    }
    return out;
  }
}

export type ChunkResult =
  | { readonly kind: "progress"; readonly received: number }
  | { readonly kind: "complete"; readonly snapshot: Snapshot };

/**
 * The follower's side: reassembles chunks that arrive in order; anything else
 * is answered with the current contiguous length so the leader resends from there.
 */
export class SnapshotReceiver {
  #meta: SnapshotMeta | undefined;
  #from = "";
  #term = 0;
  #total = 0;
  #parts: Uint8Array[] = [];
  #received = 0;

  receive(m: RaftMessage): ChunkResult {
    const meta = m.snapshotMeta!;
    const offset = m.snapshotOffset ?? 0;
    const chunk = m.snapshotChunk ?? new Uint8Array(0);
    const total = m.snapshotTotal ?? 0;
    const current =
      this.#meta !== undefined &&
      sameSnapshot(this.#meta, meta) &&
      this.#from === m.from &&
      this.#term === m.term &&
      this.#total === total;
    if (!current) {
      if (offset !== 0) return { kind: "progress", received: 0 };
      this.#meta = meta;
      this.#from = m.from;
      this.#term = m.term;
      this.#total = total;
      this.#parts = [];
      this.#received = 0;
    }
    // Take the part of the chunk that extends what we hold (chunks may overlap after a resend).
    const end = offset + chunk.byteLength;
    if (offset <= this.#received && end > this.#received && end <= this.#total) {
      this.#parts.push(chunk.subarray(this.#received - offset));
      this.#received = end;
    }
    if (this.#received === this.#total && (m.snapshotDone === true || offset + chunk.byteLength >= this.#total)) {
      const data = new Uint8Array(this.#total);
      let at = 0;
      for (const p of this.#parts) {
        data.set(p, at);
        at += p.byteLength;
      }
      const snapshot: Snapshot = { meta: this.#meta!, data };
      this.clear();
      return { kind: "complete", snapshot };
    }
    return { kind: "progress", received: this.#received };
  }

  clear(): void {
    this.#meta = undefined;
    this.#parts = [];
    this.#received = 0;
    this.#total = 0;
  }
}
