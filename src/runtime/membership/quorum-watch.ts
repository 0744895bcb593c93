import type { HamokClock } from "../../clock.js";

/**
 * Whether this peer's cluster has a quorum, as far as this peer can tell, and which voters it misses.
 *
 * Raft never guesses liveness for safety: without a quorum nothing commits, whatever this module says. This is
 * the report an application needs when that happens (a cluster across browsers whose majority's browser is gone
 * cannot be repaired automatically: nobody here can prove those members dead): which voters are missing, and since
 * when. A follower that has a leader hears only from the leader (followers do not talk to each other), and a
 * leader steps down by itself when it loses its quorum (CheckQuorum), so a quorum counts as lost only while this
 * member has had no leader for a whole window (an election timeout) and has heard, within that window, from fewer
 * voters than a majority (itself included). Leaderless voters keep talking (PreVote requests and their answers),
 * so the live ones are heard.
 */

/** What the quorum watch reports (`hamok.quorum`, event `quorum-changed`). */
export interface HamokQuorumStatus {
  /** True while this member is leaderless and hears from fewer voters than a majority. */
  readonly lost: boolean;
  /** The voters not heard from within the window while the quorum is lost (sorted); empty otherwise. */
  readonly missingVoters: readonly string[];
  /** When this peer last had a leader (clock time, epoch ms with the real clock) while lost; else `undefined`. */
  readonly since: number | undefined;
}

/** The status with a quorum (or nothing to judge). */
export const QUORUM_OK: HamokQuorumStatus = { lost: false, missingVoters: [], since: undefined };

/** What the watch is fed on every tick. */
export interface QuorumView {
  /** Whether this peer is in the configuration. */
  readonly member: boolean;
  readonly led: boolean;
  readonly voters: readonly string[];
}

/** Tracks when each peer was last heard and judges the quorum on each {@link update}. */
export class QuorumWatch {
  private readonly lastHeard = new Map<string, number>();
  private lastLed: number;
  private current: HamokQuorumStatus = QUORUM_OK;

  constructor(
    private readonly clock: HamokClock,
    private readonly localPeerId: string,
    /** The window: an election timeout. */
    private readonly windowInMs: number,
    private readonly onChange: (status: HamokQuorumStatus) => void,
  ) {
    this.lastLed = clock.now();
  }

  /** The current status. */
  get status(): HamokQuorumStatus {
    return this.current;
  }

  /** A message from `peerId` arrived. */
  heard(peerId: string): void {
    this.lastHeard.set(peerId, this.clock.now());
  }

  /** Judge again (every tick); reports a change through `onChange`. */
  update(view: QuorumView): void {
    const now = this.clock.now();
    if (view.led || !view.member) this.lastLed = now;
    const next = this.judge(view, now);
    if (next.lost === this.current.lost && sameList(next.missingVoters, this.current.missingVoters)) return;
    this.current = next;
    this.onChange(next);
  }

  private judge(view: QuorumView, now: number): HamokQuorumStatus {
    if (view.led || !view.member || now - this.lastLed < this.windowInMs) return QUORUM_OK;
    const recent = (peerId: string) => {
      if (peerId === this.localPeerId) return true;
      const heard = this.lastHeard.get(peerId);
      return heard !== undefined && now - heard < this.windowInMs;
    };
    const present = view.voters.filter(recent).length;
    if (present > view.voters.length / 2) return QUORUM_OK;
    const missingVoters = view.voters.filter((peerId) => !recent(peerId)).sort();
    return { lost: true, missingVoters, since: this.lastLed };
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
