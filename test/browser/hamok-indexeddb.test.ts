import { afterEach, describe, expect, it } from "vitest";
import { Hamok } from "../../src/hamok";
import { createIndexedDbRaftLogs, listIndexedDbRaftLogs } from "../../src/storage/indexeddb";
import { MemoryHub } from "../../src/transport/memory-hub";
import { closeAll, eventually, FAST } from "../hamok/helpers";
import { cleanUp, uniqueRoom } from "./helpers";

const IDS = ["p1", "p2", "p3"];
let running: Hamok[] = [];

afterEach(async () => {
  await closeAll(running);
  running = [];
});

function startCluster(room: string, seedBase: number) {
  const hub = new MemoryHub({ cloneMessages: true });
  return IDS.map((peerId, i) => {
    const logs = createIndexedDbRaftLogs({ room, peerId });
    const hamok = new Hamok({ ...FAST, peerId, seed: seedBase + i, raftLogs: logs });
    running.push(hamok);
    return { hamok, logs, hub, map: hamok.createMap<string, number>({ mapId: "m" }) };
  });
}

describe("Hamok over real IndexedDB in Chromium", () => {
  it("a cluster whose every peer closed comes back with its data", async () => {
    const room = uniqueRoom("cluster");
    try {
      const first = startCluster(room, 1);
      await Promise.all(first.map(({ hamok, hub }) => hamok.join({ transport: hub.transport() })));
      for (let i = 0; i < 20; i++) await first[i % 3]!.map.set(`k${i % 8}`, i);
      await eventually(() => first.every(({ map }) => map.get("k3") === 19), 5000, "replication");
      // Freeze every peer first, so no one sees the others leave and removes them from the configuration.
      for (const { hamok } of first) hamok.stop();
      await closeAll(first.map(({ hamok }) => hamok));
      running = [];

      const second = startCluster(room, 11);
      await Promise.all(second.map(({ hamok, hub }) => hamok.join({ transport: hub.transport() })));
      await eventually(() => second.every(({ map }) => map.size === 8 && map.get("k3") === 19), 5000, "restored");
      expect(second.every(({ logs }) => logs.stats().snapshotIndex === 0 && logs.stats().lastIndex >= 20)).toBe(true);
      await second[1]!.map.set("after", 1);
      await eventually(() => second.every(({ map }) => map.get("after") === 1), 5000, "a write after reopening");
    } finally {
      await closeAll(running);
      running = [];
      await cleanUp(room, IDS);
    }
  });

  it("persistence: { type: 'indexeddb' } loads its store when the peer joins, and a restarted peer gets its data back", async () => {
    const room = uniqueRoom("option");
    const persistence = { type: "indexeddb", room } as const;
    try {
      const hub = new MemoryHub({ cloneMessages: true });
      const first = new Hamok({ ...FAST, peerId: "p1", seed: 1, persistence });
      running.push(first);
      // The IndexedDB code is a chunk of its own: nothing is opened before join().
      expect(await listIndexedDbRaftLogs({ room })).toEqual([]);
      await first.join({ transport: hub.transport(), maxRetry: 0, fetchRemotePeerTimeoutInMs: 20 });
      expect((await listIndexedDbRaftLogs({ room }))?.map((database) => database.peerId)).toEqual(["p1"]);
      await first.createMap<string, number>({ mapId: "m" }).set("kept", 7);
      expect(first.stats.raftLogs.lastIndex).toBeGreaterThan(0);
      await closeAll([first]);
      running = [];

      const again = new Hamok({ ...FAST, peerId: "p1", seed: 2, persistence });
      running.push(again);
      await again.join({ transport: new MemoryHub().transport() });
      await again.waitUntilCommitHead();
      expect(again.createMap<string, number>({ mapId: "m" }).get("kept")).toBe(7);
    } finally {
      await closeAll(running);
      running = [];
      await cleanUp(room, ["p1"]);
    }
  });
});
