import { IDBFactory } from "fake-indexeddb";
import { afterEach, describe, expect, it } from "vitest";
import { Hamok } from "../../src/hamok";
import { createIndexedDbRaftLogs } from "../../src/storage/indexeddb";
import type { PersistedState, RaftLogs, RaftLogsStats, SaveBatch } from "../../src/storage/raft-logs";
import { MemoryHub } from "../../src/transport/memory-hub";
import { closeAll, eventually, FAST } from "../hamok/helpers";
import "./helpers";

type CrashPoint = "after-persist-before-send" | "after-send-before-apply";

/**
 * A peer's storage that can "kill the process" right after a save reaches the disk:
 * either before the Ready's messages go out (the save never returns) or just after
 * they went out (the crash lands on the next task, before the peer does anything else).
 */
class CrashableRaftLogs implements RaftLogs {
  armed: CrashPoint | undefined;
  constructor(
    private readonly inner: RaftLogs,
    private readonly crash: () => void,
  ) {}
  load(): Promise<PersistedState> {
    return this.inner.load();
  }
  async save(batch: SaveBatch): Promise<void> {
    await this.inner.save(batch);
    const point = this.armed;
    if (point === undefined || (batch.entries ?? []).length === 0) return;
    this.armed = undefined;
    if (point === "after-persist-before-send") {
      this.crash();
      return new Promise<void>(() => undefined);
    }
    setTimeout(this.crash, 0);
  }
  stats(): RaftLogsStats {
    return this.inner.stats();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const IDS = ["p1", "p2", "p3"];
let running: Hamok[] = [];

afterEach(async () => {
  await closeAll(running);
  running = [];
});

function startCluster(factory: IDBFactory, seedBase: number, crash: () => void) {
  const hub = new MemoryHub({ cloneMessages: true });
  const peers = IDS.map((peerId, i) => {
    const logs = new CrashableRaftLogs(createIndexedDbRaftLogs({ room: "crash", peerId, indexedDB: factory }), crash);
    const hamok = new Hamok({ ...FAST, peerId, seed: seedBase + i, raftLogs: logs });
    running.push(hamok);
    return { hamok, logs, map: hamok.createMap<string, number>({ mapId: "m" }) };
  });
  return { hub, peers };
}

describe.each<CrashPoint>(["after-persist-before-send", "after-send-before-apply"])(
  "a cluster killed %s restarts from IndexedDB",
  (point) => {
    it("keeps every acknowledged write, agrees on its committed log and accepts new writes", async () => {
      const factory = new IDBFactory();
      let crashed = false;
      const crash = () => {
        crashed = true;
        for (const { hamok } of first.peers) hamok.stop();
      };
      const first = startCluster(factory, 1, crash);
      await Promise.all(first.peers.map(({ hamok }) => hamok.join({ transport: first.hub.transport() })));
      const leader = first.peers.find(({ hamok }) => hamok.leader)!;
      const acknowledged = new Map<string, number>();
      for (let i = 0; i < 10; i++) {
        await leader.map.set(`k${i}`, i);
        acknowledged.set(`k${i}`, i);
      }
      // Kill the leader while it persists the next write; keep writing through it until then.
      leader.logs.armed = point;
      for (let i = 10; i < 30 && !crashed; i++) {
        leader.map
          .set(`k${i}`, i)
          .then(() => acknowledged.set(`k${i}`, i))
          .catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await eventually(() => crashed, 5000, "the crash");
      await closeAll(first.peers.map(({ hamok }) => hamok));
      running = [];

      const second = startCluster(factory, 11, () => undefined);
      await Promise.all(second.peers.map(({ hamok }) => hamok.join({ transport: second.hub.transport() })));
      await eventually(
        () => second.peers.every(({ map }) => [...acknowledged].every(([key, value]) => map.get(key) === value)),
        5000,
        "every acknowledged write after the restart",
      );
      const writer = second.peers.find(({ hamok }) => !hamok.leader)!;
      await writer.map.set("after-restart", 1);
      await eventually(() => second.peers.every(({ map }) => map.get("after-restart") === 1), 5000, "a new write");

      // Log Matching (Raft §5.3): every pair of logs agrees on the terms of the indices both have committed.
      const logs = await Promise.all(second.peers.map(({ logs }) => logs.load()));
      const commit = Math.min(...logs.map((state) => state.hardState.commit));
      const termsUpTo = (state: PersistedState) =>
        state.entries.filter((entry) => entry.index <= commit).map((entry) => [entry.index, entry.term]);
      expect(termsUpTo(logs[1]!)).toEqual(termsUpTo(logs[0]!));
      expect(termsUpTo(logs[2]!)).toEqual(termsUpTo(logs[0]!));
    });
  },
);
