import type { ClockTimer, HamokClock } from "../../src/clock";

/** A clock that moves only when told: `advance(ms)` runs the timers that fall due, in order. */
export class ManualClock implements HamokClock {
  private time = 1_000_000;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; every?: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, delayInMs: number): ClockTimer {
    return this.add(callback, Math.max(0, delayInMs));
  }

  clearTimeout(timer: ClockTimer | undefined): void {
    this.timers.delete(timer as unknown as number);
  }

  setInterval(callback: () => void, intervalInMs: number): ClockTimer {
    return this.add(callback, Math.max(1, intervalInMs), Math.max(1, intervalInMs));
  }

  clearInterval(timer: ClockTimer | undefined): void {
    this.timers.delete(timer as unknown as number);
  }

  /** Time passes with nothing running (a frozen page): due timers fire late, at the next `advance`. */
  jump(ms: number): void {
    this.time += ms;
  }

  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.timers].filter(([, timer]) => timer.at <= until).sort(([, a], [, b]) => a.at - b.at)[0];
      if (due === undefined) break;
      const [id, timer] = due;
      this.time = Math.max(this.time, timer.at);
      if (timer.every === undefined) this.timers.delete(id);
      else timer.at += timer.every;
      timer.callback();
    }
    this.time = until;
  }

  private add(callback: () => void, delay: number, every?: number): ClockTimer {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + delay, callback, ...(every === undefined ? {} : { every }) });
    return id as unknown as ClockTimer;
  }
}
