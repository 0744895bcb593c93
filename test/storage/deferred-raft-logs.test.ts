import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { describe, expect, it } from "vitest";
import { isHamokError } from "../../src/errors";
import { Hamok } from "../../src/hamok";
import { DeferredRaftLogs } from "../../src/storage/deferred-raft-logs";
import { createIndexedDbRaftLogs } from "../../src/storage/indexeddb/index";
import { MemoryRaftLogs } from "../../src/storage/memory-raft-logs";

const entry = (index: number) => ({ index, term: 1, type: "normal" as const, data: new Uint8Array([index]) });

describe("DeferredRaftLogs", () => {
  it("creates the store once, on first use, and passes every call through in call order", async () => {
    let created = 0;
    const logs = new DeferredRaftLogs(async () => {
      created += 1;
      return new MemoryRaftLogs();
    }, "test storage");
    expect(created).toBe(0);
    expect(logs.stats()).toEqual(new MemoryRaftLogs().stats());
    // Issued back to back before the store exists: they must reach it in this order.
    const saves = [logs.save({ entries: [entry(1)] }), logs.save({ entries: [entry(2)] })];
    const loaded = logs.load();
    await Promise.all(saves);
    expect((await loaded).entries.map((e) => e.index)).toEqual([1, 2]);
    expect(created).toBe(1);
    expect(logs.stats()).toMatchObject({ entries: 2, lastIndex: 2 });
    await logs.close();
  });

  it("before it is opened, reports what an unopened IndexedDB store reports", () => {
    const logs = createIndexedDbRaftLogs({ room: "r", peerId: "p", indexedDB: new IDBFactory() });
    const deferred = new DeferredRaftLogs(async () => logs, "IndexedDB storage");
    expect(deferred.stats()).toEqual(logs.stats());
  });

  it("a store that cannot be created fails load with StorageFailure naming it, keeping the cause", async () => {
    const cause = new Error("chunk failed to load");
    const logs = new DeferredRaftLogs(() => Promise.reject(cause), "IndexedDB storage");
    const failure = await logs.load().catch((error: unknown) => error);
    expect(isHamokError(failure, "StorageFailure")).toBe(true);
    expect((failure as Error).message).toContain("IndexedDB storage");
    expect((failure as Error).cause).toBe(cause);
    await expect(logs.close()).resolves.toBeUndefined();
  });

  it("closed before first use, it never creates the store and refuses later calls with Closed", async () => {
    let created = 0;
    const logs = new DeferredRaftLogs(async () => {
      created += 1;
      return new MemoryRaftLogs();
    }, "test storage");
    await logs.close();
    await expect(logs.load()).rejects.toSatisfy((error) => isHamokError(error, "Closed"));
    expect(created).toBe(0);
  });

  it("new Hamok() with IndexedDB persistence in a runtime without IndexedDB throws at once", () => {
    const saved = globalThis.indexedDB;
    Reflect.deleteProperty(globalThis, "indexedDB");
    try {
      expect(() => new Hamok({ persistence: { type: "indexeddb", room: "r" } })).toThrow(
        expect.toSatisfy((error) => isHamokError(error, "InvalidArgument")),
      );
    } finally {
      globalThis.indexedDB = saved;
    }
  });
});
