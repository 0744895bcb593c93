import type { HamokClock } from "../../clock.js";

/** What a joined peer should do on a tick: nothing (`led`, `waiting`) or run discovery again (`look-around`). */
export type RejoinVerdict = "led" | "waiting" | "look-around";

/**
 * Rejoin when leaderless: a joined peer that goes `patienceInMs` without a leader in sight (or outside the
 * configuration, which is the same for it: only members hear a leader) looks around again, once per
 * `patienceInMs` while it lasts.
 */
export class RejoinWatch {
  private leaderlessSince: number | undefined;

  constructor(
    private readonly clock: HamokClock,
    private readonly patienceInMs: number,
  ) {}

  /** A leader became known: the leaderless stretch (if any) is over. */
  leaderSeen(): void {
    this.leaderlessSince = undefined;
  }

  /** One tick of a joined peer; `led`: it is a member and knows a leader. */
  tick(led: boolean): RejoinVerdict {
    if (led) {
      this.leaderlessSince = undefined;
      return "led";
    }
    const now = this.clock.now();
    this.leaderlessSince ??= now;
    if (now - this.leaderlessSince < this.patienceInMs) return "waiting";
    this.leaderlessSince = now;
    return "look-around";
  }
}
