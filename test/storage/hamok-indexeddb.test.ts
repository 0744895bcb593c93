import { IDBFactory } from "fake-indexeddb";
import { afterEach, describe, expect, it } from "vitest";
import { Hamok } from "../../src/hamok";
import { createIndexedDbRaftLogs, type IndexedDbRaftLogs } from "../../src/storage/indexeddb";
import { MemoryHub } from "../../src/transport/memory-hub";
import { closeAll, eventually, FAST } from "../hamok/helpers";
import "./helpers";

const ROOM = "persisted";
let running: Hamok[] = [];

afterEach(async () => {
  await closeAll(running);
  running = [];
});

/** A peer whose Raft state lives in its own IndexedDB database (fake-indexeddb shared by the "origin"). */
function startPeer(factory: IDBFactory, peerId: string, seed: number): { hamok: Hamok; logs: IndexedDbRaftLogs } {
  const logs = createIndexedDbRaftLogs({ room: ROOM, peerId, indexedDB: factory });
  const hamok = new Hamok({ ...FAST, peerId, seed, raftLogs: logs });
  running.push(hamok);
  return { hamok, logs };
}

describe("Hamok over IndexedDbRaftLogs", () => {
  it("a cluster whose every peer closed gets its data back from IndexedDB when it reopens", async () => {
    const factory = new IDBFactory();
    const ids = ["p1", "p2", "p3"];
    const hub = new MemoryHub({ cloneMessages: true });
    const first = ids.map((id, i) => startPeer(factory, id, i + 1));
    await Promise.all(first.map(({ hamok }) => hamok.join({ transport: hub.transport() })));
    const maps = first.map(({ hamok }) => hamok.createMap<string, number>({ mapId: "m" }));
    for (let i = 0; i < 30; i++) await maps[i % 3]!.set(`k${i % 10}`, i);
    await eventually(() => maps.every((map) => map.get("k9") === 29), 5000, "replication");
    // Freeze every peer first, so no one sees the others leave and removes them from the configuration.
    for (const { hamok } of first) hamok.stop();
    await closeAll(first.map(({ hamok }) => hamok));
    running = [];

    const hub2 = new MemoryHub({ cloneMessages: true });
    const second = ids.map((id, i) => startPeer(factory, id, i + 11));
    for (const { logs } of second) {
      const stored = await logs.load();
      expect(typeof stored.meta.clusterId).toBe("string");
      expect(stored.entries.filter((entry) => entry.type === "normal").length).toBeGreaterThanOrEqual(30);
    }
    const reopened = second.map(({ hamok }) => hamok.createMap<string, number>({ mapId: "m" }));
    await Promise.all(second.map(({ hamok }) => hamok.join({ transport: hub2.transport() })));
    await eventually(() => reopened.every((map) => map.get("k9") === 29 && map.size === 10), 5000, "restored data");
    await reopened[0]!.set("after", 1);
    await eventually(() => reopened.every((map) => map.get("after") === 1), 5000, "a write after reopening");
  });
});
