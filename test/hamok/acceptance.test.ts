import { afterEach, describe, expect, it } from "vitest";
import type { HamokError } from "../../src/errors.js";
import type { Hamok } from "../../src/hamok.js";
import { HAMOK_PROTOCOL } from "../../src/messages/hamok-message.js";
import { closeAll, eventually, joinAll, leaderOf, makePeers } from "./helpers.js";

/*
 * The core's membership-aware acceptance as the runtime runs it: what a
 * non-member sends is dropped and reported, and a peer whose log lags behind a
 * new member's addition still hears that member as leader, on a member's word.
 */

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

describe("membership-aware acceptance in the runtime", () => {
  it("a forged Raft message from a non-member changes nothing and is reported once on error", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const follower = peers.find((p) => !p.leader)!;
    const errors: HamokError[] = [];
    follower.on("error", (error) => errors.push(error));
    const term = follower.raft.term;
    const forged = {
      protocol: HAMOK_PROTOCOL,
      type: "raft",
      sourceId: "mallory",
      clusterId: follower.raft.clusterId,
      destinationId: follower.localPeerId,
      raft: { type: "heartbeat", from: "mallory", to: follower.localPeerId, term: term + 5, commit: 0 },
    };
    follower.accept(forged);
    follower.accept(forged);
    await eventually(() => errors.length > 0, 2000, "the drop to be reported");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ["InvalidMessage", `dropped a raft heartbeat from mallory (term ${term + 5}): not-a-member`],
    ]);
    expect(follower.raft.term).toBe(term);
    expect(follower.raft.leaderId).toBe(leaderOf(peers).localPeerId);
  });

  it("a peer frozen while a new member joined and took the lead catches up from it on a member's word", async () => {
    const made = makePeers(4, { removeUnreachableAfterMs: 60_000 });
    peers = made.peers;
    const [p1, p2, p3, p4] = peers as [Hamok, Hamok, Hamok, Hamok];
    await joinAll(made.hub, [p1, p2, p3]);
    await eventually(() => peers.slice(0, 3).every((p) => p.raft.voters.length === 3), 5000, "three voters");
    const maps = peers.map((p) => p.createMap<string, number>({ mapId: "m" }));
    // p3 freezes (runs nothing, hears nothing); p4 joins, becomes a voter and takes the lead.
    p3.stop();
    await p4.join({ transport: made.hub.transport() });
    await eventually(() => p4.raft.voters.includes(p4.localPeerId), 5000, "p4 promoted");
    await leaderOf([p1, p2, p4]).transferLeadership(p4.localPeerId);
    await maps[3]!.set("after", 1);
    expect(p3.raft.voters).not.toContain(p4.localPeerId);
    // p3 thaws: its configuration does not know its leader p4, yet it catches up.
    p3.start();
    await eventually(() => maps[2]!.get("after") === 1, 10_000, "p3 to apply the write made under p4");
    expect(p3.raft.leaderId).toBe(p4.localPeerId);
    expect(p3.raft.voters).toContain(p4.localPeerId);
  });

  it("a peer frozen while every other member it knew left catches up from the leader the cluster announces", async () => {
    const made = makePeers(5, { removeUnreachableAfterMs: 60_000 });
    peers = made.peers;
    const [p1, p2, p3, p4, p5] = peers as [Hamok, Hamok, Hamok, Hamok, Hamok];
    await joinAll(made.hub, [p1, p2, p3]);
    await eventually(() => [p1, p2, p3].every((p) => p.raft.voters.length === 3), 5000, "three voters");
    p3.stop();
    await Promise.all([p4, p5].map((p) => p.join({ transport: made.hub.transport() })));
    await eventually(() => p4.raft.voters.length === 5, 5000, "five voters");
    await p1.leave();
    await p2.leave();
    const rest = [p4, p5];
    await eventually(() => rest.some((p) => p.leader), 5000, "a leader among p4 and p5");
    const leader = leaderOf(rest);
    await leader.createMap<string, number>({ mapId: "m" }).set("after", 1);
    // p3 thaws knowing only p1 and p2, who are gone from the room: nobody it trusts can vouch for the leader.
    expect(p3.raft.voters).toEqual(["p1", "p2", "p3"]);
    const map = p3.createMap<string, number>({ mapId: "m" });
    p3.start();
    await eventually(() => map.get("after") === 1, 10_000, "p3 to catch up");
    expect(p3.raft.leaderId).toBe(leader.localPeerId);
  });

  it("a peer frozen while its configuration changed under it gives its vote to a new member that needs it", async () => {
    const made = makePeers(4, { removeUnreachableAfterMs: 60_000 });
    peers = made.peers;
    const [p1, p2, p3, p4] = peers as [Hamok, Hamok, Hamok, Hamok];
    await joinAll(made.hub, [p1, p2, p3]);
    await eventually(() => [p1, p2, p3].every((p) => p.raft.voters.length === 3), 5000, "three voters");
    p3.stop();
    await p4.join({ transport: made.hub.transport() });
    await eventually(() => p4.raft.voters.length === 4, 5000, "four voters");
    await p1.leave();
    // p2's removal leaves {p3, p4}: it cannot commit without the frozen p3, and p4 cannot win without it.
    await p2.leave();
    expect(p4.raft.voters).toEqual(["p3", "p4"]);
    expect(p3.raft.voters).toEqual(["p1", "p2", "p3"]);
    const map = p3.createMap<string, number>({ mapId: "m" });
    p3.start();
    await eventually(() => p4.leader || p3.leader, 10_000, "a leader of {p3, p4}");
    const leader = leaderOf([p3, p4]);
    await leader.createMap<string, number>({ mapId: "m" }).set("k", 1);
    await eventually(() => map.get("k") === 1, 5000, "p3 to apply");
    expect(p3.raft.voters).toEqual(["p3", "p4"]);
  });
});
