import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { afterEach, describe, expect, it } from "vitest";
import { Hamok } from "../../src/hamok";
import type { HamokJoinPhase } from "../../src/runtime/peer/public-types";
import { MemoryHub } from "../../src/transport/memory-hub";
import { closeAll, eventually, FAST } from "../hamok/helpers";

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

function phasesOf(hamok: Hamok): HamokJoinPhase[] {
  const phases: HamokJoinPhase[] = [];
  hamok.on("join-progress", (phase) => phases.push(phase));
  return phases;
}

describe("join() says where it stands and does not wait without end", () => {
  it("in Node with no transport and no message listener it fails at once, saying what to do", async () => {
    const alone = new Hamok({ ...FAST, peerId: "alone" });
    peers = [alone];
    const error = await alone.join().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "JoinFailed" });
    expect((error as Error).message).toMatch(/join\(\{ transport \}\).*wrtc.*hamok\.on\('message'\)/);
    // It did not start discovery (whose four rounds of 5 s would have said hello into the void first).
    expect(alone.stats.sentMessages).toBe(0);
  });

  it("reports its phases: transport, discovery, waiting for the leader, catching up, joined", async () => {
    const hub = new MemoryHub({ cloneMessages: true });
    const first = new Hamok({ ...FAST, peerId: "p1", seed: 1 });
    const second = new Hamok({ ...FAST, peerId: "p2", seed: 2 });
    peers = [first, second];
    const phases = phasesOf(second);
    await first.join({ transport: hub.transport() });
    await second.join({ transport: hub.transport() });
    expect(phases[0]).toBe("opening-transport");
    expect(phases).toContain("discovering");
    expect(phases.at(-1)).toBe("joined");
    for (const phase of phases) {
      expect([
        "opening-transport",
        "restarting",
        "discovering",
        "waiting-for-leader",
        "catching-up",
        "waiting-for-promotion",
        "joined",
      ]).toContain(phase);
    }
  });

  it("join({ timeoutInMs }) rejects JoinTimeout naming the phase, here a restarted member whose quorum is gone", async () => {
    const indexedDB = new IDBFactory();
    const hub = new MemoryHub({ cloneMessages: true });
    const persistence = { type: "indexeddb", room: "timeout", indexedDB } as const;
    const ids = ["p1", "p2", "p3"];
    const first = ids.map((peerId, i) => new Hamok({ ...FAST, peerId, seed: i + 1, persistence }));
    peers = first;
    for (const hamok of first) await hamok.join({ transport: hub.transport() });
    await eventually(() => first.every((hamok) => hamok.raft.voters.length === 3), 5000, "three voters");
    await closeAll(first);

    // p1 comes back alone: its log says it is one of three voters; the other two never return.
    const back = new Hamok({ ...FAST, peerId: "p1", seed: 7, persistence });
    peers = [back];
    const phases = phasesOf(back);
    const error = await back.join({ transport: hub.transport(), timeoutInMs: 800 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "JoinTimeout" });
    expect((error as Error).message).toMatch(/not joined within 800 ms: waiting-for-leader: no leader was elected/);
    expect(phases).toEqual(["opening-transport", "restarting", "waiting-for-leader"]);
    await expect(back.join({ timeoutInMs: 0 })).rejects.toMatchObject({ code: "InvalidArgument" });
  });
});
