import type { NodeId, Ready } from "../../src/raft/types";
import type { SaveBatch } from "../../src/storage/raft-logs";
import type { MemoryStorage } from "../raft/harness";

/**
 * A second, possibly asynchronous, stable storage that every node's persisted
 * state also goes through in `runSimulationWithStorage` (see `indexeddb-storage.ts`).
 * The simulation's in-memory record stays the reference the checks read.
 */
export interface SimStorage {
  /** Persist one batch of a node: a Ready's hard state, entries and snapshot, or a compaction. */
  save(id: NodeId, batch: SaveBatch): void;
  /** The node crashed: prepare what a reloaded peer reads, for {@link SimStorage.restore}. */
  crash(id: NodeId): void;
  /**
   * A node (re)starts: after a crash, replace `memory` (the simulation's record of
   * what the node persisted) with what this storage reloaded, so the node boots from
   * it. A first boot on empty storage leaves `memory` as it is.
   */
  restore(id: NodeId, memory: MemoryStorage): void;
  /** Resolves once every save and reload started so far has completed. */
  settle(): Promise<void>;
}

/** What a runtime saves of a Ready (as `RaftDriver.persist` does). */
export function saveBatch(rd: Ready): SaveBatch {
  return {
    ...(rd.hardState ? { hardState: rd.hardState } : {}),
    ...(rd.entries.length > 0 ? { entries: rd.entries } : {}),
    ...(rd.snapshot ? { snapshot: rd.snapshot } : {}),
  };
}
