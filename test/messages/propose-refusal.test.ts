import { afterEach, describe, expect, it } from "vitest";
import type { HamokError } from "../../src/errors";
import type { Hamok } from "../../src/hamok";
import { closeAll, joinAll, leaderOf, makePeers } from "../hamok/helpers";

/**
 * Issue 9 item 3, end to end: the leader refuses a forwarded proposal with a `propose-response` (proposal ids,
 * no entries); the follower must receive it and reject its request with the precise code at once, instead of
 * dropping the refusal as invalid and ending in a Timeout.
 */

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

describe("a leader's refusal of a forwarded proposal reaches the follower", () => {
  it("rejects the follower's write with TooManyProposals, not a Timeout", async () => {
    // At most one uncommitted proposal at the leader; requests wait far longer than a refusal takes.
    const made = makePeers(5, { maxUncommittedEntries: 1, requestTimeoutInMs: 5_000 });
    peers = made.peers;
    await joinAll(made.hub, peers);
    const maps = peers.map((peer) => peer.createMap<string, number>({ mapId: "m" }));
    await Promise.all(peers.map((peer) => peer.waitUntilCommitHead()));
    const leader = leaderOf(peers);
    const follower = peers.find((peer) => peer !== leader)!;
    const others = peers.filter((peer) => peer !== leader && peer !== follower).map((peer) => peer.localPeerId);
    // Leader and one follower are cut off from the majority: the leader can append but not commit.
    made.hub.partition([leader.localPeerId, follower.localPeerId], others);
    const errors: HamokError[] = [];
    for (const peer of peers) peer.on("error", (error) => errors.push(error as HamokError));
    const stuck = maps[peers.indexOf(leader)]!.set("held", 1).catch(() => undefined);
    const refused = await maps[peers.indexOf(follower)]!.set("forwarded", 2).then(
      () => "applied",
      (error: HamokError) => error.code,
    );
    expect(refused).toBe("TooManyProposals");
    // The refusal is not reported as a dropped invalid message.
    expect(errors.filter((error) => error.code === "InvalidMessage")).toEqual([]);
    made.hub.heal();
    await stuck;
  });
});
