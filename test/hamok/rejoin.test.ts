import { afterEach, describe, expect, it } from "vitest";
import type { Hamok } from "../../src/hamok";
import { closeAll, eventually, joinAll, leaderOf, makePeers } from "./helpers";

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

describe("rejoining after removal", () => {
  it("a running member removed while partitioned asks to be added again once it hears the cluster", async () => {
    const made = makePeers(3, { removeUnreachableAfterMs: 150 });
    peers = made.peers;
    await joinAll(made.hub, peers);
    await eventually(() => peers.every((p) => p.raft.voters.length === 3));
    const leader = leaderOf(peers);
    const cut = peers.find((p) => !p.leader)!;
    const maps = peers.map((p) => p.createMap<string, number>({ mapId: "m" }));
    await maps[peers.indexOf(leader)]!.set("before", 1);
    await eventually(() => maps[peers.indexOf(cut)]!.get("before") === 1);
    made.hub.partition([cut.localPeerId]);
    await eventually(() => !leader.raft.voters.includes(cut.localPeerId), 3000, "removal");
    await maps[peers.indexOf(leader)]!.set("during", 2);
    // Its own log still lists it as a voter: only the cluster can tell it otherwise.
    expect(cut.raft.voters).toContain(cut.localPeerId);
    made.hub.heal();
    await eventually(() => leader.remotePeerIds.has(cut.localPeerId), 5000, "re-adding the removed peer");
    await eventually(() => maps[peers.indexOf(cut)]!.get("during") === 2, 5000, "catching up");
    await maps[peers.indexOf(cut)]!.set("after", 3);
    await eventually(() => maps.every((map) => map.get("after") === 3));
  });
});
