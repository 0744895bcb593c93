import type { ClockTimer, HamokClock } from "../../src/clock";
import type { Hamok } from "../../src/hamok";

/**
 * Real time for one peer that can be frozen like a background tab (CDP `Page.setWebLifecycleState frozen`): while
 * frozen none of its timers run (an interval that falls due fires once at the thaw, as a page's does) and nothing is
 * delivered to it; at the thaw the late timers and the held messages run, in the order they fell due.
 */
export class FreezableClock implements HamokClock {
  private frozen = false;
  private held: (() => void)[] = [];
  private readonly heldIntervals = new Set<number>();
  private nextId = 1;
  private readonly live = new Map<number, ReturnType<typeof setTimeout>>();

  now(): number {
    return Date.now();
  }

  setTimeout(callback: () => void, delayInMs: number): ClockTimer {
    const id = this.nextId++;
    this.live.set(
      id,
      setTimeout(() => {
        this.live.delete(id);
        this.run(callback);
      }, delayInMs),
    );
    return id as unknown as ClockTimer;
  }

  clearTimeout(timer: ClockTimer | undefined): void {
    const id = timer as unknown as number;
    clearTimeout(this.live.get(id));
    this.live.delete(id);
  }

  setInterval(callback: () => void, intervalInMs: number): ClockTimer {
    const id = this.nextId++;
    this.live.set(
      id,
      setInterval(() => {
        if (!this.frozen) return callback();
        if (this.heldIntervals.has(id)) return;
        this.heldIntervals.add(id);
        this.held.push(() => {
          this.heldIntervals.delete(id);
          if (this.live.has(id)) callback();
        });
      }, intervalInMs),
    );
    return id as unknown as ClockTimer;
  }

  clearInterval(timer: ClockTimer | undefined): void {
    const id = timer as unknown as number;
    clearInterval(this.live.get(id));
    this.live.delete(id);
  }

  /** Run `callback` now, or at the thaw if frozen. */
  run(callback: () => void): void {
    if (this.frozen) this.held.push(callback);
    else callback();
  }

  freeze(): void {
    this.frozen = true;
  }

  /** Run what fell due while frozen, in order, then go on normally. */
  thaw(): void {
    this.frozen = false;
    const held = this.held;
    this.held = [];
    // Each in its own task, in order, as a page's queued tasks run (microtasks settle between them).
    for (const callback of held) setTimeout(callback, 0);
  }

  dispose(): void {
    for (const timer of this.live.values()) clearTimeout(timer);
    this.live.clear();
  }
}

/**
 * Wire peers as the manual does (every `message` handed to every other peer's `accept()`), holding the messages to a
 * frozen peer until its thaw (a frozen tab's inbound events queue up).
 */
export function wireFreezable(peers: readonly Hamok[], clocks: ReadonlyMap<Hamok, FreezableClock>): void {
  for (const from of peers) {
    from.on("message", (message) => {
      for (const to of peers) {
        if (to === from || to.closed) continue;
        const copy = structuredClone(message);
        const clock = clocks.get(to);
        queueMicrotask(() => (clock === undefined ? to.accept(copy) : clock.run(() => to.accept(copy))));
      }
    });
  }
}
