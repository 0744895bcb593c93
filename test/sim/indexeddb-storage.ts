// fake-indexeddb's globals (IDBKeyRange, ...), which `idb` needs in Node.
import "fake-indexeddb/auto";
import { isDeepStrictEqual } from "node:util";
import { IDBFactory } from "fake-indexeddb";
import type { NodeId } from "../../src/raft/types";
import { createIndexedDbRaftLogs, type IndexedDbRaftLogs } from "../../src/storage/indexeddb";
import type { PersistedState, SaveBatch } from "../../src/storage/raft-logs";
import type { MemoryStorage } from "../raft/harness";
import type { SimStorage } from "./sim-storage";
import { runSimulationWithStorage, type SimOptions, type SimResult } from "./simulation";

/**
 * The simulation's second storage on IndexedDB (a fresh fake-indexeddb factory
 * per run, one database per peer). Every persisted batch is saved through an
 * {@link IndexedDbRaftLogs}; a crashed peer is reloaded the way a reloaded tab
 * does it, by `load()` on a new instance over the same database, and restarts
 * from that. Each reload is compared with the simulation's in-memory record of
 * what the peer persisted: they must be equal, since a save that resolved is
 * durable and a batch is stored whole (the Raft persistence rule, §5 and Figure 2).
 */
export class IndexedDbSimStorage implements SimStorage {
  /** Faults found: failed saves or loads, reloads that differ from what was persisted. */
  readonly violations: string[] = [];
  /** Restarts that booted from a state loaded from IndexedDB. */
  restarts = 0;
  /** Batches saved to IndexedDB. */
  saves = 0;
  readonly #factory = new IDBFactory();
  readonly #room: string;
  readonly #logs = new Map<NodeId, IndexedDbRaftLogs>();
  /** Per crashed peer: its reloaded state, or `null` while the reload runs. */
  readonly #reloads = new Map<NodeId, PersistedState | null>();
  #pending: Promise<void>[] = [];

  constructor(room: string) {
    this.#room = room;
  }

  save(id: NodeId, batch: SaveBatch): void {
    if (batch.hardState === undefined && batch.entries === undefined && batch.snapshot === undefined) return;
    this.saves++;
    this.#track(this.#open(id).save(batch), `save of ${id}`);
  }

  crash(id: NodeId): void {
    const old = this.#logs.get(id);
    this.#logs.delete(id);
    // The new instance is the reloaded tab: it reads the database once the old one is gone.
    const fresh = this.#open(id);
    this.#reloads.set(id, null);
    const reload = async (): Promise<void> => {
      await old?.close();
      this.#reloads.set(id, await fresh.load());
    };
    this.#track(reload(), `reload of ${id}`);
  }

  restore(id: NodeId, memory: MemoryStorage): void {
    if (!this.#reloads.has(id)) return;
    const loaded = this.#reloads.get(id);
    this.#reloads.delete(id);
    if (!loaded) {
      this.violations.push(`indexeddb: ${id} restarted before its reload completed`);
      return;
    }
    const diff = difference(loaded, memory);
    if (diff) this.violations.push(`indexeddb: ${id} reloaded a state that differs from what it persisted: ${diff}`);
    // The node boots from IndexedDB, and the simulation's checks read what it returned.
    memory.hardState = loaded.hardState;
    memory.snapshot = loaded.snapshot;
    memory.entries = [...loaded.entries];
    this.restarts++;
  }

  async settle(): Promise<void> {
    while (this.#pending.length > 0) await Promise.all(this.#pending.splice(0));
  }

  /** Wait for everything in flight, then close every database connection. */
  async close(): Promise<void> {
    await this.settle();
    await Promise.all([...this.#logs.values()].map((logs) => logs.close()));
    this.#logs.clear();
  }

  #open(id: NodeId): IndexedDbRaftLogs {
    let logs = this.#logs.get(id);
    if (!logs) {
      logs = createIndexedDbRaftLogs({ room: this.#room, peerId: id, indexedDB: this.#factory });
      this.#logs.set(id, logs);
    }
    return logs;
  }

  #track(operation: Promise<void>, what: string): void {
    this.#pending.push(
      operation.catch((error: unknown) => {
        this.violations.push(`indexeddb: ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
      }),
    );
  }
}

/** The first part of `loaded` that differs from the in-memory record, or `undefined` when equal. */
function difference(loaded: PersistedState, memory: MemoryStorage): string | undefined {
  if (!isDeepStrictEqual(loaded.hardState, memory.hardState)) {
    return `hard state ${JSON.stringify(loaded.hardState)} != ${JSON.stringify(memory.hardState)}`;
  }
  if (!isDeepStrictEqual(loaded.snapshot, memory.snapshot)) {
    return `snapshot ${JSON.stringify(loaded.snapshot?.meta)} != ${JSON.stringify(memory.snapshot?.meta)}`;
  }
  if (!isDeepStrictEqual(loaded.entries, memory.entries)) {
    const span = (es: readonly { index: number }[]) => `${es[0]?.index ?? "-"}..${es[es.length - 1]?.index ?? "-"}`;
    return `entries ${span(loaded.entries)} != ${span(memory.entries)}`;
  }
  return undefined;
}

/** A run on IndexedDB storage, with what the storage saw. */
export interface IndexedDbSimResult extends SimResult {
  /** Restarts that booted from IndexedDB. */
  readonly restarts: number;
  /** Batches saved to IndexedDB. */
  readonly saves: number;
}

/** The storage mode's flag of `npm run sim`. */
export const INDEXEDDB_FLAG = "--storage indexeddb";

/**
 * One seeded run of the simulation whose stable storage is IndexedDB (on
 * fake-indexeddb). Its violations include the simulation's and the storage's.
 */
export async function runSimulationOnIndexedDb(opts: SimOptions): Promise<IndexedDbSimResult> {
  const storage = new IndexedDbSimStorage(`sim-${opts.seed}`);
  let result: SimResult;
  try {
    result = await runSimulationWithStorage(opts, storage);
  } finally {
    await storage.close();
  }
  return {
    ...result,
    violations: [...result.violations, ...storage.violations],
    replay: `${result.replay} ${INDEXEDDB_FLAG}`,
    restarts: storage.restarts,
    saves: storage.saves,
  };
}
