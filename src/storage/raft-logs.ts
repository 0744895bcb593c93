import type { ConfState, Entry, HardState, Snapshot } from "../raft/types.js";

/**
 * What a peer keeps on stable storage. `RaftLogs` is the persistence port of
 * Hamok: the runtime calls `save()` once per Ready and awaits it before
 * sending that Ready's messages (the Raft persistence rule), and `load()`
 * once at start.
 *
 * The structural types are repeated here (not imported at runtime) so that
 * storage implementations depend on nothing but this file.
 */
export interface PersistedState {
  readonly hardState: HardState;
  /** The newest snapshot, if any. */
  readonly snapshot?: Snapshot;
  /** Entries after the snapshot, contiguous and in index order. */
  readonly entries: readonly Entry[];
  /** Small peer metadata (cluster id, configuration at bootstrap, ...). */
  readonly meta: Readonly<Record<string, unknown>>;
}

/** One atomic write. Implementations apply all of it or none of it. */
export interface SaveBatch {
  readonly hardState?: HardState;
  /**
   * Entries to append. If `entries[0].index` is at or below the last stored index,
   * every stored entry from that index on is replaced (conflict truncation, Raft §5.3).
   */
  readonly entries?: readonly Entry[];
  /** A snapshot to store; it replaces the previous one. */
  readonly snapshot?: Snapshot;
  /** Delete every entry with index <= compactTo (covered by the stored snapshot). */
  readonly compactTo?: number;
  /** Metadata keys to set. */
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** What a {@link RaftLogs} holds: entry count, index range and snapshot. */
export interface RaftLogsStats {
  readonly entries: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly snapshotBytes: number;
}

/**
 * Where a peer persists its Raft state (hard state, log entries, snapshot): the port that memory and IndexedDB
 * implement. The runtime awaits every `save` before it sends the messages of the same Ready (Raft §5.1: persist,
 * then respond).
 */
export interface RaftLogs {
  /** Read everything persisted. An empty store yields term 0, no vote, commit 0, no entries. */
  load(): Promise<PersistedState>;
  /** Persist one batch atomically; resolves once it is durable (as durable as the implementation promises). */
  save(batch: SaveBatch): Promise<void>;
  /** Counts of what is stored, for `hamok.stats()`; synchronous, so kept in memory by the implementation. */
  stats(): RaftLogsStats;
  /** Release resources; later calls reject with a `Closed` HamokError. */
  close(): Promise<void>;
}

export type { ConfState, Entry, HardState, Snapshot };
