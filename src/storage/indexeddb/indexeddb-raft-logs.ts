import { EventEmitter } from "eventemitter3";
import { HamokError, isHamokError } from "../../errors.js";
import type { PersistedState, RaftLogs, RaftLogsStats, SaveBatch } from "../raft-logs.js";
import { indexedDbRaftLogsName } from "./database-name.js";
import { readBounds, readState, writeBatch } from "./log-transactions.js";
import { EMPTY_BOUNDS, entryCount, type LogBounds } from "./save-plan.js";
import { openRaftLogsDatabase, type RaftLogsDatabase } from "./schema.js";

/**
 * IndexedDB transaction durability (`IDBTransactionOptions.durability`).
 * - `relaxed`: the save resolves once the write is handed to the operating system;
 *   it survives a tab or browser crash, not a power loss or OS crash.
 * - `strict`: the save resolves once the write is flushed to disk (fsync).
 * - `default`: the browser's choice (Chromium 121+ and Firefox: relaxed).
 */
export type IndexedDbDurability = "relaxed" | "strict" | "default";

/**
 * The durability used when none is given. Chosen from `bench/storage-browser.ts`
 * (Chromium, on-disk profile): `strict` halves save throughput and multiplies the
 * p99 latency of a save, which every Raft round waits for, while `relaxed` already
 * survives what tabs usually suffer (close, crash, browser crash). Pick `strict` when
 * a power loss or OS crash must not lose acknowledged writes.
 */
export const DEFAULT_DURABILITY: IndexedDbDurability = "relaxed";

/** Options of {@link createIndexedDbRaftLogs}. */
export interface IndexedDbRaftLogsOptions {
  /** Cluster name; with `peerId` it names the database (`hamok/<room>/<peerId>`). */
  readonly room: string;
  /** This peer's id (see `acquirePeerId` for a tab-safe one). */
  readonly peerId: string;
  /**
   * Database name to use instead of the derived one. The database still records its
   * room and peer id, and opening it for another pair fails with `StorageFailure`.
   */
  readonly dbName?: string;
  /** Transaction durability of saves. Default {@link DEFAULT_DURABILITY}. */
  readonly durability?: IndexedDbDurability;
  /**
   * The IndexedDB factory. Default `globalThis.indexedDB`. In Node pass a
   * `fake-indexeddb` factory (and import `fake-indexeddb/auto`, which `idb` needs for its globals).
   */
  readonly indexedDB?: IDBFactory;
}

/** Events of {@link IndexedDbRaftLogs}. */
export interface IndexedDbRaftLogsEvents {
  /**
   * A storage fault (`StorageFailure` or `UnsupportedVersion`). Emitted once per failed
   * operation, in addition to the rejection of that operation.
   */
  error: [error: HamokError];
  /** Opening waits for a connection in another tab (an older Hamok) to close. */
  blocked: [info: { readonly currentVersion: number }];
}

/**
 * {@link RaftLogs} over IndexedDB: one database per peer, one transaction per
 * `save()`, so a batch (hard state, entries with conflict truncation, snapshot,
 * compaction, metadata) is stored whole or not at all.
 *
 * Faults:
 * - A save that fails (quota exceeded, aborted transaction, ...) rejects with a
 *   `StorageFailure` (the browser's error as `cause`) and emits `error`. Every later
 *   save is refused with `StorageFailure`: the Raft core already holds that batch
 *   in memory, so continuing would let it act on state that is not on disk. What was
 *   persisted before stays readable with `load()`; restart the peer from a new
 *   instance to write again.
 * - The connection closed underneath (storage pressure, Safari background tabs):
 *   the next operation reopens the database and retries its transaction once.
 * - Another tab upgrading the database (`versionchange`): the connection is closed
 *   so the upgrade can proceed; the next operation reopens it (and fails with
 *   `UnsupportedVersion` if the upgrade came from a newer Hamok). Another tab
 *   deleting it: the storage fails for good, since its persisted state is gone.
 */
