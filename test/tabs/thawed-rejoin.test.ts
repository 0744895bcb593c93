import { afterEach, describe, expect, it } from "vitest";
import { type ClockTimer, type HamokClock, realClock } from "../../src/clock";
import { Hamok } from "../../src/hamok";
import { MemoryHub } from "../../src/transport/memory-hub";
import { closeAll, eventually, FAST, joinAll, leaderOf } from "../hamok/helpers";

/**
 * Issue 10 case 4 in Node: a tab frozen long enough to be removed thaws still naming its old leader and listing
 * itself as a voter (nothing reached it). On `resume` it must learn its removal, ask to be re-added and get its
 * first write committed within that write's timeout.
 */

/** Real time, but while frozen no timer runs (a frozen page): the due ones run at the thaw, once each. */
class FreezableClock implements HamokClock {
  private frozen = false;
  private readonly deferred = new Map<ClockTimer, () => void>();

  now(): number {
    return realClock.now();
  }

  setTimeout(callback: () => void, delayInMs: number): ClockTimer {
    const timer: ClockTimer = realClock.setTimeout(() => this.run(timer, callback), delayInMs);
    return timer;
  }

  clearTimeout(timer: ClockTimer | undefined): void {
    if (timer !== undefined) this.deferred.delete(timer);
    realClock.clearTimeout(timer);
  }

  setInterval(callback: () => void, intervalInMs: number): ClockTimer {
    const timer: ClockTimer = realClock.setInterval(() => this.run(timer, callback), intervalInMs);
    return timer;
  }

  clearInterval(timer: ClockTimer | undefined): void {
    if (timer !== undefined) this.deferred.delete(timer);
    realClock.clearInterval(timer);
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    const due = [...this.deferred.values()];
    this.deferred.clear();
    for (const callback of due) callback();
  }

  private run(timer: ClockTimer, callback: () => void): void {
    if (this.frozen) this.deferred.set(timer, callback);
    else callback();
  }
}

/** A tab's `document` and `window`, as far as the page lifecycle listens. */
class FakePage {
  readonly document = Object.assign(new EventTarget(), { visibilityState: "visible" });
  readonly window = new EventTarget();
}

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

describe("a thawed tab that was removed while frozen", () => {
  it("asks to be re-added on resume, and its first write commits within its request timeout", async () => {
    const hub = new MemoryHub({ cloneMessages: true });
    const clock = new FreezableClock();
    const page = new FakePage();
    const live = [1, 2].map((i) => new Hamok({ ...FAST, peerId: `p${i}`, seed: i, removeUnreachableAfterMs: 150 }));
    // A hidden tab's timers run about once a second, so its election timer takes ~10 s: after the thaw it goes on
    // naming its old leader for that long (followerMaxIdleInMs stands for that throttling here).
    const thawed = new Hamok({
      ...FAST,
      peerId: "p3",
      seed: 3,
      clock,
      followerMaxIdleInMs: 10_000,
      pageLifecycle: page,
    });
    peers = [...live, thawed];
    await joinAll(hub, peers);
    await eventually(() => peers.every((peer) => peer.raft.voters.length === 3), 5000, "three voters");
    const leader = leaderOf(peers);
    expect(leader).not.toBe(thawed);
    const maps = peers.map((peer) => peer.createMap<string, number>({ mapId: "m" }));
    const thawedMap = maps[2]!;
    await thawedMap.set("before", 1);

    clock.freeze();
    hub.partition(["p3"]);
    await eventually(() => !leader.raft.voters.includes("p3"), 5000, "the removal of the frozen tab");
    await maps[peers.indexOf(leader)]!.set("while frozen", 2);
    hub.heal();
    clock.thaw();
    page.document.dispatchEvent(new Event("resume"));
    // Nothing reached it: it still names its leader and lists itself.
    expect(thawed.raft.voters).toContain("p3");

    await expect(thawedMap.set("after the thaw", 3)).resolves.toBeUndefined();
    await eventually(() => maps.every((map) => map.get("after the thaw") === 3), 5000, "the write everywhere");
    expect(thawedMap.get("while frozen")).toBe(2);
    expect([...leader.raft.voters, ...leader.raft.learners]).toContain("p3");
  });
});
