import type { ClockTimer, HamokClock } from "../../clock.js";
import { HamokError } from "../../errors.js";

/**
 * Promises that resolve when a condition on the peer's state holds. The state
 * changes only after a Ready or a tick, so the owner calls `recheck()` then,
 * instead of every waiter polling on its own timer.
 */

interface Waiter {
  readonly check: () => boolean;
  readonly resolve: () => void;
  readonly reject: (error: HamokError) => void;
}

/** See the module comment. */
export class Conditions {
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly clock: HamokClock) {}

  /** Resolve when `check()` holds; reject `Timeout` after `timeoutInMs` if given. */
  until(check: () => boolean, timeoutInMs?: number): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let timer: ClockTimer | undefined;
      const waiter: Waiter = {
        check,
        resolve: () => {
          this.clock.clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          this.clock.clearTimeout(timer);
          reject(error);
        },
      };
      if (timeoutInMs !== undefined) {
        timer = this.clock.setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new HamokError("Timeout", `not done within ${timeoutInMs} ms`, { indeterminate: false }));
        }, timeoutInMs);
      }
      this.waiters.add(waiter);
    });
  }

  /** Resolve every waiter whose condition now holds. */
  recheck(): void {
    for (const waiter of this.waiters) {
      if (waiter.check()) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /** Reject every waiter (the peer closed). */
  rejectAll(error: HamokError): void {
    for (const waiter of this.waiters) waiter.reject(error);
    this.waiters.clear();
  }
}
