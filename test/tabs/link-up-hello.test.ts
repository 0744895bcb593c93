import { afterEach, describe, expect, it } from "vitest";
import type { Hamok } from "../../src/hamok";
import type { HamokMessage } from "../../src/messages/hamok-message";
import { closeAll, eventually, joinAll, makePeers } from "../hamok/helpers";

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

describe("a member whose link to a room member comes up", () => {
  it("sends it a hello at once, so a member removed meanwhile (a thawed tab re-dialling) learns it (issue 10 case 4)", async () => {
    const made = makePeers(2);
    peers = made.peers;
    await joinAll(made.hub, peers);
    await eventually(() => peers.every((p) => p.raft.voters.length === 2), 5000, "cluster");
    const hellos: HamokMessage[] = [];
    peers[0]!.on("message", (message) => {
      if (message.type === "hello" && message.destinationId === "p9") hellos.push(message);
    });
    // A room member's link comes up (here a new transport opening; a thawed tab re-dialling looks the same).
    const transport = made.hub.transport();
    await transport.open("p9");
    expect(hellos).toHaveLength(1);
    await transport.close();
  });
});
