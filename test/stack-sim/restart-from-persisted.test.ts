import { describe, expect, it } from "vitest";
import { isHamokError } from "../../src/errors";
import { Hamok } from "../../src/hamok";
import type { Entry } from "../../src/raft/types";
import { MemoryRaftLogs } from "../../src/storage/memory-raft-logs";
import { closeAll, eventually, FAST, makePeers } from "../hamok/helpers";

const entry = (index: number, term = 1): Entry => ({ index, term, type: "normal", data: index });

describe("restarting a Node peer from its persisted state (MemoryRaftLogs.reopen)", () => {
  it("reopen() hands over everything saved, also after close(), and fences the old handle", async () => {
    const logs = new MemoryRaftLogs();
    await logs.save({ entries: [entry(1), entry(2)], hardState: { term: 3, vote: "a", commit: 2 }, meta: { k: 1 } });
    await logs.close();
    await expect(logs.load()).rejects.toSatisfy((e) => isHamokError(e, "Closed"));
    const reopened = logs.reopen();
    expect(await reopened.load()).toEqual({
      hardState: { term: 3, vote: "a", commit: 2 },
      entries: [entry(1), entry(2)],
      meta: { k: 1 },
    });
    // A crashed instance that still holds a handle cannot write behind the new one's back.
    const again = reopened.reopen();
    await expect(reopened.save({ entries: [entry(3)] })).rejects.toSatisfy((e) => isHamokError(e, "Closed"));
    await again.save({ entries: [entry(3)] });
    expect(again.stats().lastIndex).toBe(3);
  });

  it("a closed single peer restarts over reopen() with its data, term and cluster", async () => {
    const logs = new MemoryRaftLogs();
    const first = new Hamok({ ...FAST, peerId: "solo", seed: 1, raftLogs: logs });
    await first.join({ fetchRemotePeerTimeoutInMs: 50, maxRetry: 0 });
    await first.createMap<string, number>({ mapId: "m" }).set("a", 1);
    const { term, clusterId } = first.raft;
    await first.close();

    // Reusing the closed handle is refused (the behaviour reopen() exists for).
    const stale = new Hamok({ ...FAST, peerId: "solo", seed: 1, raftLogs: logs });
    await expect(stale.join({ fetchRemotePeerTimeoutInMs: 50, maxRetry: 0 })).rejects.toSatisfy((e) =>
      isHamokError(e, "Closed"),
    );
    await stale.close();

    const second = new Hamok({ ...FAST, peerId: "solo", seed: 2, raftLogs: logs.reopen() });
    const map = second.createMap<string, number>({ mapId: "m" });
    await second.join({ fetchRemotePeerTimeoutInMs: 50, maxRetry: 0 });
    expect(map.get("a")).toBe(1);
    expect(second.raft.clusterId).toBe(clusterId);
    expect(second.raft.term).toBeGreaterThanOrEqual(term);
    await map.set("b", 2);
    await second.close();
  });

  it("a crashed follower of three restarts from its own log and catches up on what it missed", async () => {
    const raftLogs = [new MemoryRaftLogs(), new MemoryRaftLogs(), new MemoryRaftLogs()];
    const { hub } = makePeers(0);
    const cluster = raftLogs.map((logs, i) => new Hamok({ ...FAST, peerId: `p${i + 1}`, seed: i + 1, raftLogs: logs }));
    await Promise.all(cluster.map((p) => p.join({ transport: hub.transport() })));
    const maps = cluster.map((p) => p.createMap<string, number>({ mapId: "m" }));
    const leader = cluster.findIndex((p) => p.leader);
    const victim = (leader + 1) % 3;
    await maps[leader]!.set("before", 1);
    await eventually(() => maps[victim]!.get("before") === 1, 5000, "the write reached the victim");

    // The crash: the victim stops and never says goodbye; the rest goes on writing.
    cluster[victim]!.stop();
    await maps[leader]!.set("during", 2);
    await cluster[victim]!.close();

    const restarted = new Hamok({ ...FAST, peerId: `p${victim + 1}`, seed: 9, raftLogs: raftLogs[victim]!.reopen() });
    const map = restarted.createMap<string, number>({ mapId: "m" });
    await restarted.join({ transport: hub.transport() });
    await restarted.sync();
    expect(map.get("before")).toBe(1);
    expect(map.get("during")).toBe(2);
    expect(restarted.raft.clusterId).toBe(cluster[leader]!.raft.clusterId);
    await closeAll([...cluster.filter((_, i) => i !== victim), restarted]);
  });
});
