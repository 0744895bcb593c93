/**
 * A {@link HamokClock} on virtual time, for deterministic tests and simulations: nothing fires by
 * itself; the test calls {@link VirtualClock.fireNext} (or {@link VirtualClock.fireUntil}) and time
 * jumps to the next due timer. Timers due at the same instant fire in the order they were set.
 *
 * Timers belong to a domain (one per simulated peer, see {@link VirtualClock.domain}): a frozen
 * domain runs nothing until it thaws, as a frozen browser tab or a stalled process (its overdue
 * timers then fire at once, in their order), and a dropped domain never runs again (a crash).
 * Microtasks are not time: after each timer the caller lets them (and any real I/O) settle.
 */
import type { ClockTimer, HamokClock } from "../clock.js";

interface Scheduled {
  readonly id: number;
  readonly domain: string;
  readonly callback: () => void;
  /** 0 for a timeout; the period of an interval. */
  readonly interval: number;
  at: number;
  /** Tie-break among timers due at the same instant: the order they were (re)scheduled in. */
  seq: number;
}

interface VirtualTimer extends ClockTimer {
  readonly id: number;
}

/** The default domain of timers set on the clock itself. */
export const DEFAULT_DOMAIN = "";

/** See the module comment. */
export class VirtualClock implements HamokClock {
  private time: number;
  private seq = 0;
  private nextId = 1;
  /** A binary min-heap on (at, seq); cancelled timers are skipped when they reach the top. */
  private readonly heap: Scheduled[] = [];
  private readonly live = new Map<number, Scheduled>();
  private readonly frozenUntil = new Map<string, number>();
  private readonly dropped = new Set<string>();
  private readonly views = new Map<string, HamokClock>();
  /** Timers fired so far. */
  fired = 0;

  /** `start`: the initial `now()`, in ms. Default 0. */
  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, delayInMs: number): ClockTimer {
    return this.schedule(DEFAULT_DOMAIN, callback, delayInMs, 0);
  }

  clearTimeout(timer: ClockTimer | undefined): void {
    this.cancel(timer);
  }

  setInterval(callback: () => void, intervalInMs: number): ClockTimer {
    // As platforms do, an interval is at least 1 ms: a 0 ms interval would never let time advance.
    const period = Math.max(1, intervalInMs);
    return this.schedule(DEFAULT_DOMAIN, callback, period, period);
  }

  clearInterval(timer: ClockTimer | undefined): void {
    this.cancel(timer);
  }

  /** A clock whose timers belong to `name` (same time, same queue); the same view for the same name. */
  domain(name: string): HamokClock {
    let view = this.views.get(name);
    if (view === undefined) {
      view = {
        now: () => this.time,
        setTimeout: (callback, delayInMs) => this.schedule(name, callback, delayInMs, 0),
        clearTimeout: (timer) => this.cancel(timer),
        setInterval: (callback, intervalInMs) => {
          const period = Math.max(1, intervalInMs);
          return this.schedule(name, callback, period, period);
        },
        clearInterval: (timer) => this.cancel(timer),
      };
      this.views.set(name, view);
    }
    return view;
  }

  /** Run nothing of `name` before `untilMs`: its timers due earlier fire at `untilMs`, in order. */
  freeze(name: string, untilMs: number): void {
    this.frozenUntil.set(name, Math.max(untilMs, this.frozenUntil.get(name) ?? 0));
  }

  /** Whether `name` is frozen now. */
  isFrozen(name: string): boolean {
    return (this.frozenUntil.get(name) ?? 0) > this.time;
  }

  /** Cancel every timer of `name`, now and later (the process is gone). */
  drop(name: string): void {
    this.dropped.add(name);
    for (const [id, item] of this.live) if (item.domain === name) this.live.delete(id);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.live.size;
  }

  /** When the next timer fires (after freezes), or `undefined` when none is pending. */
  nextAt(): number | undefined {
    const top = this.peekLive();
    return top === undefined ? undefined : top.at;
  }

  /**
   * Fire the next timer due at or before `limitMs`, advancing time to it. Returns `false` (and
   * advances time to `limitMs`, when finite) when none is due by then.
   */
  fireNext(limitMs = Number.POSITIVE_INFINITY): boolean {
    const item = this.peekLive();
    if (item === undefined || item.at > limitMs) {
      if (Number.isFinite(limitMs) && limitMs > this.time) this.time = limitMs;
      return false;
    }
    this.pop();
    this.time = Math.max(this.time, item.at);
    if (item.interval > 0) {
      item.at = this.time + item.interval;
      item.seq = this.seq++;
      this.push(item);
    } else {
      this.live.delete(item.id);
    }
    this.fired++;
    item.callback();
    return true;
  }

  /** Fire every timer due up to `limitMs` synchronously (no settling between them), then set time to it. */
  fireUntil(limitMs: number): number {
    let count = 0;
    while (this.fireNext(limitMs)) count++;
    return count;
  }

  private schedule(domain: string, callback: () => void, delayInMs: number, interval: number): ClockTimer {
    const id = this.nextId++;
    const timer: VirtualTimer = { id };
    if (this.dropped.has(domain)) return timer;
    const delay = Number.isFinite(delayInMs) && delayInMs > 0 ? delayInMs : 0;
    const item: Scheduled = { id, domain, callback, interval, at: this.time + delay, seq: this.seq++ };
    this.live.set(id, item);
    this.push(item);
    return timer;
  }

  private cancel(timer: ClockTimer | undefined): void {
    if (timer === undefined) return;
    this.live.delete((timer as VirtualTimer).id);
  }

  /** The earliest live timer, moved past its domain's freeze if needed; cancelled ones are discarded. */
  private peekLive(): Scheduled | undefined {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined) return undefined;
      if (this.live.get(top.id) !== top) {
        this.pop();
        continue;
      }
      const frozen = this.frozenUntil.get(top.domain) ?? 0;
      if (frozen > top.at) {
        // Overdue at the thaw: keeps its place among the others postponed with it.
        this.pop();
        top.at = frozen;
        this.push(top);
        continue;
      }
      return top;
    }
  }

  private push(item: Scheduled): void {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
