import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ClockTimer, HamokClock } from "../../src/clock.js";
import { Hamok } from "../../src/hamok.js";
import type { HamokMessage } from "../../src/messages/hamok-message.js";

/**
 * The whole stack on an injected clock: three peers whose every timer (ticks, discovery rounds, request
 * deadlines) and every message delivery run on one manual clock. The platform timers are faked and never
 * advanced, so anything under src/ that still used them would stall the cluster (or leave a timer behind).
 */

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
  readonly intervalInMs: number | undefined;
}

/** A tiny manual clock: time moves only in `advance()`, firing due timers in (time, creation) order. */
class ManualClock implements HamokClock {
  private time = 0;
  private seq = 0;
  private readonly timers = new Map<number, Pending>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, delayInMs: number): ClockTimer {
    return this.arm(callback, delayInMs, undefined);
  }

  setInterval(callback: () => void, intervalInMs: number): ClockTimer {
    return this.arm(callback, intervalInMs, Math.max(1, intervalInMs));
  }

  clearTimeout(timer: ClockTimer | undefined): void {
    if (timer !== undefined) this.timers.delete(timer as unknown as number);
  }

  clearInterval(timer: ClockTimer | undefined): void {
    this.clearTimeout(timer);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Move time forward by `ms`, running every timer that falls due and the microtasks each one causes. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      let next: [number, Pending] | undefined;
      for (const entry of this.timers) {
        const [, t] = entry;
        if (t.at <= end && (next === undefined || t.at < next[1].at || (t.at === next[1].at && t.seq < next[1].seq))) {
          next = entry;
        }
      }
      if (next === undefined) break;
      const [id, timer] = next;
      this.time = timer.at;
      if (timer.intervalInMs === undefined) this.timers.delete(id);
      else this.timers.set(id, { ...timer, at: timer.at + timer.intervalInMs, seq: this.seq++ });
      timer.callback();
    }
    this.time = end;
    await settle();
  }

  private arm(callback: () => void, delayInMs: number, intervalInMs: number | undefined): ClockTimer {
    const id = ++this.seq;
    // Never synchronous, as the contract says: a zero delay fires on the next timer turn.
    this.timers.set(id, { at: this.time + Math.max(0, delayInMs), seq: id, callback, intervalInMs });
    return id as unknown as ClockTimer;
  }
}

/** Let every pending microtask (and the promise chains they start) run. setImmediate is not faked. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A network whose deliveries take 1 ms of virtual time. */
function wire(clock: ManualClock, peers: readonly Hamok[]): void {
  for (const from of peers) {
    from.on("message", (message: HamokMessage) => {
      for (const to of peers) {
        if (to === from) continue;
        if (message.destinationId !== undefined && message.destinationId !== to.localPeerId) continue;
        clock.setTimeout(() => to.accept(structuredClone(message)), 1);
      }
    });
    for (const other of peers) if (other !== from) from.addRemotePeerId(other.localPeerId);
  }
}

const leaders = (peers: readonly Hamok[]) => peers.filter((p) => p.leader).map((p) => p.localPeerId);

let peers: Hamok[] = [];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
});

afterEach(async () => {
  const closing = peers.map((p) => p.close());
  peers = [];
  await settle();
  await Promise.all(closing);
  vi.useRealTimers();
});

describe("a cluster on a virtual clock", () => {
  it("elects, commits and fails over only as virtual time advances, and never arms a platform timer", async () => {
    const clock = new ManualClock();
    peers = ["a", "b", "c"].map((peerId, i) => new Hamok({ peerId, clock, seed: 11 + i }));
    wire(clock, peers);
    let joined = 0;
    const joins = peers.map((p) =>
      p.join({ fetchRemotePeerTimeoutInMs: 1000 }).then(() => {
        joined++;
      }),
    );

    // Without time nothing happens: hellos wait for their 1 ms delivery, nobody bootstraps or elects.
    await settle();
    expect(leaders(peers)).toEqual([]);
    expect(peers.map((p) => p.state)).toEqual(["idle", "idle", "idle"]);
    expect(clock.pendingTimers).toBeGreaterThan(0);

    for (let step = 0; step < 2000 && joined < 3; step++) await clock.advance(10);
    await Promise.all(joins);
    expect(leaders(peers)).toHaveLength(1);
    const leader = peers.find((p) => p.leader)!;
    for (const p of peers) expect(p.raft.leaderId).toBe(leader.localPeerId);
    expect([...leader.raft.voters].sort()).toEqual(["a", "b", "c"]);

    // A write from a follower is forwarded, appended and committed only as deliveries (1 ms each) fall due.
    const follower = peers.find((p) => !p.leader)!;
    const maps = peers.map((p) => p.createMap<string, number>({ mapId: "m" }));
    const writer = maps[peers.indexOf(follower)]!;
    let written = false;
    const write = writer.set("k", 1).then(() => {
      written = true;
    });
    await settle();
    expect(written).toBe(false);
    for (let step = 0; step < 100 && !written; step++) await clock.advance(1);
    await write;
    await clock.advance(50);
    for (const map of maps) expect(map.get("k")).toBe(1);

    // Failover: the old leader stops; the others keep it as leader until an election timeout elapses.
    leader.stop();
    const rest = peers.filter((p) => p !== leader);
    await settle();
    await clock.advance(100);
    for (const p of rest) expect(p.raft.leaderId).toBe(leader.localPeerId);
    for (let step = 0; step < 1000 && leaders(rest).length === 0; step++) await clock.advance(10);
    expect(leaders(rest)).toHaveLength(1);

    // Everything ran on the manual clock: no platform timer was ever left armed.
    expect(vi.getTimerCount()).toBe(0);
  });
});
