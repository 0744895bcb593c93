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

describe("a member that learns from an announcement that it was removed", () => {
  it("asks the leader to re-add it at once, not at its next periodic look", async () => {
    const made = makePeers(2);
    peers = made.peers;
    await joinAll(made.hub, peers);
    await eventually(() => peers.every((p) => p.raft.voters.length === 2 && p.raft.leaderId !== undefined));
    const [p1, p2] = peers as [Hamok, Hamok];
    const leaderId = p1.raft.leaderId!;
    const removed = leaderId === "p1" ? p2 : p1;
    const requests: HamokMessage[] = [];
    removed.on("message", (message) => {
      if (message.type === "join-request") requests.push(message);
    });
    // What the leader's side answers a thawed member's hello with once it was removed: a configuration without it.
    removed.accept({
      protocol: "hamok/1",
      type: "endpoint-state",
      sourceId: leaderId,
      destinationId: removed.localPeerId,
      clusterId: removed.raft.clusterId,
      peer: { joining: false, canLead: true, leaderId, term: removed.raft.term, commit: 1, members: [leaderId] },
    });
    expect(requests.map((m) => m.destinationId)).toEqual([leaderId]);
  });
});
