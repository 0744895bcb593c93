import "fake-indexeddb/auto";
import { forceCloseDatabase, IDBFactory } from "fake-indexeddb";
import type { Entry, HardState, Snapshot } from "../../src/raft/types";
import { createIndexedDbRaftLogs, type IndexedDbRaftLogsOptions } from "../../src/storage/indexeddb";

/** `count` normal entries from `from` on, all of `term`. */
export function entries(from: number, count: number, term: number): Entry[] {
  return Array.from({ length: count }, (_, i) => ({
    term,
    index: from + i,
    type: "normal" as const,
    data: { key: `k${(from + i) % 7}`, value: from + i },
  }));
}

export function hardState(term: number, vote: string | null, commit: number): HardState {
  return { term, vote, commit };
}

export function snapshot(index: number, term: number, bytes = 8): Snapshot {
  return {
    meta: { index, term, confState: { voters: ["a", "b", "c"], learners: [] } },
    data: new Uint8Array(bytes).fill(index % 251),
  };
}

/** A fresh fake-indexeddb factory and a storage factory bound to it. */
export function freshDb(): {
  factory: IDBFactory;
  open: (options?: Partial<IndexedDbRaftLogsOptions>) => ReturnType<typeof createIndexedDbRaftLogs>;
} {
  const factory = new IDBFactory();
  return {
    factory,
    open: (options = {}) => createIndexedDbRaftLogs({ room: "room", peerId: "peer-1", indexedDB: factory, ...options }),
  };
}

/** A factory that records every connection it opens, so a test can close one "underneath" the storage. */
export function recordingFactory(factory: IDBFactory): { factory: IDBFactory; connections: IDBDatabase[] } {
  const connections: IDBDatabase[] = [];
  const recording = Object.create(factory) as IDBFactory;
  recording.open = (name: string, version?: number) => {
    const request = factory.open(name, version);
    request.addEventListener("success", () => connections.push(request.result));
    return request;
  };
  return { factory: recording, connections };
}

/** Close a connection abnormally (fires its `close` event), as a browser does when storage is cleared. */
export function forceClose(db: IDBDatabase): void {
  // fake-indexeddb declares the parameter as the IDBDatabase constructor type; it takes a connection.
  forceCloseDatabase(db as IDBDatabase & typeof IDBDatabase);
}
