import type { HamokClock } from "../../clock.js";
import { HamokError } from "../../errors.js";
import type { DeadPeerLock } from "../../storage/dead-peers.js";

/**
 * Standing in for provably dead members of this browser (issue 10: tabs come and go without warning).
 *
 * A tab that crashed, was discarded or was closed with the browser sent nothing: it is still in the
 * configuration, and when enough such members pile up the live tabs have no quorum. A member whose peer-id Web
 * Lock is free and whose Raft state is in this origin's IndexedDB is provably gone (`storage/dead-peers.ts`).
 * Then a live tab runs a *stand-in* for it: a second peer, in this tab, with the member's id, started from the
 * member's own persisted term, vote and log, on the same kind of transport, holding the member's lock. The
 * stand-in is the member as it would be after a reload: Raft's safety rests on exactly that state (§5.2: at most
 * one vote per term, kept in the persisted vote; §5.4: a vote only for a log at least as up to date as the
 * persisted one), and the lock guarantees that nobody else (another tab, the member's own tab reloading) runs
 * that id meanwhile. The stand-in votes, acknowledges, may even lead, and asks for its own removal at once; as
 * soon as this tab sees that removal committed, the stand-in stops and the member's database is deleted (then
 * the lock is released: see `DeadPeerLock.retire` for why this order).
 *
 * When to act: only after this tab has been a member without a leader for `graceInMs` (one election timeout),
 * so that a reload (whose lock is free for a moment) is not mistaken for a death, and a healthy cluster never
 * starts stand-ins. Any live tab may act; of two tabs racing for one member, the lock picks one.
 *
 * When the removal counts as committed: this tab's own configuration (which follows its log) no longer lists
 * the member, and this tab's commit index has reached the last index its log had when it first saw that. A
 * removal that was appended but then truncated by a new leader puts the member back into the configuration,
 * which starts the wait over. Stopping earlier would not be safe: the member's own tab could reload, find no
 * database and rejoin from an empty state while still a member, and vote twice in a term.
 */

/** A stand-in peer: a peer with a dead member's id and database, run by this tab. */
export interface StandInPeer {
  /** Start from the member's persisted state and enter the cluster. */
  start(): Promise<void>;
  /** Ask (again) for the member's removal; a stand-in that leads commits its own removal. */
  requestRemoval(): void;
  /** Stop the stand-in and close its storage and transport. */
  close(): Promise<void>;
}

/** What the stand-ins need of the peer that runs them. */
export interface StandInHost {
  readonly clock: HamokClock;
  readonly localPeerId: string;
  /** How long this peer is a member without a leader before it acts (one election timeout). */
  readonly graceInMs: number;
  /** How often a stand-in asks again for its removal (the heartbeat). */
  readonly retryInMs: number;
  /** This peer's view: whether it is a member, the configuration, whether it has a leader, its log indexes. */
  view(): StandInView;
  /** The members among `candidates` that are provably dead (lock free, database here). */
  findDead(candidates: readonly string[]): Promise<string[]>;
  /** Take a dead member's lock, or `undefined` if another tab was faster or its database is gone. */
  lock(peerId: string): Promise<DeadPeerLock | undefined>;
  /** A stand-in for `peerId` (not started). */
  createStandIn(peerId: string): StandInPeer;
  reportError(error: HamokError): void;
  /** The set of members this peer stands in for changed. */
  changed(actingFor: readonly string[]): void;
}

/** This peer's view, as the stand-ins need it. */
export interface StandInView {
  readonly member: boolean;
  readonly led: boolean;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
  readonly commitIndex: number;
  readonly lastIndex: number;
}

interface Acting {
  readonly lock: DeadPeerLock;
  readonly peer: StandInPeer;
  /** This peer's last index when it first saw the member out of the configuration. */
  removedAt: number | undefined;
  lastAsk: number;
  finishing: boolean;
}

/** The stand-ins of one peer; driven by {@link tick} (every runtime tick). */
export class StandIns {
  private readonly acting = new Map<string, Acting>();
  private leaderlessSince: number | undefined;
  private searching = false;
  private closed = false;

  constructor(private readonly host: StandInHost) {}

