import { describe, expect, it } from "vitest";
import type { HamokError } from "../../src/errors";
import { type StandInHost, type StandInPeer, StandIns, type StandInView } from "../../src/runtime/membership/stand-ins";
import type { DeadPeerLock } from "../../src/storage/dead-peers";
import { ManualClock } from "./manual-clock";

/** A scripted host: the test sets the view, the dead members and which locks are free. */
function scripted(options: { dead?: string[]; taken?: string[]; failStart?: boolean } = {}) {
  const clock = new ManualClock();
  const log: string[] = [];
  const errors: HamokError[] = [];
  const changes: string[][] = [];
  let view: StandInView = {
    member: true,
    led: true,
    voters: ["a", "b", "c"],
    learners: [],
    commitIndex: 10,
    lastIndex: 10,
  };
  const locks = new Map<string, { held: boolean; retired: boolean }>();
  const host: StandInHost = {
    clock,
    localPeerId: "a",
    graceInMs: 1000,
    retryInMs: 100,
    view: () => view,
    findDead: async (candidates) => (options.dead ?? []).filter((id) => candidates.includes(id)),
    lock: async (peerId) => {
      if (options.taken?.includes(peerId) || locks.get(peerId)?.held) return undefined;
      const state = { held: true, retired: false };
      locks.set(peerId, state);
      const lock: DeadPeerLock = {
        room: "r",
        peerId,
        get held() {
          return state.held;
        },
        release: () => {
          state.held = false;
        },
        retire: async () => {
          state.retired = true;
          state.held = false;
        },
      };
      return lock;
    },
    createStandIn: (peerId): StandInPeer => ({
      start: async () => {
        log.push(`start ${peerId}`);
        if (options.failStart) throw new Error("no database");
      },
      requestRemoval: () => log.push(`remove ${peerId}`),
      close: async () => {
        log.push(`close ${peerId}`);
      },
    }),
    reportError: (error) => errors.push(error),
    changed: (actingFor) => changes.push([...actingFor]),
  };
  const standIns = new StandIns(host);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  return {
    clock,
    log,
    errors,
    changes,
    locks,
    standIns,
    settle,
    setView: (next: Partial<StandInView>) => {
      view = { ...view, ...next };
    },
  };
}

describe("stand-ins for provably dead members", () => {
  it("a led member never stands in for anybody", async () => {
    const t = scripted({ dead: ["b", "c"] });
    for (let i = 0; i < 30; i++) {
      t.clock.advance(100);
      t.standIns.tick();
    }
    await t.settle();
    expect(t.log).toEqual([]);
  });

  it("acts only after a whole grace period without a leader, then stands in for every dead member it can lock", async () => {
    const t = scripted({ dead: ["b", "c"] });
    t.setView({ led: false });
    t.standIns.tick();
    t.clock.advance(900);
    t.standIns.tick();
    await t.settle();
    expect(t.log).toEqual([]);
    t.clock.advance(100);
    t.standIns.tick();
    await t.settle();
    expect(t.log).toEqual(["start b", "start c"]);
    // From the next tick on, each stand-in asks for its removal.
    t.standIns.tick();
    expect(t.log.slice(2)).toEqual(["remove b", "remove c"]);
    expect(t.standIns.actingFor).toEqual(["b", "c"]);
    expect(t.changes.at(-1)).toEqual(["b", "c"]);
  });

  it("never stands in for a member whose lock another tab got first", async () => {
    const t = scripted({ dead: ["b", "c"], taken: ["b"] });
    t.setView({ led: false });
    t.standIns.tick();
    t.clock.advance(1000);
    t.standIns.tick();
    await t.settle();
    expect(t.standIns.actingFor).toEqual(["c"]);
  });

  it("asks again for the removal every retry period while the member is in the configuration", async () => {
    const t = scripted({ dead: ["b"] });
    t.setView({ led: false });
    t.standIns.tick();
    t.clock.advance(1000);
    t.standIns.tick();
    await t.settle();
    t.setView({ led: true });
    for (let i = 0; i < 3; i++) {
      t.clock.advance(100);
      t.standIns.tick();
    }
    expect(t.log.filter((line) => line === "remove b")).toHaveLength(3);
  });

  it("finishes once this peer sees the removal committed: closes the stand-in, then retires the member's database", async () => {
    const t = scripted({ dead: ["b"] });
    t.setView({ led: false });
    t.standIns.tick();
    t.clock.advance(1000);
    t.standIns.tick();
    await t.settle();
    // The removal is appended here (the configuration follows the log) but not committed yet.
    t.setView({ led: true, voters: ["a", "c"], lastIndex: 12, commitIndex: 11 });
    t.standIns.tick();
    await t.settle();
    expect(t.locks.get("b")).toEqual({ held: true, retired: false });
    expect(t.standIns.actingFor).toEqual(["b"]);
    t.setView({ commitIndex: 12 });
    t.standIns.tick();
    await t.settle();
    expect(t.log.at(-1)).toBe("close b");
    expect(t.locks.get("b")).toEqual({ held: false, retired: true });
    expect(t.standIns.actingFor).toEqual([]);
  });

  it("a removal that a new leader truncated puts the member back: the wait starts over", async () => {
    const t = scripted({ dead: ["b"] });
    t.setView({ led: false });
    t.standIns.tick();
    t.clock.advance(1000);
    t.standIns.tick();
    await t.settle();
    t.setView({ led: true, voters: ["a", "c"], lastIndex: 12, commitIndex: 11 });
    t.standIns.tick();
    // The entry at 12 was replaced: b is a voter again; later it is removed at 15.
    t.setView({ voters: ["a", "b", "c"], lastIndex: 13, commitIndex: 12 });
    t.standIns.tick();
    t.setView({ voters: ["a", "c"], lastIndex: 15, commitIndex: 13 });
    t.standIns.tick();
    await t.settle();
    expect(t.locks.get("b")?.retired).toBe(false);
    t.setView({ commitIndex: 15 });
    t.standIns.tick();
    await t.settle();
    expect(t.locks.get("b")?.retired).toBe(true);
  });

  it("a stand-in that fails to start is reported and its lock released", async () => {
    const t = scripted({ dead: ["b"], failStart: true });
    t.setView({ led: false });
    t.standIns.tick();
    t.clock.advance(1000);
    t.standIns.tick();
    await t.settle();
    expect(t.errors.map((error) => error.message)).toEqual(["the stand-in for b failed to start"]);
    expect(t.locks.get("b")?.held).toBe(false);
    expect(t.standIns.actingFor).toEqual([]);
  });

  it("closing stops the stand-ins and releases their locks; the members' databases stay", async () => {
    const t = scripted({ dead: ["b"] });
    t.setView({ led: false });
    t.standIns.tick();
    t.clock.advance(1000);
    t.standIns.tick();
    await t.settle();
    await t.standIns.close();
    expect(t.locks.get("b")).toEqual({ held: false, retired: false });
    expect(t.log.at(-1)).toBe("close b");
  });
});
