import { afterEach, describe, expect, it } from "vitest";
import { isHamokError } from "../../src/errors";
import { Hamok } from "../../src/hamok";
import { closeAll, eventually, FAST, joinAll, leaderOf, makePeers, wireBroadcast } from "./helpers";

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

function plainPeers(count: number, prefix = "p"): Hamok[] {
  return Array.from({ length: count }, (_, i) => new Hamok({ ...FAST, peerId: `${prefix}${i + 1}`, seed: i + 11 }));
}

async function expectOneWorkingCluster(all: readonly Hamok[]): Promise<void> {
  expect(new Set(all.map((p) => p.raft.clusterId)).size).toBe(1);
  await eventually(() => all.filter((p) => p.leader).length === 1, 5000, "one leader");
  const maps = all.map((p) => p.createMap<string, string>({ mapId: "check" }));
  await maps[maps.length - 1]!.set("from-last", "ok");
  await eventually(() => maps.every((m) => m.get("from-last") === "ok"), 5000, "replication");
}

describe("join()", () => {
  it("a peer alone on the hub bootstraps at once; later peers are added and catch up", async () => {
    const made = makePeers(3);
    peers = made.peers;
    const [first, ...rest] = peers;
    await first!.join({ transport: made.hub.transport() });
    expect(first!.leader).toBe(true);
    await first!.createMap<string, number>({ mapId: "early" }).set("a", 1);
    await joinAll(made.hub, rest);
    // Caught up when join() resolves: the state written before they came is there at once.
    for (const p of rest) expect(p.createMap<string, number>({ mapId: "early" }).get("a")).toBe(1);
    await expectOneWorkingCluster(peers);
  });

  it("maxRetry 0 with nobody around bootstraps a working single-node cluster", async () => {
    const alone = new Hamok({ ...FAST, peerId: "solo" });
    peers = [alone];
    await alone.join({ maxRetry: 0, fetchRemotePeerTimeoutInMs: 30 });
    expect(alone.leader).toBe(true);
    const map = alone.createMap<string, number>({ mapId: "m" });
    await map.set("x", 0);
    expect(map.get("x")).toBe(0);
  });

  it("rejects bad join parameters", async () => {
    const alone = new Hamok({ ...FAST });
    peers = [alone];
    await expect(alone.join({ maxRetry: -2 })).rejects.toSatisfy((e) => isHamokError(e, "InvalidArgument"));
  });

  it("works with the manual's plain broadcast and Promise.all(join)", async () => {
    peers = plainPeers(3);
    wireBroadcast(peers);
    await Promise.all(peers.map((p) => p.join({ fetchRemotePeerTimeoutInMs: 300 })));
    await expectOneWorkingCluster(peers);
  });

  it("works over a lossy, duplicating, reordering broadcast", async () => {
    peers = plainPeers(3);
    wireBroadcast(peers, { seed: 3, dropRate: 0.1, duplicateRate: 0.1, maxDelayInMs: 4 });
    await Promise.all(peers.map((p) => p.join({ fetchRemotePeerTimeoutInMs: 300 })));
    await expectOneWorkingCluster(peers);
  });

  it("works when the peers were named with addRemotePeerId() first", async () => {
    peers = plainPeers(3);
    for (const p of peers) for (const q of peers) if (p !== q) p.addRemotePeerId(q.localPeerId);
    wireBroadcast(peers, { maxDelayInMs: 2 });
    await Promise.all(peers.map((p) => p.join({ fetchRemotePeerTimeoutInMs: 2000, maxRetry: 0 })));
    await expectOneWorkingCluster(peers);
  });

  it.each([1, 2, 3, 4, 5])("peers starting at the same moment never form two clusters (seed %i)", async (seed) => {
    peers = plainPeers(4, `s${seed}-`);
    wireBroadcast(peers, { seed, maxDelayInMs: 3 });
    await Promise.all(peers.map((p) => p.join({ fetchRemotePeerTimeoutInMs: 200 })));
    expect(new Set(peers.map((p) => p.raft.clusterId)).size).toBe(1);
    expect(peers.filter((p) => p.leader)).toHaveLength(1);
  });

  it("peers starting at the same moment on the hub form one cluster", async () => {
    const made = makePeers(5, {}, { seed: 9, maxDelayInMs: 3 });
    peers = made.peers;
    await joinAll(made.hub, peers);
    expect(new Set(peers.map((p) => p.raft.clusterId)).size).toBe(1);
    expect(leaderOf(peers)).toBeDefined();
  });

  it("join() is idempotent once joined, and rejects Closed after close()", async () => {
    const made = makePeers(1);
    peers = made.peers;
    const transport = made.hub.transport();
    await peers[0]!.join({ transport });
    await expect(peers[0]!.join()).resolves.toBeUndefined();
    await peers[0]!.close();
    await expect(peers[0]!.join()).rejects.toSatisfy((e) => isHamokError(e, "Closed"));
  });
});

describe("join() failures", () => {
  it("a transport that fails to open rejects TransportFailure and leaves the peer free to retry", async () => {
    const made = makePeers(1);
    peers = made.peers;
    const broken = made.hub.transport();
    broken.open = async () => {
      throw new Error("signaling refused");
    };
    await expect(peers[0]!.join({ transport: broken })).rejects.toSatisfy((e) => isHamokError(e, "TransportFailure"));
    await peers[0]!.join({ transport: made.hub.transport() });
    expect(peers[0]!.leader).toBe(true);
  });
});
