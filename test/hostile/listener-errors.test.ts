import { afterEach, describe, expect, it } from "vitest";
import type { HamokError } from "../../src/errors";
import type { Hamok } from "../../src/hamok";
import { closeAll, eventually, joinAll, leaderOf, makePeers } from "../hamok/helpers";

/**
 * Issue 13 item 4: an exception thrown by the app's own listener is caught, reported on `error` with the
 * listener's event name, and never stops the peer, even when every peer has that listener.
 */

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

function collectErrors(peer: Hamok): HamokError[] {
  const errors: HamokError[] = [];
  peer.on("error", (error) => errors.push(error));
  return errors;
}

describe("a throwing app listener", () => {
  it("on a map's insert events, on every peer: writes keep committing and the error names the event", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const errors = peers.map(collectErrors);
    const maps = peers.map((peer) => peer.createMap<string, number>({ mapId: "m" }));
    for (const map of maps) {
      map.on("insert", () => {
        throw new Error("app bug in insert");
      });
    }
    await maps[0]!.set("a", 1);
    await maps[1]!.set("b", 2);
    await Promise.all(peers.map((peer) => peer.sync()));
    for (const map of maps)
      expect([...map.entries()]).toEqual([
        ["a", 1],
        ["b", 2],
      ]);
    for (const list of errors) {
      expect(list.some((error) => error.message.includes("insert") && error.message.includes("listener"))).toBe(true);
    }
    expect(peers.filter((peer) => peer.leader)).toHaveLength(1);
    expect(peers.every((peer) => peer.state !== "idle")).toBe(true);
  });

  it("on leader-changed and state-changed, on every peer: a new leader is elected after the old one stops", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const errors = peers.map(collectErrors);
    for (const peer of peers) {
      peer.on("leader-changed", () => {
        throw new Error("app bug in leader-changed");
      });
      peer.on("state-changed", () => {
        throw new Error("app bug in state-changed");
      });
    }
    const old = leaderOf(peers);
    made.hub.partition([old.localPeerId]);
    old.stop();
    const rest = peers.filter((peer) => peer !== old);
    await eventually(() => rest.some((peer) => peer.leader), 10_000, "a new leader");
    const map = rest[0]!.createMap<string, number>({ mapId: "m" });
    await map.set("after", 1);
    const names = errors.flat().map((error) => error.message);
    expect(names.some((message) => message.includes("leader-changed"))).toBe(true);
    expect(names.some((message) => message.includes("state-changed"))).toBe(true);
  });

  it("on commit: the peer keeps applying", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    for (const peer of peers) {
      peer.on("commit", () => {
        throw new Error("app bug in commit");
      });
    }
    const errors = peers.map(collectErrors);
    const map = peers[0]!.createMap<string, number>({ mapId: "m" });
    for (let i = 0; i < 5; i++) await map.set(`k${i}`, i);
    expect(map.size).toBe(5);
    expect(errors.flat().some((error) => error.message.includes("commit"))).toBe(true);
  });
});
