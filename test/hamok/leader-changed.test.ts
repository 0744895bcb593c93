import { afterEach, describe, expect, it } from "vitest";
import type { RemoteMap } from "../../src/collections/index";
import type { Hamok } from "../../src/hamok";
import { closeAll, eventually, joinAll, leaderOf, makePeers } from "./helpers";

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

describe("collections hear leader changes", () => {
  it("a new leader writes the remote map's backlog through without waiting for another write", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const oldLeader = leaderOf(peers);
    const store = new Map<string, number>();
    const seen: (string | undefined)[] = [];
    const maps = peers.map((peer) =>
      peer.createRemoteMap<string, number>({
        mapId: "rm",
        remoteMap: {
          // The old leader's store connection hangs: its write never completes, so the key stays pending.
          set: (key: string, value: number) =>
            peer === oldLeader ? new Promise<void>(() => {}) : Promise.resolve(void store.set(key, value)),
          delete: async (key: string) => void store.delete(key),
        } satisfies RemoteMap<string, number>,
      }),
    );
    for (const peer of peers) peer.on("leader-changed", (leaderId) => seen.push(leaderId));
    await maps[peers.indexOf(oldLeader)]!.set("x", 1);
    await eventually(() => maps.every((map) => map.pendingRemoteWrites === 1), 2000, "x pending everywhere");
    expect(store.size).toBe(0);
    await oldLeader.leave();
    const rest = peers.filter((peer) => peer !== oldLeader);
    await eventually(() => rest.some((peer) => peer.leader), 3000, "a new leader");
    await eventually(() => store.get("x") === 1, 3000, "the backlog written by the new leader");
    await eventually(() => rest.every((peer) => maps[peers.indexOf(peer)]!.pendingRemoteWrites === 0));
    expect(seen.length).toBeGreaterThan(0);
  });
});
