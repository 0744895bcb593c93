import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { afterEach, describe, expect, it } from "vitest";
import { isHamokError } from "../../src/errors";
import { Hamok } from "../../src/hamok";
import { listIndexedDbRaftLogs } from "../../src/storage/indexeddb/index";
import { MemoryRaftLogs } from "../../src/storage/memory-raft-logs";
import { closeAll, FAST } from "./helpers";

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

describe("persistence option", () => {
  it("memory is the default", () => {
    const hamok = new Hamok({ ...FAST });
    peers = [hamok];
    expect(hamok.config.persistence).toEqual({ type: "memory" });
    expect(hamok.config.raftLogs).toBeInstanceOf(MemoryRaftLogs);
  });

  it("indexeddb keeps the peer's Raft state in its room's database: a restarted peer gets its data back", async () => {
    const indexedDB = new IDBFactory();
    const persistence = { type: "indexeddb", room: "app", durability: "strict", indexedDB } as const;
    const first = new Hamok({ ...FAST, peerId: "tab-1", persistence });
    peers = [first];
    // The IndexedDB store is created, and its database opened, by join(): not before.
    expect(first.config.raftLogs).not.toBeInstanceOf(MemoryRaftLogs);
    expect(await listIndexedDbRaftLogs({ indexedDB })).toEqual([]);
    await first.join({ maxRetry: 0, fetchRemotePeerTimeoutInMs: 20 });
    await first.createMap<string, number>({ mapId: "m" }).set("kept", 7);
    const clusterId = first.raft.clusterId;
    await first.close();
    expect(await listIndexedDbRaftLogs({ indexedDB })).toEqual([
      expect.objectContaining({ name: "hamok/app/tab-1", room: "app", peerId: "tab-1" }),
    ]);

    const again = new Hamok({ ...FAST, peerId: "tab-1", persistence });
    peers = [again];
    await again.join();
    expect(again.raft.clusterId).toBe(clusterId);
    await again.waitUntilCommitHead();
    expect(again.createMap<string, number>({ mapId: "m" }).get("kept")).toBe(7);
  });

  it("refuses raftLogs together with persistence, and a persistence without a room", () => {
    expect(() => new Hamok({ raftLogs: new MemoryRaftLogs(), persistence: { type: "indexeddb", room: "r" } })).toThrow(
      expect.toSatisfy((e) => isHamokError(e, "InvalidArgument")),
    );
    expect(() => new Hamok({ persistence: { type: "indexeddb", room: "" } })).toThrow(
      expect.toSatisfy((e) => isHamokError(e, "InvalidArgument")),
    );
  });
});
