import { sameConf } from "./configuration.js";
import { Raft } from "./raft.js";
import type {
  ConfChange,
  ConfState,
  HardState,
  NodeId,
  ProgressStatus,
  ProposeResult,
  RaftConfig,
  RaftMessage,
  RaftRestoreState,
  RaftStatus,
  Ready,
  Snapshot,
  SoftState,
} from "./types.js";

/**
 * The public face of the Raft core (model: etcd-io/raft's RawNode). Inputs
 * are ticks, messages and proposals; outputs come out as a {@link Ready} that
 * the runtime persists, sends, applies and then acknowledges with `advance()`.
 * Synchronous and deterministic: no timers, clocks, randomness (beyond
 * `config.random`) or I/O.
 */
export class RaftNode {
  readonly #raft: Raft;
  #prevSoft: SoftState;
  #prevHard: HardState;
  #prevConf: ConfState;

  constructor(config: RaftConfig, restore: RaftRestoreState) {
    this.#raft = new Raft(config, restore);
    this.#prevSoft = this.#softState();
    // The restored hard state is on disk already; a bootstrap changes it and shows up in the first Ready.
    this.#prevHard = restore.hardState;
    this.#prevConf = this.#raft.conf;
  }

  /** One logical clock tick: drives election timeouts and heartbeats. */
  tick(): void {
    this.#raft.tick();
  }

  /**
   * Feeds a message from a peer. Stale, misaddressed or impossible messages are
   * ignored; messages above the term ceiling, from non-members of a configured
   * node, and `timeout-now` from anyone but the current leader are dropped and
   * listed in `Ready.droppedMessages` (see acceptance.ts). It never throws.
   */
  step(message: RaftMessage): void {
    this.#raft.step(message);
  }

