/**
 * Real WebRTC between Node peers (@roamhq/wrtc) through the real signaling server. ICE needs a non-loopback
 * interface, so the peers run in a child process inside a private network namespace (`scripts/netns.sh`);
 * `webrtc-scenario.ts` prints what it observed as JSON and this file asserts on it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { expectStep, runInNetns, type StepResult } from "./netns-runner.js";

let result: Record<string, StepResult> = {};

function stepResult(name: string): StepResult {
  return expectStep(result, name);
}

describe("WebRTC mesh transport (Node peers in a network namespace)", () => {
  beforeAll(async () => {
    result = await runInNetns("test/transport/webrtc-scenario.ts");
  }, 100_000);

  it("three peers join a room: open() returns the room, then every pair gets a channel", () => {
    const mesh = stepResult("mesh");
    expect(mesh.initial).toEqual([[], ["p1"], ["p1", "p2"]]);
    expect(mesh.members).toEqual([
      ["p2", "p3"],
      ["p1", "p3"],
      ["p1", "p2"],
    ]);
  });

  it("uses no STUN server unless iceServers says so", () => {
    expect(stepResult("mesh").iceServers).toEqual([[], ["stun:10.77.0.2:3478"]]);
  });

  it("delivers a broadcast to every other peer and a directed message only to its destination", () => {
    // Messages from different peers travel different channels: their relative order is not defined.
    const received = stepResult("mesh").received as string[][];
    expect(received.map((list) => [...list].sort())).toEqual([
      [],
      ["broadcast from p1"],
      ["broadcast from p1", "p2 to p3"],
    ]);
  });

  it("passes a 5 MiB message intact (16 KiB chunks, backpressure) and keeps order behind it", () => {
    expect(stepResult("big")).toEqual({ length: 5 * 1024 * 1024, identical: true, next: "after the big one" });
  });

  it("re-establishes a dropped data channel without reporting the peer as left", () => {
    expect(stepResult("channelRedial")).toEqual({ body: "after redial", leftDuringRedial: false });
  });

  it("survives corrupt, truncated, oversized and non-binary frames from a hostile peer", () => {
    const hostile = stepResult("hostile");
    expect(hostile.received).toEqual(["legit"]);
    expect(hostile.errorCodes).toContain("InvalidMessage");
    expect(hostile.errorCodes).toContain("PayloadTooLarge");
    expect(hostile.errorCount).toBeGreaterThanOrEqual(10);
    expect(hostile.answer).toEqual([{ sourceId: "v1", destinationId: "a-rogue", body: "still alive" }]);
  });

  it("reports a peer that left the room and no longer answers on its channel as peer-left", () => {
    expect(stepResult("hostile").silentPeerLeft).toEqual(["a-rogue"]);
  });

  it("reports a peer that left the room while its channel is already closing as peer-left at once, unprobed", () => {
    expect(stepResult("vanish")).toEqual({ leftAtOnce: ["x1"] });
  });

  it("replaces a silent channel of a peer that came back under the same id by dialling it, without reporting it left", () => {
    expect(stepResult("reincarnation")).toEqual({ replaced: true, left: [] });
  });

  it("drops a message whose sourceId is not the peer of its channel", () => {
    expect(stepResult("hostile").received).not.toContain("spoofed");
  });

  it("with a room secret, only peers holding the secret connect", () => {
    const secret = stepResult("secret");
    expect(secret.s1).toEqual([]);
    expect(secret.s2).toEqual(["for secret holders"]);
    expect(secret.s0).toEqual([]);
    expect(secret.s1Errors).toEqual(["InvalidMessage"]);
  });

  it("keeps channels (and members) while the signaling server is down; new peers connect after its restart", () => {
    expect(stepResult("restart")).toEqual({
      duringDowntime: "while the server is down",
      p4: ["p1", "p2", "p3"],
      p1: ["p2", "p3", "p4"],
      leftDuringRestart: [],
    });
  });

  it("reports a peer that leaves as peer-left on every other peer", () => {
    const leave = stepResult("leave");
    expect(leave.p1).toEqual(["p2"]);
    expect(leave.p2).toEqual(["p1"]);
    expect(leave.p1Left).toContain("p3");
    expect(leave.p2Left).toContain("p3");
  });

  it("carries a Hamok cluster: three peers elect one leader and replicate a map write", () => {
    expect(stepResult("hamok")).toEqual({ leaders: 1, values: [42, 42, 42] });
  });
});