export class IndexedDbRaftLogs extends EventEmitter<IndexedDbRaftLogsEvents> implements RaftLogs {
  /** The database name. */
  readonly name: string;
  /** The cluster this database belongs to. */
  readonly room: string;
  /** The peer this database belongs to. */
  readonly peerId: string;
  /** Transaction durability of saves. */
  readonly durability: IndexedDbDurability;
  private readonly factory: IDBFactory;
  private db: RaftLogsDatabase | undefined;
  private opening: Promise<RaftLogsDatabase> | undefined;
  private bounds: LogBounds = EMPTY_BOUNDS;
  private openedBefore = false;
  private deleted = false;
  private failure: HamokError | undefined;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: IndexedDbRaftLogsOptions) {
    super();
    const factory = options.indexedDB ?? globalThis.indexedDB;
    if (factory === undefined) throw new HamokError("InvalidArgument", "IndexedDB is not available here");
    this.factory = factory;
    this.room = options.room;
    this.peerId = options.peerId;
    this.name = options.dbName ?? indexedDbRaftLogsName(options.room, options.peerId);
    this.durability = options.durability ?? DEFAULT_DURABILITY;
  }

  /** The error that made this instance refuse writes, if any. */
  get failed(): HamokError | undefined {
    return this.failure;
  }

  /** Read everything persisted (opening the database on first use). Rejects `UnsupportedVersion` or `StorageFailure`. */
  load(): Promise<PersistedState> {
    return this.run(async () => {
      try {
        return await this.withRetry((db) => readState(db, this.name));
      } catch (error) {
        throw this.report(error, "load");
      }
    });
  }

  /**
   * Persist one batch in one transaction; resolves once it has committed with this
   * instance's durability. Rejects `InvalidArgument` (nothing written, the instance
   * stays usable) for a batch that would break the log, `StorageFailure` for a fault.
   */
  save(batch: SaveBatch): Promise<void> {
    return this.run(async () => {
      if (this.failure !== undefined) {
        throw new HamokError("StorageFailure", `storage ${this.name} refuses writes: ${this.failure.message}`, {
          cause: this.failure,
        });
      }
      try {
        await this.withRetry(async (db) => {
          this.bounds = await writeBatch(db, this.bounds, batch, this.durability);
        });
      } catch (error) {
        if (isHamokError(error, "InvalidArgument")) throw error;
        const failure = this.report(error, "save");
        this.failure ??= failure;
        throw failure;
      }
    });
  }

  /** Counters of what is stored, kept in memory (read from the database when it opens). */
  stats(): RaftLogsStats {
    const { firstIndex, lastIndex, snapshotIndex, snapshotBytes } = this.bounds;
    return { entries: entryCount(this.bounds), firstIndex, lastIndex, snapshotIndex, snapshotBytes };
  }

  /** Wait for operations in flight, then close the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    this.db?.close();
    this.db = undefined;
  }

  /** Operations run one at a time, so the in-memory bounds always match the last committed save. */
  private run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new HamokError("Closed", `storage ${this.name} is closed`));
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private report(error: unknown, operation: "load" | "save"): HamokError {
    const hamokError = toHamokError(error, `${operation} of ${this.name}`);
    this.emit("error", hamokError);
    return hamokError;
  }

  private async withRetry<T>(operation: (db: RaftLogsDatabase) => Promise<T>): Promise<T> {
    const db = await this.connection();
    try {
      return await operation(db);
    } catch (error) {
      const lost = this.db !== db || (error instanceof DOMException && RETRYABLE.has(error.name));
      if (!lost || this.deleted) throw error;
      // The connection went away under the transaction: nothing of it was committed
      // (IndexedDB transactions are atomic), so reopening and running it again is safe.
      this.dropConnection(db);
      return operation(await this.connection());
    }
  }

  private connection(): Promise<RaftLogsDatabase> {
    if (this.deleted) {
      return Promise.reject(new HamokError("StorageFailure", `database ${this.name} was deleted while in use`));
    }
    if (this.db !== undefined) return Promise.resolve(this.db);
    this.opening ??= this.open().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async open(): Promise<RaftLogsDatabase> {
    let current: RaftLogsDatabase | undefined;
    const { db, created } = await openRaftLogsDatabase(
      this.factory,
      this.name,
      { room: this.room, peerId: this.peerId },
      {
        onBlocked: (currentVersion) => this.emit("blocked", { currentVersion }),
        onVersionChange: (deleted) => {
          if (current !== undefined) this.dropConnection(current);
          if (deleted) {
            this.deleted = true;
            this.failure ??= new HamokError(
              "StorageFailure",
              `database ${this.name} was deleted by another connection`,
            );
          }
        },
        onTerminated: () => {
          if (current !== undefined) this.dropConnection(current);
        },
      },
    );
    current = db;
    if (created && this.openedBefore) {
      // Reopening found no database: it was cleared (e.g. site data removed). Persisted
      // Raft state (term, vote, log) is gone; writing on would break the vote rule (§5.2).
      db.close();
      this.deleted = true;
      throw new HamokError("StorageFailure", `database ${this.name} disappeared while in use`);
    }
    try {
      this.bounds = await readBounds(db, this.name);
    } catch (error) {
      db.close();
      throw error;
    }
    this.openedBefore = true;
    this.db = db;
    return db;
  }

  private dropConnection(db: RaftLogsDatabase): void {
    db.close();
    if (this.db === db) this.db = undefined;
  }
}

/** DOMException names that mean the connection, not the data, is the problem. */
const RETRYABLE = new Set(["InvalidStateError", "UnknownError"]);

function toHamokError(error: unknown, what: string): HamokError {
  if (error instanceof HamokError) return error;
  const name = error instanceof DOMException ? error.name : error instanceof Error ? error.name : "Error";
  const reason =
    name === "QuotaExceededError"
      ? "the storage quota is exceeded (free space or ask for persistent storage)"
      : `${name}: ${error instanceof Error ? error.message : String(error)}`;
  return new HamokError("StorageFailure", `IndexedDB ${what} failed: ${reason}`, { cause: error });
}

/** Create the IndexedDB storage of one peer. The database opens lazily, on the first `load()` or `save()`. */
export function createIndexedDbRaftLogs(options: IndexedDbRaftLogsOptions): IndexedDbRaftLogs {
  return new IndexedDbRaftLogs(options);
}
