/**
 * Whether this page stalled: a frozen tab, a suspended laptop or a back/forward-cache stay runs nothing, then
 * everything that fell due at once. Hidden tabs' timers are only up to a second late, so a gap beyond
 * {@link STALL_TOLERANCE_MS} between two moments the page ran (a tick, a submit) or a deadline sweep that late is a
 * stall, and its end is the thaw. Requests use it to give a thawed page the chance to learn the outcome of the
 * writes the others applied while it slept (issue 10 case 4).
 */

/** How late a timer may run, or how long the page may go without running, before it counts as a stall. */
export const STALL_TOLERANCE_MS = 2_000;
/** How long a deadline sweep waits for a late tick to report a stall (see {@link StallWatch.sweepVerdict}). */
export const TICK_GRACE_MS = 100;

/** See the module comment. */
export class StallWatch {
  /** When the last stall ended (ms, the clock's), or -Infinity. */
  lastThawAt = Number.NEGATIVE_INFINITY;
  /** When this page last ran (a tick or a submit); `undefined` before either. */
  private lastRanAt: number | undefined;
  /** The `lastRanAt` at which a sweep last waited for a late tick (once each). */
  private waitedForRunAt: number | undefined;

  /** The page runs at `now`; true if it had stalled since it last ran (`now` is then the thaw, already noted). */
  ran(now: number): boolean {
    const last = this.lastRanAt;
    this.lastRanAt = now;
    if (last === undefined || now - last <= STALL_TOLERANCE_MS) return false;
    this.thawed(now);
    return true;
  }

  /** A stall ended at `now`. */
  thawed(now: number): void {
    this.lastThawAt = now;
    this.lastRanAt = now;
  }

  /**
   * A deadline sweep due at `due` runs at `now`: `stalled` if it is that late (the stall is noted); `wait` if it is
   * hardly late but the page's ticks are long overdue (a stall whose end the deadline fell near: give the late ticks
   * {@link TICK_GRACE_MS} to report it, once per stall, so a peer that stopped ticking for good is not waited on
   * again); else `on-time`.
   */
  sweepVerdict(now: number, due: number): "stalled" | "wait" | "on-time" {
    if (now - due > STALL_TOLERANCE_MS) {
      this.thawed(now);
      return "stalled";
    }
    const last = this.lastRanAt;
    if (last !== undefined && now - last > STALL_TOLERANCE_MS && this.waitedForRunAt !== last) {
      this.waitedForRunAt = last;
      return "wait";
    }
    return "on-time";
  }

  /**
   * Word from the leader counts as fresh only from this moment: messages queued while the page was frozen are
   * delivered at the thaw and speak of before it.
   */
  get freshSince(): number {
    return this.lastThawAt + STALL_TOLERANCE_MS;
  }
}