  /**
   * Proposes application data. A leader appends it at once (and sends it in the
   * same Ready); a follower forwards it to the leader; without a known leader it
   * is refused with `no-leader`. A forwarded proposal the leader refuses comes
   * back in `Ready.rejectedProposals`.
   */
  propose(id: string, data: unknown): ProposeResult {
    return result(this.#raft.propose({ id, type: "normal", data }));
  }

  /** Proposes a single-server membership change (one uncommitted at a time). */
  proposeConfChange(id: string, change: ConfChange): ProposeResult {
    return result(this.#raft.propose({ id, type: "conf", data: change }));
  }

  /** Requests a linearizable read point; the answer is in `Ready.readStates` or `Ready.rejectedReads`. */
  readIndex(context: string): void {
    this.#raft.readIndex(context);
  }

  /**
   * On the leader: hands leadership to voter `to` (thesis §3.10); proposals are
   * refused with `transfer-in-progress` until it completes or is abandoned after
   * an election timeout. `to` = the leader's own id cancels a pending transfer.
   * Ignored on other nodes.
   */
  transferLeader(to: NodeId): void {
    this.#raft.transferLeader(to);
  }

  /**
   * Member `by` of this node's configuration says `peer` is a member too (the
   * runtime learns it from `by`'s announcement of the leader it follows). Until
   * `peer` appears in this node's configuration, its messages are accepted as a
   * member's: how a follower that lags behind `peer`'s addition hears `peer` as
   * leader (see acceptance.ts). Returns false, and changes nothing, when `by` is
   * not a member, `peer` already is one, or this node has no configuration.
   */
  vouch(peer: NodeId, by: NodeId): boolean {
    return this.#raft.vouches.vouch(this.#raft.conf, peer, by);
  }

  /**
   * Accepts Raft messages from `peer` as a member's, on the caller's authority, until `peer`
   * appears in this node's configuration: for a runtime that knows no member of the
   * configuration is left to {@link RaftNode.vouch} (see acceptance.ts). The core cannot check
   * that claim. Returns false, and changes nothing, when `peer` is a member already or this
   * node has no configuration.
   */
  acceptMember(peer: NodeId): boolean {
    return this.#raft.vouches.add(this.#raft.conf, peer);
  }

  /**
   * Starts an election now, as an election timeout would (with PreVote when
   * enabled); bootstraps a single-node cluster without waiting.
   */
  campaign(): void {
    this.#raft.hup();
  }

  /**
   * Records a snapshot of the application state at applied `index` and drops
   * the log entries it covers. Returns the snapshot for the runtime to persist
   * (then it may delete its entries up to `index`).
   */
  compact(index: number, data: Uint8Array): Snapshot {
    const log = this.#raft.log;
    if (index <= log.snapshotIndex()) return log.snapshot;
    if (index > log.applied) throw new RangeError(`compact(${index}) beyond applied index ${log.applied}`);
    const snapshot: Snapshot = {
      meta: { index, term: log.term(index)!, confState: this.#raft.confAt(index) },
      data,
    };
    log.compact(snapshot);
    return snapshot;
  }

  hasReady(): boolean {
    const r = this.#raft;
    return (
      r.msgs.length > 0 ||
      r.log.stabled < r.log.lastIndex() ||
      r.log.pendingSnapshot !== undefined ||
      r.log.hasNextCommittedEntries() ||
      r.readStates.length > 0 ||
      r.rejectedProposals.length > 0 ||
      r.rejectedReads.length > 0 ||
      r.droppedMessages.length > 0 ||
      r.role !== this.#prevSoft.role ||
      r.lead !== this.#prevSoft.leaderId ||
      r.term !== this.#prevSoft.term ||
      r.vote !== this.#prevHard.vote ||
      r.log.committed !== this.#prevHard.commit ||
      r.term !== this.#prevHard.term ||
      r.conf !== this.#prevConf
    );
  }

  /** Takes the pending work out of the core. Follow with persist, send, apply, then `advance(ready)`. */
  ready(): Ready {
    const r = this.#raft;
    const soft = this.#softState();
    const hard = this.#hardState();
    const snapshot = r.log.pendingSnapshot;
    const entries = r.log.unstableEntries();
    const committedEntries = r.log.nextCommittedEntries();
    const rd: {
      -readonly [K in keyof Ready]: Ready[K];
    } = {
      entries,
      committedEntries,
      messages: r.msgs,
      readStates: r.readStates,
      rejectedProposals: r.rejectedProposals,
      rejectedReads: r.rejectedReads,
      droppedMessages: r.droppedMessages,
    };
    if (!sameSoft(soft, this.#prevSoft)) rd.softState = soft;
    if (!sameHard(hard, this.#prevHard)) rd.hardState = hard;
    if (snapshot) rd.snapshot = snapshot;
    if (r.conf !== this.#prevConf && !sameConf(r.conf, this.#prevConf)) rd.confState = r.conf;
    this.#prevSoft = soft;
    this.#prevHard = hard;
    this.#prevConf = r.conf;
    r.msgs = [];
    r.readStates = [];
    r.rejectedProposals = [];
    r.rejectedReads = [];
    r.droppedMessages = [];
    r.log.pendingSnapshot = undefined;
    r.log.stabled = r.log.lastIndex();
    const lastApplying = committedEntries[committedEntries.length - 1];
    if (lastApplying) r.log.applying = lastApplying.index;
    return rd;
  }

  /**
   * The runtime persisted, sent and applied `ready`. With `asyncStorageWrites` it may have sent the messages
   * before the save completed, but calls this only once the save is durable: a leader then counts its own
   * log up to the Ready's entries toward the commit quorum (thesis §10.2.1).
   */
  advance(ready: Ready): void {
    const log = this.#raft.log;
    if (ready.snapshot) log.persisted = Math.max(log.persisted, ready.snapshot.meta.index);
    const lastSaved = ready.entries[ready.entries.length - 1];
    // An entry replaced while this Ready was being saved is not the one that was saved (log matching, §5.3).
    if (lastSaved && log.term(lastSaved.index) === lastSaved.term) {
      log.persisted = Math.max(log.persisted, lastSaved.index);
    }
    if (this.#raft.opts.asyncStorageWrites) this.#raft.leader?.selfPersisted();
    if (ready.snapshot) log.applied = Math.max(log.applied, ready.snapshot.meta.index);
    const last = ready.committedEntries[ready.committedEntries.length - 1];
    if (last) log.applied = Math.max(log.applied, last.index);
    if (log.applying < log.applied) log.applying = log.applied;
  }

  status(): RaftStatus {
    const r = this.#raft;
    const base = {
      id: r.id,
      role: r.role,
      term: r.term,
      vote: r.vote,
      leaderId: r.lead,
      commit: r.log.committed,
      applied: r.log.applied,
      firstIndex: r.log.firstIndex(),
      lastIndex: r.log.lastIndex(),
      snapshotIndex: r.log.snapshotIndex(),
      confState: r.conf,
      leadTransferee: r.leader?.transferee ?? null,
    };
    if (!r.leader) return base;
    const progress: Record<NodeId, ProgressStatus> = {};
    for (const [id, pr] of r.leader.prs) {
      progress[id] = {
        match: pr.match,
        next: pr.next,
        state: pr.state,
        inflight: pr.inflights.count,
        recentActive: id === r.id || pr.recentActive,
        ticksSinceHeard: id === r.id ? 0 : pr.ticksSinceHeard,
      };
    }
    return { ...base, progress };
  }

  #softState(): SoftState {
    return { role: this.#raft.role, leaderId: this.#raft.lead, term: this.#raft.term };
  }

  #hardState(): HardState {
    return { term: this.#raft.term, vote: this.#raft.vote, commit: this.#raft.log.committed };
  }
}

function result(reason: ReturnType<Raft["propose"]>): ProposeResult {
  return reason === undefined ? { ok: true } : { ok: false, reason };
}

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.role === b.role && a.leaderId === b.leaderId && a.term === b.term;
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
