import { afterEach, describe, expect, it } from "vitest";
import { isHamokError } from "../../src/errors";
import { Hamok } from "../../src/hamok";
import { resolveConfig, tickPlan } from "../../src/runtime/peer/config";
import { MemoryRaftLogs } from "../../src/storage/memory-raft-logs";
import type { RaftLogs } from "../../src/storage/raft-logs";
import { closeAll, eventually, FAST, joinAll, leaderOf, makePeers } from "./helpers";

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

/** Durable storage in a test: survives the Hamok that used it (close() is a no-op). */
function durable(logs = new MemoryRaftLogs()): RaftLogs {
  return { load: () => logs.load(), save: (b) => logs.save(b), stats: () => logs.stats(), close: async () => {} };
}

const writes = async (peer: Hamok, mapId: string, count: number) => {
  const map = peer.createMap<string, number>({ mapId });
  for (let i = 0; i < count; i++) await map.set(`k${i}`, i);
  return map;
};

describe("configuration", () => {
  it("defaults: a UUID v4 peer id and the documented values", () => {
    const config = resolveConfig();
    expect(config.peerId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(config).toMatchObject({
      electionTimeoutInMs: 3000,
      followerMaxIdleInMs: 1000,
      heartbeatInMs: 100,
      onlyFollower: false,
      logEntriesExpirationTimeInMs: 0,
      autoStopOnNoRemotePeers: false,
      appData: {},
      maxVoters: 5,
      snapshotThresholdEntries: 10_000,
      requestTimeoutInMs: 5000,
      maxUncommittedEntries: 10_000,
      maxMessageBytes: 1024 * 1024,
      removeUnreachableAfterMs: 0,
    });
    expect(config.raftLogs).toBeInstanceOf(MemoryRaftLogs);
    expect(Number.isInteger(config.seed)).toBe(true);
    expect(resolveConfig({ seed: 42 }).seed).toBe(42);
  });

  it("heartbeatInMs is the tick; election timeouts fall in [followerMaxIdleInMs / 2, followerMaxIdleInMs)", () => {
    expect(tickPlan(resolveConfig())).toEqual({
      tickInMs: 100,
      heartbeatTicks: 1,
      electionTicks: 5,
      removeUnreachableAfterTicks: 0,
    });
    expect(
      tickPlan(resolveConfig({ heartbeatInMs: 50, followerMaxIdleInMs: 400, removeUnreachableAfterMs: 120 })),
    ).toEqual({ tickInMs: 50, heartbeatTicks: 1, electionTicks: 4, removeUnreachableAfterTicks: 3 });
  });

  it.each([
    [{ peerId: "" }],
    [{ heartbeatInMs: 0 }],
    [{ followerMaxIdleInMs: 150, heartbeatInMs: 100 }],
    [{ maxVoters: 0 }],
    [{ maxMessageBytes: 10 }],
    [{ logEntriesExpirationTimeInMs: -1 }],
    [{ requestTimeoutInMs: Number.NaN }],
  ])("refuses %j with InvalidArgument", (config) => {
    expect(() => new Hamok(config)).toThrow(expect.objectContaining({ code: "InvalidArgument" }));
  });
});

describe("options in effect", () => {
  it("electionTimeoutInMs: waitUntilLeader's default, and how long a joined peer waits leaderless before rejoining", async () => {
    const lone = new Hamok({ ...FAST, electionTimeoutInMs: 40 });
    const made = makePeers(3, { electionTimeoutInMs: 150 });
    peers = [lone, ...made.peers];
    await expect(lone.waitUntilLeader()).rejects.toSatisfy((e) => isHamokError(e, "Timeout"));
    await joinAll(made.hub, made.peers);
    const follower = made.peers.find((p) => !p.leader)!;
    const others = made.peers.filter((p) => p !== follower).map((p) => p.localPeerId);
    const events: string[] = [];
    follower.on("rejoining", () => events.push("rejoining"));
    follower.on("joined", () => events.push("joined"));
    // Cut off, the follower campaigns (PreVote keeps its term) and never hears a leader.
    made.hub.partition([follower.localPeerId], others);
    await eventually(() => events.includes("rejoining"), 5000, "rejoining");
    made.hub.heal();
    await eventually(() => events.at(-1) === "joined", 5000, "joined again");
  });

  it("onlyFollower: joins as a learner, is never promoted and never leads; cannot bootstrap alone", async () => {
    const made = makePeers(3);
    const watcher = new Hamok({ ...FAST, peerId: "watcher", onlyFollower: true });
    peers = [...made.peers, watcher];
    await joinAll(made.hub, made.peers);
    await watcher.join({ transport: made.hub.transport() });
    await writes(made.peers[0]!, "m", 5);
    await eventually(() => made.peers.every((p) => p.raft.learners.includes("watcher")));
    expect(watcher.raft.voters).not.toContain("watcher");
    const leader = leaderOf(made.peers);
    leader.stop();
    await eventually(() => made.peers.some((p) => p !== leader && p.leader), 3000, "new leader");
    expect(watcher.leader).toBe(false);
    expect(watcher.raft.learners).toContain("watcher");
    const solo = new Hamok({ ...FAST, onlyFollower: true });
    peers.push(solo);
    await expect(solo.join({ maxRetry: 0, fetchRemotePeerTimeoutInMs: 20 })).rejects.toSatisfy((e) =>
      isHamokError(e, "JoinFailed"),
    );
  });

  it("maxVoters: the leader promotes learners only up to the limit", async () => {
    const made = makePeers(3, { maxVoters: 2 });
    peers = made.peers;
    await joinAll(made.hub, peers);
    await writes(peers[0]!, "m", 3);
    await eventually(() => peers.every((p) => p.raft.voters.length === 2 && p.raft.learners.length === 1));
  });

  it("snapshotThresholdEntries: a snapshot is taken and the log compacted (logEntriesExpirationTimeInMs 0)", async () => {
    const made = makePeers(3, { snapshotThresholdEntries: 4 });
    peers = made.peers;
    await joinAll(made.hub, peers);
    await writes(peers[1]!, "m", 12);
    await eventually(() => peers.every((p) => p.raft.snapshotIndex > 0 && p.stats.snapshots > 0));
    const leader = leaderOf(peers);
    expect(leader.stats.raftLogs.firstIndex).toBe(leader.raft.snapshotIndex + 1);
  });

  it("logEntriesExpirationTimeInMs: covered entries stay until the snapshot is that old", async () => {
    const made = makePeers(1, { snapshotThresholdEntries: 4, logEntriesExpirationTimeInMs: 300 });
    peers = made.peers;
    await joinAll(made.hub, peers);
    const [peer] = peers;
    await writes(peer!, "m", 10);
    expect(peer!.raft.snapshotIndex).toBe(0);
    expect(peer!.stats.raftLogs.firstIndex).toBe(1);
    await eventually(() => peer!.raft.snapshotIndex > 0, 3000, "compaction after expiry");
    expect(peer!.stats.raftLogs.firstIndex).toBeGreaterThan(1);
  });

  it("raftLogs: state is persisted there and a restarted peer recovers its cluster and data", async () => {
    const storage = durable();
    const first = new Hamok({ ...FAST, peerId: "r1", raftLogs: storage });
    peers = [first];
    await first.join({ maxRetry: 0, fetchRemotePeerTimeoutInMs: 20 });
    await writes(first, "kept", 3);
    const clusterId = first.raft.clusterId;
    expect(storage.stats().lastIndex).toBeGreaterThan(0);
    await first.close();
    const again = new Hamok({ ...FAST, peerId: "r1", raftLogs: storage });
    peers = [again];
    await again.join();
    expect(again.raft.clusterId).toBe(clusterId);
    await eventually(() => again.leader);
    const map = again.createMap<string, number>({ mapId: "kept" });
    await again.waitUntilCommitHead();
    expect(map.get("k2")).toBe(2);
  });

  it("raftLogs: a restarted member rejoins its cluster from its own log and catches up", async () => {
    const storages = [durable(), durable(), durable()];
    const made = makePeers(3);
    const configured = made.peers.map((p, i) => new Hamok({ ...FAST, peerId: p.localPeerId, raftLogs: storages[i]! }));
    peers = configured;
    await joinAll(made.hub, configured);
    const restarting = configured.find((p) => !p.leader)!;
    const index = configured.indexOf(restarting);
    await writes(configured[(index + 1) % 3]!, "m", 3);
    await restarting.waitUntilCommitHead();
    await restarting.close();
    await writes(configured[(index + 1) % 3]!, "m2", 3);
    const again = new Hamok({ ...FAST, peerId: restarting.localPeerId, raftLogs: storages[index]! });
    peers = [...configured.filter((p) => p !== restarting), again];
    await again.join({ transport: made.hub.transport() });
    expect(again.raft.clusterId).toBe(configured[(index + 1) % 3]!.raft.clusterId);
    await again.waitUntilCommitHead();
    expect(again.createMap<string, number>({ mapId: "m2" }).get("k2")).toBe(2);
    expect(again.createMap<string, number>({ mapId: "m" }).get("k0")).toBe(0);
  });

  it("autoStopOnNoRemotePeers: stops once the last other member is gone", async () => {
    const made = makePeers(2, { autoStopOnNoRemotePeers: true, maxVoters: 1 });
    peers = made.peers;
    const [keeper, goer] = peers;
    await keeper!.join({ transport: made.hub.transport() });
    await goer!.join({ transport: made.hub.transport() });
    await eventually(() => keeper!.remotePeerIds.has("p2"));
    const stopped: string[] = [];
    keeper!.on("stopped", () => stopped.push("stopped"));
    await goer!.close();
    await eventually(() => stopped.length === 1, 3000, "auto stop");
    expect(keeper!.run).toBe(false);
  });

  it("requestTimeoutInMs: a write that cannot commit rejects Timeout, marked indeterminate", async () => {
    const made = makePeers(3, { requestTimeoutInMs: 100 });
    peers = made.peers;
    await joinAll(made.hub, peers);
    const follower = peers.find((p) => !p.leader)!;
    const map = follower.createMap<string, number>({ mapId: "m" });
    made.hub.partition([follower.localPeerId]);
    const error = await map.set("a", 1).catch((e: unknown) => e);
    expect(isHamokError(error, "Timeout")).toBe(true);
    expect((error as { indeterminate: boolean }).indeterminate).toBe(true);
  });

  it("maxUncommittedEntries: the leader refuses beyond the cap with TooManyProposals", async () => {
    const made = makePeers(3, { maxUncommittedEntries: 1, requestTimeoutInMs: 300 });
    peers = made.peers;
    await joinAll(made.hub, peers);
    const leader = leaderOf(peers);
    const map = leader.createMap<string, number>({ mapId: "m" });
    made.hub.partition([leader.localPeerId]);
    const first = map.set("a", 1).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 0));
    await expect(map.set("b", 2)).rejects.toSatisfy((e) => isHamokError(e, "TooManyProposals"));
    await first;
  });

  it("maxMessageBytes: a command too large for a receiver is refused with PayloadTooLarge", async () => {
    const made = makePeers(1, { maxMessageBytes: 4096 });
    peers = made.peers;
    await joinAll(made.hub, peers);
    const map = peers[0]!.createMap<string, string>({ mapId: "m" });
    await expect(map.set("big", "x".repeat(5000))).rejects.toSatisfy((e) => isHamokError(e, "PayloadTooLarge"));
    await map.set("small", "ok");
  });

  it("removeUnreachableAfterMs: the leader removes a member silent for that long", async () => {
    const made = makePeers(3, { removeUnreachableAfterMs: 100 });
    peers = made.peers;
    await joinAll(made.hub, peers);
    await eventually(() => peers.every((p) => p.raft.voters.length === 3));
    const follower = peers.find((p) => !p.leader)!;
    follower.stop();
    const leader = leaderOf(peers);
    await eventually(() => !leader.raft.voters.includes(follower.localPeerId), 3000, "removal");
    expect(leader.remotePeerIds.has(follower.localPeerId)).toBe(false);
  });
});
