import { afterEach, describe, expect, it } from "vitest";
import type { Hamok } from "../../src/hamok";
import type { MemoryHub } from "../../src/transport/memory-hub";
import { closeAll, eventually, joinAll, leaderOf, makePeers } from "../hamok/helpers";

/**
 * Issue 10: no departure pattern leaves a majority of live peers without a leader. A closing tab gets one turn
 * of `pagehide` to start its `leave()`: whatever it sends in that turn goes out, then it runs no more. These tests
 * model that with `departAfterOneTurn`: every message takes 1 ms (a macrotask) on the hub; `leave()` is called,
 * its first step runs (persistence and sends are microtasks), then, before any answer can arrive, the peer is cut
 * off and closed. What it sent is still delivered.
 */

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

async function cluster(count: number): Promise<{ hub: MemoryHub; maps: Map<Hamok, ReturnType<Hamok["createMap"]>> }> {
  const made = makePeers(count);
  peers = made.peers;
  const maps = new Map(peers.map((peer) => [peer, peer.createMap<string, number>({ mapId: "m" })] as const));
  await joinAll(made.hub, peers);
  await eventually(() => peers.every((peer) => peer.raft.voters.length === count), 5000, `${count} voters`);
  return { hub: made.hub, maps: maps as Map<Hamok, ReturnType<Hamok["createMap"]>> };
}

/** Start `leave()` on each of `leaving` in the same turn, let that turn run, then cut them off for good. */
async function departAfterOneTurn(hub: MemoryHub, leaving: readonly Hamok[]): Promise<void> {
  hub.setFaults({ minDelayInMs: 1, maxDelayInMs: 1 });
  const outcomes = leaving.map((peer) => peer.leave().catch(() => undefined));
  await new Promise((resolve) => setImmediate(resolve));
  hub.partition(leaving.map((peer) => peer.localPeerId));
  await Promise.all(leaving.map((peer) => peer.close()));
  await Promise.all(outcomes);
}

async function survivorsLeadAndWrite(survivors: readonly Hamok[], maps: Map<Hamok, ReturnType<Hamok["createMap"]>>) {
  await eventually(
    () => survivors.filter((peer) => peer.leader).length === 1 && survivors.every((p) => p.raft.leaderId !== undefined),
    5000,
    "a leader among the survivors",
  );
  const leader = leaderOf(survivors);
  for (const [index, peer] of survivors.entries()) await maps.get(peer)!.set(`after ${index}`, index);
  await eventually(() => survivors.every((peer) => maps.get(peer)!.size === survivors.length + 1), 5000, "replication");
  const departed = peers.filter((peer) => !survivors.includes(peer)).map((peer) => peer.localPeerId);
  await eventually(() => leader.raft.voters.every((id) => !departed.includes(id)), 5000, "the departed peers' removal");
}

describe("departures keep a majority of live peers led (Raft thesis §4.1 single-server removals)", () => {
  it("two voters, the leader leaves: its own removal commits and the other voter leads", async () => {
    const { hub, maps } = await cluster(2);
    const leader = leaderOf(peers);
    await maps.get(leader)!.set("before", 0);
    const survivor = peers.find((peer) => peer !== leader)!;
    await departAfterOneTurn(hub, [leader]);
    await survivorsLeadAndWrite([survivor], maps);
    expect(survivor.raft.voters).toEqual([survivor.localPeerId]);
  });

  it("two voters, the follower leaves: its removal commits without its vote and the leader writes on", async () => {
    const { hub, maps } = await cluster(2);
    const leader = leaderOf(peers);
    const follower = peers.find((peer) => peer !== leader)!;
    await maps.get(leader)!.set("before", 0);
    await departAfterOneTurn(hub, [follower]);
    await survivorsLeadAndWrite([leader], maps);
  });
});
