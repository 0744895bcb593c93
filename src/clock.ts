/**
 * The one source of time for everything under `src/`: timers and the wall clock.
 *
 * Real time by default (`realClock`); a test or a deterministic simulation passes a virtual clock
 * (`new Hamok({ clock })`, transport options `clock`) so the whole stack runs on simulated time.
 * No other module reads `Date.now`, `performance.now`, `setTimeout` or `setInterval` directly.
 * Microtasks (`queueMicrotask`, promises) are not time: they stay as they are.
 */

/** An opaque handle returned by `setTimeout`/`setInterval` of a {@link HamokClock}. */
export interface ClockTimer {
  /** Not to be read: only passed back to the clock that made it. */
  readonly __hamokClockTimer?: never;
}

/** Timers and the current time, as one injectable object. */
export interface HamokClock {
  /** Milliseconds since an arbitrary epoch; never decreases. */
  now(): number;
  /** Calls `callback` once, `delayInMs` from now (0 or less: on the next timer turn, never synchronously). */
  setTimeout(callback: () => void, delayInMs: number): ClockTimer;
  /** Cancels a timeout; `undefined` or an already fired timer is ignored. */
  clearTimeout(timer: ClockTimer | undefined): void;
  /** Calls `callback` every `intervalInMs` until cleared. */
  setInterval(callback: () => void, intervalInMs: number): ClockTimer;
  /** Cancels an interval; `undefined` is ignored. */
  clearInterval(timer: ClockTimer | undefined): void;
}

/** The platform's clock: `Date.now()` and the global timers. */
export const realClock: HamokClock = {
  now: () => Date.now(),
  setTimeout: (callback, delayInMs) => globalThis.setTimeout(callback, delayInMs) as unknown as ClockTimer,
  clearTimeout: (timer) => globalThis.clearTimeout(timer as unknown as ReturnType<typeof setTimeout>),
  setInterval: (callback, intervalInMs) => globalThis.setInterval(callback, intervalInMs) as unknown as ClockTimer,
  clearInterval: (timer) => globalThis.clearInterval(timer as unknown as ReturnType<typeof setInterval>),
};
