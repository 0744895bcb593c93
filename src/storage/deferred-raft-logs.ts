import { HamokError } from "../errors.js";
import type { PersistedState, RaftLogs, RaftLogsStats, SaveBatch } from "./raft-logs.js";

/** What a store that has not been opened holds: nothing (the bounds of an empty log, first index 1). */
const UNOPENED: RaftLogsStats = { entries: 0, firstIndex: 1, lastIndex: 0, snapshotIndex: 0, snapshotBytes: 0 };

/**
 * `RaftLogs` whose implementation is created on first use by an asynchronous factory. It lets the core offer
 * `persistence: { type: "indexeddb" }` while the IndexedDB code (and `idb`) is a chunk of its own that an app
 * loads only when a peer with that persistence joins: `new Hamok()` stays synchronous, and `join()` loads
 * before anything else (its first call is `load()`), so nothing is saved or acknowledged before the real store
 * exists (the persistence rule, Raft §5.1: a follower persists before it answers).
 *
 * Calls keep their order: each waits for the same creation, so their continuations run in call order and reach
 * the store in that order.
 */
export class DeferredRaftLogs implements RaftLogs {
  private logs: RaftLogs | undefined;
  private creation: Promise<RaftLogs> | undefined;
  private closed = false;

  /**
   * @param create Makes the store (for example, imports its module and constructs it). Called at most once.
   * @param what Names the store in errors ("IndexedDB storage").
   */
  constructor(
    private readonly create: () => Promise<RaftLogs>,
    private readonly what: string,
  ) {}

  load(): Promise<PersistedState> {
    return this.store().then((logs) => logs.load());
  }

  save(batch: SaveBatch): Promise<void> {
    return this.store().then((logs) => logs.save(batch));
  }

  /** The store's counters once it exists; before, those of an empty store (nothing was read yet). */
  stats(): RaftLogsStats {
    return this.logs?.stats() ?? UNOPENED;
  }

  /** Close the store if it was created; a store never created is never loaded. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const logs = await this.creation?.catch(() => undefined);
    await logs?.close();
  }

  private store(): Promise<RaftLogs> {
    if (this.closed && this.creation === undefined) {
      return Promise.reject(new HamokError("Closed", `${this.what} is closed`));
    }
    this.creation ??= this.create().then(
      (logs) => {
        this.logs = logs;
        return logs;
      },
      (error: unknown) => {
        throw new HamokError("StorageFailure", `could not load the ${this.what}: ${String(error)}`, {
          cause: error,
        });
      },
    );
    return this.creation;
  }
}
