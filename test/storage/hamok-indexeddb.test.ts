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
  it.each([
    ["closes", false],
    ["leaves the cluster, then closes", true],
  ])(
    "a follower that %s restarts from its own database, is re-added and receives only the entries it missed",
    async (_, leaves) => {
      const factory = new IDBFactory();
      const hub = new MemoryHub({ cloneMessages: true });
      const peers = ["p1", "p2", "p3"].map((id, i) => startPeer(factory, id, i + 1));
      await Promise.all(peers.map(({ hamok }) => hamok.join({ transport: hub.transport() })));
      const maps = peers.map(({ hamok }) => hamok.createMap<string, number>({ mapId: "m" }));
      const leader = peers.findIndex(({ hamok }) => hamok.leader);
      const follower = peers.findIndex(({ hamok }) => !hamok.leader);
      for (let i = 0; i < 20; i++) await maps[leader]!.set(`k${i}`, i);
      await eventually(() => maps[follower]!.size === 20, 5000, "replication to the follower");
      const before = Object.fromEntries(maps[follower]!.entries());
      const peerId = peers[follower]!.hamok.localPeerId;
      if (leaves) await peers[follower]!.hamok.leave();
      await peers[follower]!.hamok.close();
      await eventually(() => !peers[leader]!.hamok.raft.voters.includes(peerId), 5000, "the leader removing it");
      running = running.filter((hamok) => hamok !== peers[follower]!.hamok);

      for (let i = 20; i < 30; i++) await maps[leader]!.set(`k${i}`, i);
      const reloaded = startPeer(factory, peerId, 99);
      const stored = await reloaded.logs.load();
      expect(stored.entries.length).toBeGreaterThan(20);
      const lastStored = stored.entries.at(-1)!.index;
      const map = reloaded.hamok.createMap<string, number>({ mapId: "m" });
      await reloaded.hamok.join({ transport: hub.transport() });
      await eventually(() => map.size === 30, 5000, "catching up");
      await eventually(() => peers[leader]!.hamok.raft.voters.includes(peerId), 5000, "re-added as a voter");
      expect(Object.fromEntries([...map.entries()].filter(([key]) => key in before))).toEqual(before);
      // No snapshot was needed: the leader appended after what the reloaded peer already had.
      expect(reloaded.logs.stats().snapshotIndex).toBe(0);
      expect(reloaded.logs.stats().lastIndex).toBeGreaterThan(lastStored);
    },
  );
});
