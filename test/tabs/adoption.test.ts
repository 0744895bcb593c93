import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { afterEach, describe, expect, it } from "vitest";
import { Hamok } from "../../src/hamok";
import { MemoryHub } from "../../src/transport/memory-hub";
import { closeAll, eventually, FAST } from "../hamok/helpers";

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

/**
 * Issue 10 case 3: a tab adopts the database of a closed tab (same id, same persisted state) and so revives a
 * stuck cluster. The peer that saw that id leave must not remove it again once it leads: the id is back.
 */
describe("an adopted id that comes back", () => {
  it("is not removed by a leader that saw it leave before; only the member still gone is removed", async () => {
    const indexedDB = new IDBFactory();
    const hub = new MemoryHub({ cloneMessages: true });
    const persistence = { type: "indexeddb", room: "adopt", indexedDB } as const;
    const make = (peerId: string, extra: Partial<ConstructorParameters<typeof Hamok>[0]> = {}) =>
      new Hamok({ ...FAST, peerId, persistence, seed: peerId.charCodeAt(1), ...extra });
    const [p1, p2, p3] = [make("p1"), make("p2"), make("p3")];
    peers = [p1, p2, p3];
    // p2 bootstraps and leads; p1 and p3 join.
    await p2.join({ transport: hub.transport() });
    await Promise.all([p1.join({ transport: hub.transport() }), p3.join({ transport: hub.transport() })]);
    await eventually(() => peers.every((peer) => peer.raft.voters.length === 3), 5000, "three voters");
    expect(p2.leader).toBe(true);
    await p2.createMap<string, number>({ mapId: "m" }).set("before", 1);
    await eventually(() => p1.raft.commitIndex === p2.raft.commitIndex, 5000, "p1 caught up");

    // The leader and p3 vanish (closed without leave: their transports leave the room, p1 sees both go).
    await p2.close();
    await p3.close();
    await eventually(() => !p1.leader && p1.raft.leaderId === undefined, 5000, "p1 leaderless");

    // A new tab adopts p2's database. Its elections start late, so p1 campaigns first and leads with its vote.
    const adopted = make("p2", { followerMaxIdleInMs: 20_000, electionTimeoutInMs: 20_000 });
    peers.push(adopted);
    await adopted.join({ transport: hub.transport() });
    await eventually(() => p1.leader, 5000, "p1 leads with the adopted member's vote");
    await eventually(() => p1.raft.voters.join() === "p1,p2", 5000, "p3's removal");
    await eventually(() => adopted.raft.voters.join() === "p1,p2", 5000, "the adopted member sees the removal");
    const map = adopted.createMap<string, number>({ mapId: "m" });
    await map.set("after", 2);
    expect(map.get("before")).toBe(1);
    // A while later p2 is still a voter: p1 did not remove it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(p1.raft.voters).toEqual(["p1", "p2"]);
  });
});
