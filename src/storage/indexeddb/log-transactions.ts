import { type IDBPTransaction, unwrap } from "idb";
import { HamokError } from "../../errors.js";
import type { Entry, HardState, PersistedState, SaveBatch, Snapshot } from "../raft-logs.js";
import { compactViews } from "./compact-views.js";
import { type LogBounds, planSave, type SavePlan } from "./save-plan.js";
import { ALL_STORES, type RaftLogsDatabase, type RaftLogsSchema } from "./schema.js";

/**
 * The transactions of the storage. The `entries` store holds runs of
 * consecutive entries keyed by their first index (see `schema.ts`); these
 * functions keep the runs contiguous while truncating and compacting.
 */

const EMPTY_HARD_STATE: HardState = { term: 0, vote: null, commit: 0 };

type Durability = "relaxed" | "strict" | "default";

/** The run holding `index`, if any: the run with the greatest first index at or below it. */
async function runAt(
  store: {
    openCursor(query: IDBKeyRange, direction: IDBCursorDirection): Promise<{ key: number; value: Entry[] } | null>;
  },
  index: number,
): Promise<{ first: number; run: Entry[] } | undefined> {
  const cursor = await store.openCursor(IDBKeyRange.upperBound(index), "prev");
  if (cursor === null || cursor.key + cursor.value.length <= index) return undefined;
  return { first: cursor.key, run: cursor.value };
}

/** Everything persisted: hard state, snapshot, the entries after the snapshot (checked contiguous), meta. */
export async function readState(db: RaftLogsDatabase, name: string): Promise<PersistedState> {
  const tx = db.transaction(ALL_STORES, "readonly");
  const state = tx.objectStore("state");
  const meta = tx.objectStore("meta");
  const entriesStore = tx.objectStore("entries");
  const [hardState, snapshot, metaKeys, metaValues] = await Promise.all([
    state.get("hardState") as Promise<HardState | undefined>,
    state.get("snapshot") as Promise<Snapshot | undefined>,
    meta.getAllKeys(),
    meta.getAll(),
  ]);
  const after = (snapshot?.meta.index ?? 0) + 1;
  const head = await runAt(entriesStore, after);
  const runs = await entriesStore.getAll(IDBKeyRange.lowerBound(head?.first ?? after));
  await tx.done;
  const entries = runs.flat().filter((entry) => entry.index >= after);
  entries.forEach((entry, i) => {
    if (entry.index !== after + i) {
      throw new HamokError("StorageFailure", `database ${name} is corrupt: entry ${after + i} is missing`);
    }
  });
  const metaRecord: Record<string, unknown> = {};
  metaKeys.forEach((key, i) => {
    metaRecord[key] = metaValues[i];
  });
  return {
    hardState: hardState ?? EMPTY_HARD_STATE,
    ...(snapshot === undefined ? {} : { snapshot }),
    entries,
    meta: metaRecord,
  };
}

/** What `stats()` reports, read from the database (on every open). */
export async function readBounds(db: RaftLogsDatabase, name: string): Promise<LogBounds> {
  const tx = db.transaction(["entries", "state"], "readonly");
  const entries = tx.objectStore("entries");
  const [snapshot, first, last] = await Promise.all([
    tx.objectStore("state").get("snapshot") as Promise<Snapshot | undefined>,
    entries.openKeyCursor(null, "next"),
    entries.openCursor(null, "prev"),
  ]);
  await tx.done;
  const snapshotIndex = snapshot?.meta.index ?? 0;
  const firstIndex = first?.key ?? snapshotIndex + 1;
  const lastIndex = last === null ? snapshotIndex : last.key + last.value.length - 1;
  if (firstIndex > snapshotIndex + 1 || lastIndex < snapshotIndex) {
    throw new HamokError("StorageFailure", `database ${name} is corrupt: the log does not continue the snapshot`);
  }
  return {
    firstIndex,
    lastIndex,
    snapshotIndex,
    snapshotTerm: snapshot?.meta.term ?? 0,
    snapshotBytes: snapshot?.data.byteLength ?? 0,
  };
}

/**
 * Apply one batch in one transaction and resolve with the new bounds once it
 * has committed. On any failure the transaction is aborted, so nothing of the
 * batch is stored, and the browser's error (e.g. `QuotaExceededError`) is thrown.
 */
export async function writeBatch(
  db: RaftLogsDatabase,
  bounds: LogBounds,
  batch: SaveBatch,
  durability: Durability,
): Promise<LogBounds> {
  const tx = db.transaction(ALL_STORES, "readwrite", { durability });
  const entries = tx.objectStore("entries");
  try {
    let termAtSnapshot: number | undefined;
    if (batch.snapshot !== undefined) {
      const index = batch.snapshot.meta.index;
      const found = await runAt(entries, index);
      termAtSnapshot = found?.run[index - found.first]?.term;
    }
    const plan = planSave(bounds, batch, termAtSnapshot);
    await applyPlan(tx, plan);
    // Every write is queued; a failed request aborts the transaction, so `done` is the outcome of all of them.
    await tx.done;
    return plan.after;
  } catch (error) {
    try {
      tx.abort();
    } catch {
      // Already finished or aborted: either way nothing more will be written.
    }
    await tx.done.catch(() => undefined);
    throw unwrap(tx).error ?? error;
  }
}

type WriteTransaction = IDBPTransaction<RaftLogsSchema, typeof ALL_STORES, "readwrite">;

/**
 * Queue the writes of a plan. Raw requests (not idb's promise per request), and
 * reads only where a run must be split: the common save (append + hard state)
 * is two `put`s and no read.
 */
async function applyPlan(tx: WriteTransaction, plan: SavePlan): Promise<void> {
  const raw = unwrap(tx);
  const entries = raw.objectStore("entries");
  const state = raw.objectStore("state");
  const typedEntries = tx.objectStore("entries");
  if (plan.snapshot !== undefined) state.put(compactViews(plan.snapshot), "snapshot");
  if (plan.discardAll) entries.clear();
  if (plan.truncateFrom !== undefined) {
    // Raft §5.3: drop the conflicting entry and all that follow; keep the head of a run that straddles it.
    const from = plan.truncateFrom;
    const straddling = await runAt(typedEntries, from);
    entries.delete(IDBKeyRange.lowerBound(from));
    if (straddling !== undefined && straddling.first < from) {
      entries.put(straddling.run.slice(0, from - straddling.first), straddling.first);
    }
  }
  const first = plan.entries[0];
  if (first !== undefined) entries.put(plan.entries.map(compactViews), first.index);
  if (plan.compactTo !== undefined) {
    const keepFrom = plan.compactTo + 1;
    const straddling = await runAt(typedEntries, keepFrom);
    entries.delete(IDBKeyRange.upperBound(plan.compactTo));
    if (straddling !== undefined && straddling.first < keepFrom) {
      entries.put(straddling.run.slice(keepFrom - straddling.first), keepFrom);
    }
  }
  if (plan.hardState !== undefined) {
    const { term, vote, commit } = plan.hardState;
    state.put({ term, vote, commit }, "hardState");
  }
  if (plan.meta !== undefined) {
    const meta = raw.objectStore("meta");
    for (const [key, value] of Object.entries(plan.meta)) {
      if (value === undefined) meta.delete(key);
      else meta.put(compactViews(value), key);
    }
  }
}
