import { afterEach, describe, expect, it } from "vitest";
import { isHamokError } from "../../src/errors";
import type { Hamok } from "../../src/hamok";
import type { HamokEvents } from "../../src/runtime/peer/events";
import { closeAll, eventually, joinAll, leaderOf, makePeers } from "./helpers";

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

function record(peer: Hamok): Map<keyof HamokEvents, unknown[][]> {
  const seen = new Map<keyof HamokEvents, unknown[][]>();
  const names: (keyof HamokEvents)[] = [
    "started",
    "stopped",
    "follower",
    "candidate",
    "leader",
    "joined",
    "rejoining",
    "left",
    "message",
    "remote-peer-joined",
    "remote-peer-left",
    "leader-changed",
    "state-changed",
    "commit",
    "heartbeat",
    "error",
    "no-heartbeat-from",
    "close",
  ];
  for (const name of names) {
    peer.on(name, (...args: unknown[]) => {
      const list = seen.get(name) ?? [];
      list.push(args);
      seen.set(name, list);
    });
  }
  return seen;
}

describe("a three-peer cluster on the hub", () => {
  it("elects exactly one leader that every peer knows, with leader-changed on each", async () => {
    const made = makePeers(3);
    peers = made.peers;
    const leaderChanges = peers.map(() => [] as (string | undefined)[]);
    peers.forEach((p, i) => {
      p.on("leader-changed", (id) => leaderChanges[i]!.push(id));
    });
    await joinAll(made.hub, peers);
    const leader = leaderOf(peers);
    await eventually(() => peers.every((p) => p.raft.leaderId === leader.localPeerId));
    for (const changes of leaderChanges) expect(changes.at(-1)).toBe(leader.localPeerId);
    await eventually(() => peers.every((p) => p.raft.voters.length === 3), 5000, "three voters");
    expect(new Set(peers.map((p) => p.raft.clusterId)).size).toBe(1);
    expect(peers.map((p) => p.state).sort()).toEqual(["follower", "follower", "leader"]);
    for (const p of peers) {
      expect(p.remotePeerIds.size).toBe(2);
      expect(p.remotePeerIds.has(p.localPeerId)).toBe(false);
    }
  });

  it("replicates writes from any peer to every peer, in one order", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const maps = peers.map((p) => p.createMap<string, number>({ mapId: "m" }));
    await Promise.all(maps.map((m, i) => m.set("k", i)));
    await Promise.all(maps.map((m, i) => m.set(`own-${i}`, i)));
    await Promise.all(peers.map((p) => p.waitUntilCommitHead()));
    const views = maps.map((m) => JSON.stringify([...m.entries()]));
    expect(new Set(views).size).toBe(1);
    expect(maps[0]!.size).toBe(4);
    const commits = peers.map((p) => p.raft.commitIndex);
    expect(new Set(commits).size).toBe(1);
  });

  it("emits the lifecycle events and exposes the documented properties", async () => {
    const made = makePeers(3, { appData: { team: "blue" } });
    peers = made.peers;
    const logs = peers.map(record);
    await joinAll(made.hub, peers);
    await eventually(() => peers.every((p) => p.raft.voters.length === 3));
    const leaderIndex = peers.findIndex((p) => p.leader);
    const leaderLog = logs[leaderIndex]!;
    for (const log of logs) {
      expect(log.get("started")).toHaveLength(1);
      expect(log.get("joined")).toHaveLength(1);
      expect(log.get("message")?.length).toBeGreaterThan(0);
      expect(log.get("commit")?.length).toBeGreaterThan(0);
      expect(log.get("state-changed")?.length).toBeGreaterThan(0);
    }
    expect(leaderLog.get("leader")).toHaveLength(1);
    logs.forEach((log, i) => {
      if (i !== leaderIndex) expect(log.get("follower")?.length).toBeGreaterThan(0);
    });
    for (const log of logs) expect(log.get("state-changed")?.[0]?.[1]).toBe("idle");
    await eventually(() => logs.every((l) => (l.get("heartbeat")?.length ?? 0) > 2), 2000, "heartbeats");
    const followerIndex = peers.findIndex((p) => !p.leader);
    expect(logs[followerIndex]!.get("remote-peer-joined")?.length).toBe(2);
    expect(peers[0]!.appData).toEqual({ team: "blue" });
    expect(peers[0]!.config.peerId).toBe("p1");
    expect(peers[0]!.localPeerId).toBe("p1");
    expect(peers.every((p) => p.run)).toBe(true);
    await expect(peers[0]!.ready).resolves.toBeUndefined();
    const stats = peers[leaderIndex]!.stats;
    expect(stats.sentMessages).toBeGreaterThan(0);
    expect(stats.raftLogs.lastIndex).toBe(peers[leaderIndex]!.raft.lastIndex);

    // A silent follower: the leader reports it, stop()/start() emit their events.
    const silent = peers[followerIndex]!;
    silent.stop();
    expect(silent.run).toBe(false);
    expect(logs[followerIndex]!.get("stopped")).toHaveLength(1);
    await eventually(() => (leaderLog.get("no-heartbeat-from") ?? []).some(([id]) => id === silent.localPeerId));
    silent.start();
    expect(logs[followerIndex]!.get("started")).toHaveLength(2);
  });

  it("waitUntilLeader resolves on a joined peer and rejects Timeout on a lone idle one", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers.slice(0, 2));
    await expect(peers[0]!.waitUntilLeader()).resolves.toBeUndefined();
    await expect(peers[2]!.waitUntilLeader(50)).rejects.toSatisfy((e) => isHamokError(e, "Timeout"));
    expect(peers[2]!.state).toBe("idle");
    expect(() => peers[2]!.start()).toThrow(expect.objectContaining({ code: "NotMember" }));
  });

  it("fetchRemotePeers lists the peers that answer", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const found = await peers[0]!.fetchRemotePeers(200);
    expect([...found.remotePeers].sort()).toEqual(["p2", "p3"]);
    expect(found.clusterId).toBe(peers[0]!.raft.clusterId);
    expect(found.leaderId).toBe(leaderOf(peers).localPeerId);
  });

  it("removeRemotePeerId on the leader removes that peer from the configuration", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    await eventually(() => peers.every((p) => p.raft.voters.length === 3));
    const leader = leaderOf(peers);
    const victim = peers.find((p) => p !== leader)!;
    const left: string[] = [];
    leader.on("remote-peer-left", (id) => left.push(id));
    // The peer is gone (it would otherwise ask to be added back, as a live peer should).
    victim.stop();
    leader.removeRemotePeerId(victim.localPeerId);
    await eventually(() => left.includes(victim.localPeerId));
    expect(leader.raft.voters).not.toContain(victim.localPeerId);
    expect(leader.remotePeerIds.has(victim.localPeerId)).toBe(false);
  });
});
