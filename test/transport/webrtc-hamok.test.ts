/**
 * Hamok clusters over the WebRTC transport: Node peers (@roamhq/wrtc) and the real signaling server in a
 * private network namespace, driven by `webrtc-hamok-scenario.ts`.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { expectStep, runInNetns, type StepResult } from "./netns-runner.js";

let result: Record<string, StepResult> = {};

function stepResult(name: string): StepResult {
  return expectStep(result, name);
}

describe("Hamok over WebRTC (5 Node peers in a network namespace)", () => {
  beforeAll(async () => {
    result = await runInNetns("test/transport/webrtc-hamok-scenario.ts", 120_000);
  }, 130_000);

  it("five peers joining at once form one cluster with one leader and replicate a write", () => {
    expect(stepResult("elect")).toEqual({ leaders: 1, clusters: 1, values: [1, 1, 1, 1, 1] });
  });

  it("keeps committing while the signaling server restarts; a peer joining afterwards catches up", () => {
    expect(stepResult("signalingRestart")).toEqual({ committedDuringOutage: [4, 4, 4, 4, 4, 4], lateJoiner: 1 });
  });

  it("replaces a killed follower: the cluster keeps one leader and the replacement catches up", () => {
    expect(stepResult("killReplace")).toEqual({ leaders: 1, replacement: 1 });
  });

  it("transfers a 5 MiB snapshot to a newcomer", () => {
    expect(stepResult("snapshot")).toEqual({ bytes: 5 * 1024 * 1024, installedSnapshot: true });
  });
});
