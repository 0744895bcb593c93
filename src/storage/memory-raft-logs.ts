import { HamokError } from "../errors.js";
import type { Entry, HardState, PersistedState, RaftLogs, RaftLogsStats, SaveBatch, Snapshot } from "./raft-logs.js";

/**
 * The default {@link RaftLogs}: everything in memory, lost with the process.
 * `save()` applies a whole batch synchronously and resolves in a microtask, so
 * it adds no latency to a commit.
 *
 * To restart a peer from what it persisted (after `close()`, or to model a crash), build the new
 * `Hamok` over {@link MemoryRaftLogs.reopen}: `new Hamok({ peerId, raftLogs: logs.reopen() })`.
 */
export class MemoryRaftLogs implements RaftLogs {
  private hardState: HardState = { term: 0, vote: null, commit: 0 };
  private snapshot: Snapshot | undefined;
  /** Entries after the snapshot; `entries[i].index === offset + i + 1`. */
  private entries: Entry[] = [];
  private meta: Record<string, unknown> = {};
  private closed = false;

  async load(): Promise<PersistedState> {
    this.assertOpen();
    const state: PersistedState = {
      hardState: this.hardState,
      entries: [...this.entries],
      meta: { ...this.meta },
    };
    return this.snapshot === undefined ? state : { ...state, snapshot: this.snapshot };
  }

  async save(batch: SaveBatch): Promise<void> {
    this.assertOpen();
    this.apply(batch);
  }

  /** Counts of what is held, for `hamok.stats()`. */
  stats(): RaftLogsStats {
    const first = this.entries[0]?.index ?? this.snapshotIndex() + 1;
    return {
      entries: this.entries.length,
      firstIndex: first,
      lastIndex: this.lastIndex(),
      snapshotIndex: this.snapshotIndex(),
      snapshotBytes: this.snapshot?.data.byteLength ?? 0,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /**
   * A new handle over everything saved so far, as a restarted process finds its storage: hand it
   * to a new `Hamok` with the same `peerId` and it restarts from its own term, vote, log and
   * snapshot (Raft's safety rests on exactly that state, §5.2 and §5.4). Works whether or not this
   * handle was closed. This handle is closed by it (fenced): a crashed peer that still holds it
   * can no longer write, so the new one is the only writer.
   */
  reopen(): MemoryRaftLogs {
    this.closed = true;
    const next = new MemoryRaftLogs();
    next.hardState = this.hardState;
    next.snapshot = this.snapshot;
    next.entries = [...this.entries];
    next.meta = { ...this.meta };
    return next;
  }

  private assertOpen(): void {
    if (this.closed) throw new HamokError("Closed", "the raft logs are closed");
  }

  private snapshotIndex(): number {
    return this.snapshot?.meta.index ?? 0;
  }

  private lastIndex(): number {
    return this.entries[this.entries.length - 1]?.index ?? this.snapshotIndex();
  }

  private apply(batch: SaveBatch): void {
    if (batch.snapshot !== undefined) {
      this.snapshot = batch.snapshot;
      // Entries the snapshot covers are redundant; later ones stay only if they continue it.
      const index = batch.snapshot.meta.index;
      const keep = this.entries.filter((entry) => entry.index > index);
      this.entries = keep[0]?.index === index + 1 ? keep : [];
    }
    if (batch.entries !== undefined && batch.entries.length > 0) {
      const first = batch.entries[0]!.index;
      const firstStored = this.entries[0]?.index ?? this.snapshotIndex() + 1;
      if (first < firstStored) {
        throw new HamokError("StorageFailure", `entry ${first} precedes the stored log (${firstStored})`);
      }
      if (first > this.lastIndex() + 1) {
        throw new HamokError("StorageFailure", `entry ${first} leaves a gap after ${this.lastIndex()}`);
      }
      // Conflict truncation (Raft §5.3): a new entry at a stored index replaces it and all after it.
      this.entries.length = first - firstStored;
      this.entries.push(...batch.entries);
    }
    if (batch.compactTo !== undefined) {
      const cut = batch.compactTo;
      this.entries = this.entries.filter((entry) => entry.index > cut);
    }
    if (batch.hardState !== undefined) this.hardState = batch.hardState;
    if (batch.meta !== undefined) this.meta = { ...this.meta, ...batch.meta };
  }
}
