import { afterEach, describe, expect, it } from "vitest";
import { Hamok } from "../../src/hamok";
import { closeAll, eventually, FAST, joinAll, leaderOf, makePeers } from "../hamok/helpers";

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

describe("unsafeForceNewCluster", () => {
  it("a peer whose majority is gone re-forms the cluster alone, keeps its data, writes on, and others can join it", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    await eventually(() => peers.every((peer) => peer.raft.voters.length === 3), 5000, "three voters");
    const maps = peers.map((peer) => peer.createMap<string, number>({ mapId: "m" }));
    await maps[0]!.set("before", 1);
    const survivor = peers.find((peer) => !peer.leader)!;
    const gone = peers.filter((peer) => peer !== survivor);
    await eventually(() => maps[peers.indexOf(survivor)]!.get("before") === 1, 5000, "replicated");
    // The other two are cut off for good (another browser that closed): no leave, no stand-in possible.
    made.hub.partition([survivor.localPeerId]);
    await eventually(() => survivor.quorum.lost, 10_000, "the quorum reported lost");
    expect(survivor.quorum.missingVoters).toEqual(gone.map((peer) => peer.localPeerId).sort());
    const map = maps[peers.indexOf(survivor)]!;
    // Raft's safety stays: without a quorum nothing commits.
    const commit = survivor.raft.commitIndex;
    void map.set("no quorum", 0).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(survivor.raft.commitIndex).toBe(commit);

    await survivor.unsafeForceNewCluster();
    await eventually(() => survivor.leader, 5000, "the survivor leads");
    expect(survivor.raft.voters).toEqual([survivor.localPeerId]);
    await map.set("after", 2);
    expect(map.get("before")).toBe(1);
    await eventually(() => !survivor.quorum.lost, 5000, "the quorum is back");

    // A new peer on the survivor's side joins the re-formed cluster.
    const fresh = new Hamok({ ...FAST, peerId: "fresh", seed: 9 });
    peers.push(fresh);
    made.hub.partition([survivor.localPeerId, "fresh"]);
    await fresh.join({ transport: made.hub.transport() });
    const freshMap = fresh.createMap<string, number>({ mapId: "m" });
    await eventually(() => freshMap.get("after") === 2, 5000, "the new member caught up");
    expect(leaderOf([survivor, fresh])).toBe(survivor);
  });

  it("refuses NotMember before joining", async () => {
    const lonely = new Hamok({ ...FAST, peerId: "lonely" });
    peers = [lonely];
    await expect(lonely.unsafeForceNewCluster()).rejects.toMatchObject({ code: "NotMember" });
  });
});

describe("a leader cut off from its majority", () => {
  it("reports its quorum lost, naming the voters it no longer hears", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    await eventually(() => peers.every((peer) => peer.raft.voters.length === 3), 5000, "three voters");
    const leader = leaderOf(peers);
    made.hub.partition([leader.localPeerId]);
    await eventually(() => leader.quorum.lost, 10_000, "the leader reports the lost quorum");
    const others = peers.filter((peer) => peer !== leader).map((peer) => peer.localPeerId);
    expect(leader.quorum.missingVoters).toEqual(others.sort());
  });
});
