import { HamokError } from "../../errors.js";
import type { Entry, HardState, SaveBatch, Snapshot } from "../raft-logs.js";

/**
 * What is on disk, kept in memory so `stats()` is synchronous and a save can
 * be checked before it starts. Invariants (kept by {@link planSave}):
 * stored entries are exactly `[firstIndex, lastIndex]`; `firstIndex <= snapshotIndex + 1`
 * (the log continues the snapshot); an empty log is `firstIndex = snapshotIndex + 1,
 * lastIndex = snapshotIndex`.
 */
export interface LogBounds {
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly snapshotTerm: number;
  readonly snapshotBytes: number;
}

/** The bounds of an empty database. */
export const EMPTY_BOUNDS: LogBounds = {
  firstIndex: 1,
  lastIndex: 0,
  snapshotIndex: 0,
  snapshotTerm: 0,
  snapshotBytes: 0,
};

/** Number of stored entries. */
export function entryCount(bounds: LogBounds): number {
  return bounds.lastIndex - bounds.firstIndex + 1;
}

/** The writes of one save, in the order they run inside its transaction. */
export interface SavePlan {
  readonly snapshot?: Snapshot;
  /** Delete every stored entry: the snapshot does not continue the stored log. */
  readonly discardAll: boolean;
  /** Delete stored entries from this index on (conflict truncation). */
  readonly truncateFrom?: number;
  readonly entries: readonly Entry[];
  /** Delete stored entries up to this index (compaction). */
  readonly compactTo?: number;
  readonly hardState?: HardState;
  readonly meta?: Readonly<Record<string, unknown>>;
  /** The bounds once the save has committed. */
  readonly after: LogBounds;
}

function invalid(message: string): HamokError {
  return new HamokError("InvalidArgument", `invalid save batch: ${message}`);
}

function isIndex(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Check a batch against the stored bounds and work out its writes. Pure, so
 * an invalid batch is refused before any transaction starts.
 *
 * @param termAtSnapshotIndex the term of the stored entry at `batch.snapshot.meta.index`, if one is stored
 */
export function planSave(bounds: LogBounds, batch: SaveBatch, termAtSnapshotIndex: number | undefined): SavePlan {
  let { firstIndex, lastIndex, snapshotIndex, snapshotTerm, snapshotBytes } = bounds;
  let discardAll = false;
  const snapshot = batch.snapshot;
  if (snapshot !== undefined) {
    const { index, term } = snapshot.meta;
    if (!isIndex(index) || !isIndex(term) || !(snapshot.data instanceof Uint8Array)) {
      throw invalid("snapshot needs integer meta.index, meta.term and Uint8Array data");
    }
    if (index < snapshotIndex) throw invalid(`snapshot at ${index} is older than the stored one at ${snapshotIndex}`);
    // Raft §7: if the snapshot describes a prefix of the log, the entries after it stay valid;
    // otherwise the log disagrees with the snapshot and is discarded whole.
    const continuesLog = termAtSnapshotIndex === term || (index === snapshotIndex && term === snapshotTerm);
    if (!continuesLog) {
      discardAll = true;
      firstIndex = index + 1;
      lastIndex = index;
    }
    snapshotIndex = index;
    snapshotTerm = term;
    snapshotBytes = snapshot.data.byteLength;
  }

  // Entries at or below the snapshot are committed and covered by it: nothing to write.
  const entries = (batch.entries ?? []).filter((entry) => entry.index > snapshotIndex);
  let truncateFrom: number | undefined;
  const first = entries[0];
  if (first !== undefined) {
    entries.forEach((entry, i) => {
      if (!isIndex(entry.index) || !isIndex(entry.term)) throw invalid("entry index and term must be integers");
      if (entry.index !== first.index + i) throw invalid(`entries are not contiguous at index ${entry.index}`);
    });
    if (first.index > lastIndex + 1) {
      throw invalid(`entry ${first.index} would leave a gap after the last stored index ${lastIndex}`);
    }
    // Raft §5.3: an entry that conflicts replaces the stored one and everything after it.
    if (first.index <= lastIndex) truncateFrom = first.index;
    if (lastIndex < firstIndex) firstIndex = first.index;
    lastIndex = first.index + entries.length - 1;
  }

  const compactTo = batch.compactTo;
  if (compactTo !== undefined) {
    if (!isIndex(compactTo)) throw invalid("compactTo must be an integer");
    if (compactTo > snapshotIndex) {
      throw invalid(`compactTo ${compactTo} is beyond the snapshot at ${snapshotIndex}; those entries would be lost`);
    }
    firstIndex = Math.max(firstIndex, compactTo + 1);
  }

  const hardState = batch.hardState;
  if (hardState !== undefined && (!isIndex(hardState.term) || !isIndex(hardState.commit))) {
    throw invalid("hardState needs integer term and commit");
  }

  return {
    ...(snapshot === undefined ? {} : { snapshot }),
    discardAll,
    ...(truncateFrom === undefined ? {} : { truncateFrom }),
    entries,
    ...(compactTo === undefined ? {} : { compactTo }),
    ...(hardState === undefined ? {} : { hardState }),
    ...(batch.meta === undefined ? {} : { meta: batch.meta }),
    after: { firstIndex, lastIndex, snapshotIndex, snapshotTerm, snapshotBytes },
  };
}
