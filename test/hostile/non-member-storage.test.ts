import { afterEach, describe, expect, it } from "vitest";
import type { Hamok } from "../../src/hamok";
import { HAMOK_PROTOCOL, type HamokMessage } from "../../src/messages/hamok-message";
import { closeAll, joinAll, makePeers } from "../hamok/helpers";

/**
 * Issue 13 item 2, the collection side: once a peer has a configuration, collection (storage) messages from
 * senders outside it are dropped. A stranger in the signaling room or a same-origin script must not reach
 * the app's emitter listeners, nor make a peer answer it.
 */

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

const encoder = new TextEncoder();

describe("collection messages from a non-member", () => {
  it("a forged emitter publish never reaches the app's listener, and draws no answer", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const emitters = peers.map((peer) => peer.createEmitter<{ ping: [n: number] }>({ emitterId: "e" }));
    const heard: number[] = [];
    for (const emitter of emitters) await emitter.subscribe("ping", (n) => heard.push(n));
    await Promise.all(peers.map((peer) => peer.waitUntilCommitHead()));
    const toMallory: HamokMessage[] = [];
    for (const peer of peers) {
      peer.on("message", (message) => {
        if (message.destinationId === "mallory") toMallory.push(message);
      });
    }
    const clusterId = peers[0]!.raft.clusterId!;
    for (const peer of peers) {
      peer.accept({
        protocol: HAMOK_PROTOCOL,
        type: "storage",
        sourceId: "mallory",
        clusterId,
        destinationId: peer.localPeerId,
        storageId: "e",
        payload: { kind: "publish", id: "forged", event: "ping", payload: encoder.encode("[666]"), ack: true },
      });
    }
    // A genuine publish afterwards arrives, so the forged one had every chance to be delivered first.
    await emitters[0]!.publish("ping", 1);
    expect(heard.sort()).toEqual([1, 1, 1]);
    expect(toMallory).toEqual([]);
  });

  it("a member's publish still reaches every subscriber", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const emitters = peers.map((peer) => peer.createEmitter<{ ping: [n: number] }>({ emitterId: "e" }));
    const heard: string[] = [];
    await emitters[1]!.subscribe("ping", (n) => heard.push(`p2:${n}`));
    await emitters[2]!.subscribe("ping", (n) => heard.push(`p3:${n}`));
    await Promise.all(peers.map((peer) => peer.waitUntilCommitHead()));
    expect([...(await emitters[0]!.publish("ping", 7))].sort()).toEqual(["p2", "p3"]);
    expect(heard.sort()).toEqual(["p2:7", "p3:7"]);
  });
});
