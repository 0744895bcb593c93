import { afterEach, describe, expect, it, vi } from "vitest";
import { isHamokError } from "../../src/errors";
import type { Entry } from "../../src/raft/types";
import {
  createIndexedDbRaftLogs,
  deleteIndexedDbRaftLogs,
  type IndexedDbDurability,
} from "../../src/storage/indexeddb";
import { cleanUp, recordingIndexedDb, uniqueRoom } from "./helpers";

function entries(from: number, count: number, term: number): Entry[] {
  return Array.from({ length: count }, (_, i) => ({
    term,
    index: from + i,
    type: "normal" as const,
    data: { key: `k${(from + i) % 5}`, value: from + i, bytes: new Uint8Array([from + i]) },
  }));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("IndexedDbRaftLogs in Chromium", () => {
  it("round trip: hard state, entries with bytes and meta survive a reopen", async () => {
    const room = uniqueRoom("round-trip");
    try {
      const writer = createIndexedDbRaftLogs({ room, peerId: "p1" });
      await writer.save({ hardState: { term: 3, vote: "p2", commit: 4 }, entries: entries(1, 6, 3), meta: { a: 1 } });
      await writer.close();
      const reader = createIndexedDbRaftLogs({ room, peerId: "p1" });
      const state = await reader.load();
      expect(state.hardState).toEqual({ term: 3, vote: "p2", commit: 4 });
      expect(state.entries).toEqual(entries(1, 6, 3));
      expect(state.meta).toEqual({ a: 1 });
      await reader.close();
    } finally {
      await cleanUp(room, ["p1"]);
    }
  });

  it.each(["relaxed", "strict"] as IndexedDbDurability[])(
    "saves with %s durability are read back",
    async (durability) => {
      const room = uniqueRoom(durability);
      try {
        const writer = createIndexedDbRaftLogs({ room, peerId: "p1", durability });
        for (let index = 1; index <= 20; index += 5) await writer.save({ entries: entries(index, 5, 1) });
        await writer.close();
        const reader = createIndexedDbRaftLogs({ room, peerId: "p1", durability });
        expect((await reader.load()).entries).toEqual(entries(1, 20, 1));
        await reader.close();
      } finally {
        await cleanUp(room, ["p1"]);
      }
    },
  );

  it("snapshots with compaction keep 5,000 writes bounded and restore the state", async () => {
    const room = uniqueRoom("compaction");
    const threshold = 500;
    try {
      const logs = createIndexedDbRaftLogs({ room, peerId: "p1" });
      const state = new Map<string, number>();
      let snapshotIndex = 0;
      let maxEntries = 0;
      for (let index = 1; index <= 5_000; index += 50) {
        const batch = entries(index, 50, 1);
        await logs.save({ entries: batch, hardState: { term: 1, vote: null, commit: index + 49 } });
        for (const entry of batch) {
          const { key, value } = entry.data as { key: string; value: number };
          state.set(key, value);
        }
        if (index + 49 - snapshotIndex >= threshold) {
          snapshotIndex = index + 49;
          const data = new TextEncoder().encode(JSON.stringify([...state]));
          const meta = { index: snapshotIndex, term: 1, confState: { voters: ["p1"], learners: [] } };
          await logs.save({ snapshot: { meta, data }, compactTo: snapshotIndex });
        }
        maxEntries = Math.max(maxEntries, logs.stats().entries);
      }
      expect(maxEntries).toBeLessThanOrEqual(threshold + 50);
      await logs.close();
      const reopened = createIndexedDbRaftLogs({ room, peerId: "p1" });
      const loaded = await reopened.load();
      expect(loaded.snapshot?.meta.index).toBe(snapshotIndex);
      const restored = new Map(JSON.parse(new TextDecoder().decode(loaded.snapshot?.data)) as [string, number][]);
      for (const entry of loaded.entries) {
        const { key, value } = entry.data as { key: string; value: number };
        restored.set(key, value);
      }
      expect(restored).toEqual(state);
      expect(reopened.stats().entries).toBeLessThanOrEqual(threshold + 50);
      await reopened.close();
    } finally {
      await cleanUp(room, ["p1"]);
    }
  });

  it("a transaction aborted after its first put leaves the previous state", async () => {
    const room = uniqueRoom("abort");
    try {
      const logs = createIndexedDbRaftLogs({ room, peerId: "p1" });
      await logs.save({ hardState: { term: 1, vote: null, commit: 0 }, entries: entries(1, 4, 1) });
      const put = IDBObjectStore.prototype.put;
      let calls = 0;
      vi.spyOn(IDBObjectStore.prototype, "put").mockImplementation(function (this: IDBObjectStore, ...args) {
        const request = put.apply(this, args);
        calls += 1;
        if (calls === 1) this.transaction.abort();
        return request;
      });
      const saving = logs.save({ hardState: { term: 2, vote: "p1", commit: 0 }, entries: entries(2, 5, 2) });
      await expect(saving).rejects.toSatisfy((error) => isHamokError(error, "StorageFailure"));
      vi.restoreAllMocks();
      const state = await logs.load();
      expect(state.hardState).toEqual({ term: 1, vote: null, commit: 0 });
      expect(state.entries).toEqual(entries(1, 4, 1));
      await logs.close();
    } finally {
      await cleanUp(room, ["p1"]);
    }
  });

  it("a connection closed underneath is reopened; a save after it is persisted", async () => {
    const room = uniqueRoom("reopen");
    const { factory, connections } = recordingIndexedDb();
    try {
      const logs = createIndexedDbRaftLogs({ room, peerId: "p1", indexedDB: factory });
      await logs.save({ entries: entries(1, 2, 1) });
      connections[0]?.close();
      await logs.save({ entries: entries(3, 2, 1) });
      expect(connections).toHaveLength(2);
      expect((await logs.load()).entries).toEqual(entries(1, 4, 1));
      await logs.close();
    } finally {
      await cleanUp(room, ["p1"]);
    }
  });

  it("an upgrade from another tab is not blocked; the storage then reports UnsupportedVersion", async () => {
    const room = uniqueRoom("upgrade");
    try {
      const logs = createIndexedDbRaftLogs({ room, peerId: "p1" });
      await logs.save({ entries: entries(1, 1, 1) });
      const upgraded = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(logs.name, 2);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
        request.onblocked = () => reject(new Error("blocked"));
      });
      upgraded.close();
      await expect(logs.load()).rejects.toSatisfy((error) => isHamokError(error, "UnsupportedVersion"));
      await logs.close();
    } finally {
      await cleanUp(room, ["p1"]);
    }
  });

  it("another tab deleting the database is not blocked; the storage then refuses to recreate it empty", async () => {
    const room = uniqueRoom("deleted");
    const logs = createIndexedDbRaftLogs({ room, peerId: "p1" });
    await logs.save({ hardState: { term: 2, vote: "p1", commit: 0 } });
    const onBlocked = vi.fn();
    await deleteIndexedDbRaftLogs({ room, peerId: "p1", onBlocked });
    expect(onBlocked).not.toHaveBeenCalled();
    await expect(logs.save({ hardState: { term: 3, vote: null, commit: 0 } })).rejects.toThrow(/deleted/);
    expect((await indexedDB.databases()).map((db) => db.name)).not.toContain(logs.name);
    await logs.close();
  });

  it("an open blocked by another tab is reported with a blocked event", async () => {
    const room = uniqueRoom("blocked");
    // Schema version 1 cannot be blocked by an older one, so the browser's event is replayed on the request.
    const factory = Object.create(indexedDB) as IDBFactory;
    factory.open = (name: string, version?: number) => {
      const request = indexedDB.open(name, version);
      queueMicrotask(() =>
        request.dispatchEvent(new IDBVersionChangeEvent("blocked", { oldVersion: 1, newVersion: 2 })),
      );
      return request;
    };
    try {
      const logs = createIndexedDbRaftLogs({ room, peerId: "p1", indexedDB: factory });
      const blocked = vi.fn();
      logs.on("blocked", blocked);
      await logs.load();
      expect(blocked).toHaveBeenCalledWith({ currentVersion: 1 });
      await logs.close();
    } finally {
      await cleanUp(room, ["p1"]);
    }
  });
});
