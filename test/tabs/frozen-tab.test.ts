import { afterEach, describe, expect, it } from "vitest";
import { Hamok } from "../../src/hamok";
import { eventually, FAST } from "../hamok/helpers";
import { FreezableClock, wireFreezable } from "./freezable-peer";

/** Removal of a silent member after 300 ms; the freeze lasts well beyond it (issue 10 case 4: 25 s against 15 s). */
const REMOVE_AFTER_MS = 300;
const FROZEN_MS = 3000;

let peers: Hamok[] = [];
let clock: FreezableClock | undefined;
afterEach(async () => {
  clock?.thaw();
  await Promise.all(peers.map((peer) => peer.close()));
  clock?.dispose();
  clock = undefined;
});

type Outcome = { text: string; status: "acknowledged" | "failed"; code?: string; indeterminate?: boolean };

function settle(text: string, write: Promise<unknown>): Promise<Outcome> {
  return write.then(
    () => ({ text, status: "acknowledged" }),
    (error: { code: string; indeterminate: boolean }) => ({
      text,
      status: "failed",
      code: error.code,
      indeterminate: error.indeterminate,
    }),
  );
}

/** Three peers, p3 a follower whose timers and inbound delivery can stop (a frozen tab). */
async function cluster() {
  clock = new FreezableClock();
  const config = { ...FAST, removeUnreachableAfterMs: REMOVE_AFTER_MS, requestTimeoutInMs: 3000 };
  peers = [
    new Hamok({ ...config, peerId: "p1", seed: 1 }),
    new Hamok({ ...config, peerId: "p2", seed: 2 }),
    new Hamok({ ...config, peerId: "p3", seed: 3, clock }),
  ];
  wireFreezable(peers, new Map([[peers[2]!, clock]]));
  await peers[0]!.join({ fetchRemotePeerTimeoutInMs: 100 });
  await Promise.all(peers.slice(1).map((p) => p.join({ fetchRemotePeerTimeoutInMs: 1000 })));
  await eventually(
    () => peers.every((p) => p.raft.voters.length === 3 && p.raft.leaderId !== undefined),
    5000,
    "cluster",
  );
  const maps = peers.map((p) => p.createMap<string, number>({ mapId: "tasks" }));
  return { frozen: peers[2]!, maps, clock };
}

describe("a tab frozen for longer than the removal time (issue 10 case 4)", () => {
  it.each([
    ["after its forwards left", true],
    ["before its forwards left", false],
  ])(
    "frozen %s: after the thaw it is re-added, applied writes are acknowledged, a new write commits, the leader stays",
    async (_, forwarded) => {
      const { frozen, maps, clock } = await cluster();
      const leader = peers.find((p) => p.leader)!;
      if (leader === frozen) throw new Error("p3 should not lead (p1 joined first)");
      const before = { leaderId: leader.localPeerId, term: leader.raft.term };
      const frozenMap = maps[2]!;

      const inFlight = Array.from({ length: 10 }, (_, i) =>
        settle(`in flight ${i}`, frozenMap.set(`in flight ${i}`, i)),
      );
      // The forwards leave in this turn (a page's queued tasks run before the freeze takes hold), or only at the thaw.
      if (forwarded) await new Promise((resolve) => setTimeout(resolve, 0));
      clock.freeze();
      await eventually(() => !leader.raft.voters.includes("p3"), 5000, "removal of the frozen peer");
      await maps[peers.indexOf(leader)]!.set("while frozen", 100);
      await new Promise((resolve) => setTimeout(resolve, FROZEN_MS));
      clock.thaw();
      const afterThaw = settle("after the thaw", frozenMap.set("after the thaw", 200));
      const outcomes = await Promise.all([...inFlight, afterThaw]);

      const applied = new Set([...maps[peers.indexOf(leader)]!.keys()]);
      for (const outcome of outcomes.slice(0, 10)) {
        if (applied.has(outcome.text)) expect(outcome, outcome.text).toMatchObject({ status: "acknowledged" });
        else expect(outcome, outcome.text).toMatchObject({ status: "failed", indeterminate: true });
      }
      expect(outcomes[10]).toEqual({ text: "after the thaw", status: "acknowledged" });
      await eventually(() => leader.raft.voters.includes("p3") || leader.raft.learners.includes("p3"), 5000, "re-add");
      expect({ leaderId: leader.raft.leaderId, term: leader.raft.term }).toEqual(before);
      expect(frozen.raft.leaderId).toBe(before.leaderId);
      await eventually(() => frozenMap.get("after the thaw") === 200 && frozenMap.get("while frozen") === 100);
    },
  );
});
