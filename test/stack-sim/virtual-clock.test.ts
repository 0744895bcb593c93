import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../src/testing/virtual-clock";

describe("VirtualClock", () => {
  it("fires nothing by itself; fireNext jumps to the next timer, same-instant timers in the order set", () => {
    const clock = new VirtualClock(100);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push("b@10"), 10);
    clock.setTimeout(() => seen.push("a@5"), 5);
    clock.setTimeout(() => seen.push("c@10"), 10);
    clock.setTimeout(() => seen.push("now"), 0);
    expect(seen).toEqual([]);
    expect(clock.nextAt()).toBe(100);
    expect(clock.fireUntil(110)).toBe(4);
    expect(seen).toEqual(["now", "a@5", "b@10", "c@10"]);
    expect(clock.now()).toBe(110);
    expect(clock.fireNext()).toBe(false);
  });

  it("repeats intervals (at least 1 ms) until cleared, and ignores cleared or unknown timers", () => {
    const clock = new VirtualClock();
    let ticks = 0;
    const interval = clock.setInterval(() => ticks++, 10);
    const cancelled = clock.setTimeout(() => (ticks += 100), 15);
    clock.clearTimeout(cancelled);
    clock.clearTimeout(undefined);
    clock.fireUntil(35);
    expect(ticks).toBe(3);
    clock.clearInterval(interval);
    clock.fireUntil(100);
    expect(ticks).toBe(3);
    let zero = 0;
    const fast = clock.setInterval(() => zero++, 0);
    clock.fireUntil(105);
    clock.clearInterval(fast);
    expect(zero).toBe(5);
  });

  it("a frozen domain runs nothing until it thaws, then its overdue timers fire at once, in order", () => {
    const clock = new VirtualClock();
    const peer = clock.domain("p1");
    expect(clock.domain("p1")).toBe(peer);
    const seen: string[] = [];
    peer.setTimeout(() => seen.push(`p1 first @${clock.now()}`), 10);
    peer.setTimeout(() => seen.push(`p1 second @${clock.now()}`), 20);
    clock.domain("p2").setTimeout(() => seen.push(`p2 @${clock.now()}`), 15);
    clock.freeze("p1", 50);
    expect(clock.isFrozen("p1")).toBe(true);
    clock.fireUntil(100);
    expect(seen).toEqual(["p2 @15", "p1 first @50", "p1 second @50"]);
    expect(clock.isFrozen("p1")).toBe(false);
  });

  it("a dropped domain never runs again, also timers set after the drop", () => {
    const clock = new VirtualClock();
    const peer = clock.domain("p1");
    let fired = 0;
    peer.setInterval(() => fired++, 5);
    clock.fireUntil(12);
    clock.drop("p1");
    peer.setTimeout(() => fired++, 1);
    clock.fireUntil(100);
    expect(fired).toBe(2);
    expect(clock.pending).toBe(0);
  });
});
