import { afterEach, describe, expect, it } from "vitest";
import { HamokError } from "../../src/errors.js";
import type { Hamok } from "../../src/hamok.js";
import { closeAll, eventually, joinAll, leaderOf, makePeers } from "./helpers.js";

/*
 * The `indeterminate` contract of every rejection: false only when the request
 * is known never to apply (refused before it was appended anywhere, or never
 * sent); true whenever it may still apply (timeout, close with the request
 * forwarded or appended).
 */

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

async function rejection(promise: Promise<unknown>): Promise<HamokError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof HamokError)) throw new Error(`expected a HamokError, got ${String(outcome)}`);
  return outcome;
}

describe("indeterminate rejections (error.indeterminate)", () => {
  it("close() rejects a write forwarded to the leader as indeterminate, and the write applies", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const leader = leaderOf(peers);
    const follower = peers.find((p) => p !== leader)!;
    const map = follower.createMap<string, number>({ mapId: "m" });
    for (const p of peers) if (p !== follower) p.createMap<string, number>({ mapId: "m" });
    // Slow network: the follower closes once the leader appended its write, before anyone acknowledged it.
    made.hub.setFaults({ minDelayInMs: 30, maxDelayInMs: 40 });
    const appendedBefore = leader.raft.lastIndex;
    const write = map.set("k", 1);
    await eventually(() => leader.raft.lastIndex > appendedBefore, 5000, "the leader to append the forward");
    expect(follower.getOrCreateMap<string, number>({ mapId: "m" }).get("k")).toBeUndefined();
    await follower.close();
    const error = await rejection(write);
    expect(error).toMatchObject({ code: "Closed", indeterminate: true });
    const others = peers.filter((p) => p !== follower);
    await eventually(() => others.every((p) => p.getOrCreateMap<string, number>({ mapId: "m" }).get("k") === 1));
  });

  it("close() rejects a write the leader appended and sent as indeterminate, and the write applies", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const leader = leaderOf(peers);
    for (const p of peers) p.createMap<string, number>({ mapId: "m" });
    made.hub.setFaults({ minDelayInMs: 30, maxDelayInMs: 40 });
    const write = leader.getOrCreateMap<string, number>({ mapId: "m" }).set("k", 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await leader.close();
    const error = await rejection(write);
    expect(error).toMatchObject({ code: "Closed", indeterminate: true });
    made.hub.setFaults({ minDelayInMs: 0, maxDelayInMs: 0 });
    const others = peers.filter((p) => p !== leader);
    await eventually(() => others.some((p) => p.leader));
    await eventually(() => others.every((p) => p.getOrCreateMap<string, number>({ mapId: "m" }).get("k") === 1));
  });

  it("close() rejects a write never sent anywhere (no leader known) with indeterminate false", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const leader = leaderOf(peers);
    const follower = peers.find((p) => p !== leader)!;
    made.hub.partition([follower.localPeerId]);
    await eventually(() => follower.raft.leaderId === undefined, 5000, "the follower to lose its leader");
    const write = follower.createMap<string, number>({ mapId: "m" }).set("k", 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await follower.close();
    const error = await rejection(write);
    expect(error).toMatchObject({ code: "Closed", indeterminate: false });
  });

  it("a read barrier that times out rejects Timeout, indeterminate", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const leader = leaderOf(peers);
    const follower = peers.find((p) => p !== leader)!;
    // The follower still takes `leader` for leader, but nothing it sends arrives.
    made.hub.setFaults({ dropRate: 1 });
    const error = await rejection(follower.sync(100));
    expect(error).toMatchObject({ code: "Timeout", indeterminate: true });
  });
});

describe("indeterminate waits", () => {
  it("a leadership transfer that does not finish in time rejects Timeout, indeterminate (it may still finish)", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const leader = leaderOf(peers);
    const target = peers.find((p) => p !== leader)!;
    made.hub.partition([target.localPeerId]);
    const error = await rejection(leader.transferLeadership(target.localPeerId));
    expect(error).toMatchObject({ code: "Timeout", indeterminate: true });
  });
});

describe("requests under message loss", () => {
  it("sync() and writes from a follower complete, once each, over a hub that loses 15% of messages", async () => {
    const made = makePeers(3, { requestTimeoutInMs: 20_000 }, { seed: 11 });
    peers = made.peers;
    await joinAll(made.hub, peers);
    const leader = leaderOf(peers);
    const follower = peers.find((p) => p !== leader)!;
    const maps = peers.map((p) => p.createMap<string, number>({ mapId: "m" }));
    const map = maps[peers.indexOf(follower)]!;
    made.hub.setFaults({ dropRate: 0.15 });
    for (let round = 0; round < 20; round++) {
      await map.set(`k${round}`, round);
      // A linearizable read after the write: sync() sees it.
      await follower.sync();
      expect(map.get(`k${round}`)).toBe(round);
      await leader.sync();
    }
    const reads = await Promise.allSettled(Array.from({ length: 30 }, () => follower.sync()));
    expect(reads.filter((r) => r.status === "rejected")).toEqual([]);
    made.hub.setFaults({ dropRate: 0 });
    await Promise.all(peers.map((p) => p.waitUntilCommitHead()));
    const expected = new Map(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    for (const m of maps) expect(new Map(m.entries())).toEqual(expected);
  });
});
