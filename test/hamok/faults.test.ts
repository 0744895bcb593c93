import { afterEach, describe, expect, it } from "vitest";
import { isHamokError } from "../../src/errors";
import type { Hamok } from "../../src/hamok";
import { closeAll, eventually, joinAll, leaderOf, makePeers } from "./helpers";

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

const items = (queueOwner: Hamok) => [...queueOwner.getOrCreateQueue<number>({ queueId: "q" })];

/** Every resolved push is in the queue exactly once, on every listed peer, in one order. */
function expectExactlyOnce(resolved: readonly number[], holders: readonly Hamok[]): void {
  const views = holders.map(items);
  for (const view of views) {
    expect(view).toEqual(views[0]);
    expect(new Set(view).size).toBe(view.length);
    for (const item of resolved) expect(view).toContain(item);
  }
}

describe("faults", () => {
  it("a leader crash mid-write loses no resolved write and applies none twice", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const leader = leaderOf(peers);
    const followers = peers.filter((p) => p !== leader);
    const queue = followers[0]!.createQueue<number>({ queueId: "q" });
    const resolved: number[] = [];
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      pending.push(queue.push(i).then(() => void resolved.push(i)));
      if (i === 100) {
        // The crash: the leader goes silent without a word.
        made.hub.partition([leader.localPeerId]);
        leader.stop();
      }
      if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const outcomes = await Promise.allSettled(pending);
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") expect(isHamokError(outcome.reason, "Timeout")).toBe(true);
    }
    await eventually(() => followers.some((p) => p.leader));
    await Promise.all(followers.map((p) => p.waitUntilCommitHead()));
    expect(resolved.length).toBeGreaterThan(100);
    expectExactlyOnce(resolved, followers);
  });

  it("duplicated messages never apply a request twice (dedup by source and request id)", async () => {
    const made = makePeers(3, {}, { duplicateRate: 1 });
    peers = made.peers;
    await joinAll(made.hub, peers);
    const follower = peers.find((p) => !p.leader)!;
    const queue = follower.createQueue<number>({ queueId: "q" });
    const values = Array.from({ length: 50 }, (_, i) => i);
    await Promise.all(values.map((v) => queue.push(v)));
    await Promise.all(peers.map((p) => p.waitUntilCommitHead()));
    expectExactlyOnce(values, peers);
    expect(items(peers[0]!)).toHaveLength(50);
  });

  it("over a lossy, duplicating, reordering hub every write resolves and applies exactly once", async () => {
    const made = makePeers(3, { requestTimeoutInMs: 10_000 }, { seed: 5 });
    peers = made.peers;
    await joinAll(made.hub, peers);
    made.hub.setFaults({ dropRate: 0.05, duplicateRate: 0.05, maxDelayInMs: 3 });
    const queues = peers.map((p) => p.createQueue<number>({ queueId: "q" }));
    const values = peers.flatMap((_, i) => Array.from({ length: 30 }, (_, j) => i * 100 + j));
    await Promise.all(values.map((v) => queues[Math.floor(v / 100)]!.push(v)));
    made.hub.setFaults({ dropRate: 0, duplicateRate: 0, maxDelayInMs: 0 });
    await Promise.all(peers.map((p) => p.waitUntilCommitHead()));
    expectExactlyOnce(values, peers);
    expect(items(peers[0]!)).toHaveLength(values.length);
  });

  it("a partitioned leader is replaced; after healing every resolved write is there once", async () => {
    const made = makePeers(3, { requestTimeoutInMs: 500 });
    peers = made.peers;
    await joinAll(made.hub, peers);
    const oldLeader = leaderOf(peers);
    const majority = peers.filter((p) => p !== oldLeader);
    const queues = peers.map((p) => p.createQueue<number>({ queueId: "q" }));
    await queues[0]!.push(-1);
    made.hub.partition([oldLeader.localPeerId]);
    const resolved: number[] = [-1];
    const writes = queues.map((queue, i) =>
      queue.push(i).then(
        () => void resolved.push(i),
        (error: unknown) => expect(isHamokError(error)).toBe(true),
      ),
    );
    await eventually(() => majority.some((p) => p.leader), 5000, "new leader");
    await Promise.allSettled(writes);
    made.hub.heal();
    await eventually(() => oldLeader.raft.leaderId !== oldLeader.localPeerId && !oldLeader.leader, 5000, "step down");
    await Promise.all(peers.map((p) => p.waitUntilCommitHead()));
    expect(resolved).toContain(majority.map((p) => peers.indexOf(p))[0]);
    expectExactlyOnce(resolved, peers);
  });

  it("leave() hands leadership over, removes the peer and emits left", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    await eventually(() => peers.every((p) => p.raft.voters.length === 3));
    const leader = leaderOf(peers);
    const rest = peers.filter((p) => p !== leader);
    const events: string[] = [];
    leader.on("left", () => events.push("left"));
    leader.on("stopped", () => events.push("stopped"));
    const departures: string[] = [];
    rest[0]!.on("remote-peer-left", (id) => departures.push(id));
    await leader.leave();
    expect(events).toEqual(["stopped", "left"]);
    expect(leader.run).toBe(false);
    await eventually(() => rest.some((p) => p.leader));
    await eventually(() => rest.every((p) => !p.raft.voters.includes(leader.localPeerId)));
    expect(departures).toContain(leader.localPeerId);
    const map = rest[1]!.createMap<string, number>({ mapId: "after" });
    await map.set("still", 1);
    await expect(leader.join()).rejects.toSatisfy((e) => isHamokError(e, "JoinFailed"));
  });

  it("a stopped leader is replaced after an election (candidate and leader events)", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const leader = leaderOf(peers);
    const rest = peers.filter((p) => p !== leader);
    const candidates: string[] = [];
    for (const p of rest) p.on("candidate", () => candidates.push(p.localPeerId));
    leader.stop();
    await eventually(() => rest.some((p) => p.leader), 5000, "new leader");
    expect(candidates.length).toBeGreaterThan(0);
  });

  it("close() rejects pending requests with Closed and later calls with Closed", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const follower = peers.find((p) => !p.leader)!;
    const map = follower.createMap<string, number>({ mapId: "m" });
    made.hub.partition([follower.localPeerId]);
    const pending = map.set("a", 1);
    const barrier = follower.sync();
    const closeEvents: string[] = [];
    follower.on("close", () => closeEvents.push("close"));
    await follower.close();
    await expect(pending).rejects.toSatisfy((e) => isHamokError(e, "Closed"));
    await expect(barrier).rejects.toSatisfy((e) => isHamokError(e, "Closed"));
    expect(closeEvents).toEqual(["close"]);
    expect(follower.closed).toBe(true);
    expect(map.closed).toBe(true);
    await expect(follower.submit({ storageId: "m", storageType: "map", op: "clear" })).rejects.toSatisfy((e) =>
      isHamokError(e, "Closed"),
    );
    expect(() => follower.createMap({ mapId: "x" })).toThrow(expect.objectContaining({ code: "Closed" }));
    await expect(follower.leave()).rejects.toSatisfy((e) => isHamokError(e, "Closed"));
    await expect(follower.close()).resolves.toBeUndefined();
  });
});