  /** The members this peer currently stands in for, sorted. */
  get actingFor(): string[] {
    return [...this.acting.keys()].sort();
  }

  /** Whether `peerId` is one of this peer's stand-ins (its traffic is ours, not a return of the member). */
  has(peerId: string): boolean {
    return this.acting.has(peerId);
  }

  /** Look at the cluster: start stand-ins when needed, ask for removals, finish the removed ones. */
  tick(): void {
    if (this.closed) return;
    const view = this.host.view();
    const now = this.host.clock.now();
    if (!view.member || view.led) this.leaderlessSince = undefined;
    else this.leaderlessSince ??= now;
    for (const [peerId, acting] of this.acting) this.follow(peerId, acting, view, now);
    if (this.leaderlessSince !== undefined && now - this.leaderlessSince >= this.host.graceInMs) {
      void this.search(view);
    }
  }

  /** Stop every stand-in and release its lock (the members stay in the configuration and their databases stay). */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.acting.values()];
    this.acting.clear();
    await Promise.all(
      all.map(async ({ lock, peer }) => {
        await peer.close().catch(() => undefined);
        lock.release();
      }),
    );
  }

  private follow(peerId: string, acting: Acting, view: StandInView, now: number): void {
    if (acting.finishing) return;
    const member = view.voters.includes(peerId) || view.learners.includes(peerId);
    if (member) {
      acting.removedAt = undefined;
      if (now - acting.lastAsk >= this.host.retryInMs) {
        acting.lastAsk = now;
        acting.peer.requestRemoval();
      }
      return;
    }
    acting.removedAt ??= view.lastIndex;
    if (view.commitIndex >= acting.removedAt) void this.finish(peerId, acting);
  }

  /** Find dead members among the configuration and stand in for each one whose lock this tab gets. */
  private async search(view: StandInView): Promise<void> {
    if (this.searching) return;
    this.searching = true;
    try {
      const self = this.host.localPeerId;
      const candidates = [...view.voters, ...view.learners].filter((id) => id !== self && !this.acting.has(id));
      if (candidates.length === 0) return;
      const dead = await this.host.findDead(candidates);
      for (const peerId of dead) {
        if (this.closed || this.acting.has(peerId)) continue;
        const lock = await this.host.lock(peerId);
        if (lock === undefined) continue;
        if (this.closed) {
          lock.release();
          continue;
        }
        void this.standIn(peerId, lock);
      }
    } catch (error) {
      this.host.reportError(asHamokError(error, "cannot look for dead members"));
    } finally {
      this.searching = false;
    }
  }

  private async standIn(peerId: string, lock: DeadPeerLock): Promise<void> {
    const peer = this.host.createStandIn(peerId);
    const acting: Acting = { lock, peer, removedAt: undefined, lastAsk: Number.NEGATIVE_INFINITY, finishing: false };
    this.acting.set(peerId, acting);
    this.host.changed(this.actingFor);
    // Starting resolves only once the stand-in has a leader and caught up, which may need its own vote: the
    // removal is asked on every tick meanwhile (see follow), not after the start.
    try {
      await peer.start();
    } catch (error) {
      // A stand-in closed because its removal committed fails its start with Closed: that is the success path.
      if (acting.finishing || this.closed) return;
      this.host.reportError(asHamokError(error, `the stand-in for ${peerId} failed to start`));
      if (this.acting.get(peerId) === acting) {
        this.acting.delete(peerId);
        this.host.changed(this.actingFor);
      }
      await peer.close().catch(() => undefined);
      lock.release();
    }
  }

  private async finish(peerId: string, acting: Acting): Promise<void> {
    acting.finishing = true;
    try {
      await acting.peer.close();
      await acting.lock.retire();
    } catch (error) {
      acting.lock.release();
      this.host.reportError(asHamokError(error, `cannot delete the database of removed member ${peerId}`));
    } finally {
      if (this.acting.get(peerId) === acting) {
        this.acting.delete(peerId);
        this.host.changed(this.actingFor);
      }
    }
  }
}

function asHamokError(error: unknown, message: string): HamokError {
  return error instanceof HamokError ? error : new HamokError("StorageFailure", message, { cause: error });
}
