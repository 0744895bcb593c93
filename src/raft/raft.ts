import { refusal, Vouches } from "./acceptance.js";
import { bootstrapEntries, confAfter, EMPTY_CONF, isConfChange, normalizeConf, sameConf } from "./configuration.js";
import { handleAppend, handleHeartbeat, handleSnapshotChunk } from "./follower.js";
import { forwardProposal, forwardRead, refuseNonMember, stepForwarding } from "./forwarding.js";
import { Leader } from "./leader.js";
import { MAX_DROP_RECORDS, MAX_TERM } from "./limits.js";
import { FORWARDING_TYPES, isWellFormed } from "./message-checks.js";
import { type RaftOptions, resolveOptions } from "./options.js";
import { voteResult } from "./quorum.js";
import { RaftLog } from "./raft-log.js";
import { randomInt } from "./random.js";
import { RefusedForwards } from "./refused-forwards.js";
import { SnapshotReceiver } from "./snapshot-chunks.js";
import type {
  ConfState,
  DroppedMessage,
  DropReason,
  EntryType,
  NodeId,
  ProposalRejectReason,
  RaftConfig,
  RaftMessage,
  RaftRestoreState,
  RaftRole,
  ReadState,
  RejectedProposal,
  Snapshot,
} from "./types.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** A message before `from` (and usually `term`) are filled in by `send`. */
export type Outgoing = Omit<Mutable<RaftMessage>, "from" | "term"> & { term?: number };
type CampaignKind = "pre-vote" | "election" | "transfer";

/** A proposal as it travels to the leader: not yet given a term or an index. */
export interface Proposal {
  readonly id: string;
  readonly type: EntryType;
  readonly data: unknown;
}

const EMPTY_DATA = new Uint8Array(0);

/**
 * The Raft state machine (model: etcd-io/raft's raft.go): roles, terms,
 * elections and message dispatch. Leader-only state and replication live in
 * {@link Leader}; the follower's handlers in follower.ts. Everything is
 * synchronous and deterministic; outputs accumulate in `msgs`, `readStates`,
 * `rejectedProposals`, `rejectedReads` and the log, and `RaftNode` hands them
 * out as a Ready.
 */
export class Raft {
  readonly id: NodeId;
  readonly opts: RaftOptions;
  term: number;
  vote: NodeId | null;
  lead: NodeId | null = null;
  role: RaftRole = "follower";
  readonly log: RaftLog;
  /** The configuration in effect: the latest one in the log, committed or not (thesis §4.1). */
  conf: ConfState = EMPTY_CONF;
  /** Index of the entry (or snapshot) that produced `conf`. */
  confIndex = 0;
  /** Set while leading. */
  leader: Leader | null = null;
  /** Ticks since we heard from a leader (followers), or since the last CheckQuorum round (leader). */
  electionElapsed = 0;
  readonly receiver = new SnapshotReceiver();
  msgs: RaftMessage[] = [];
  readStates: ReadState[] = [];
  rejectedProposals: RejectedProposal[] = [];
  rejectedReads: { context: string; reason: ProposalRejectReason }[] = [];
  droppedMessages: DroppedMessage[] = [];
  /** Non-members a member vouched for (see acceptance.ts). */
  readonly vouches = new Vouches();
  /** Forwarded proposals this node refused: a duplicate of one is refused again (see refused-forwards.ts). */
  readonly refusedForwards = new RefusedForwards();

  #randomizedElectionTimeout = 0;
  #votes = new Map<NodeId, boolean>();
  /** The `remove` entries in our log (see {@link Raft.removedByUncommitted}). */
  #removals: { readonly index: number; readonly nodeId: NodeId }[] = [];
  /** Contexts this follower forwarded to its leader and has no answer for yet (see forwarding.ts). */
  readonly forwardedReads = new Set<string>();

  constructor(config: RaftConfig, restore: RaftRestoreState) {
    this.id = config.id;
    this.opts = resolveOptions(config);
    let hard = restore.hardState;
    let entries = restore.entries;
    const bootstrap =
      !restore.snapshot && entries.length === 0 && hard.term === 0 && hard.commit === 0 && restore.initialConfState;
    if (bootstrap) {
      entries = bootstrapEntries(restore.initialConfState!);
      hard = { term: 1, vote: null, commit: entries.length };
    }
    const snapshot: Snapshot = restore.snapshot ?? {
      meta: { index: 0, term: 0, confState: EMPTY_CONF },
      data: EMPTY_DATA,
    };
    this.log = new RaftLog(snapshot, entries, hard.commit);
    // Bootstrap entries are new: they go out for persistence in the first Ready.
    if (bootstrap) {
      this.log.stabled = 0;
      this.log.persisted = 0;
    }
    this.term = hard.term;
    this.vote = hard.vote;
    this.recomputeConf();
    this.becomeFollower(this.term, null);
  }

  // ---------------------------------------------------------------- roles

  promotable(): boolean {
    return this.conf.voters.includes(this.id);
  }

  #setLead(lead: NodeId | null): void {
    if (lead === this.lead) return;
    this.lead = lead;
    // Reads forwarded to the previous leader will not be answered by another one.
    for (const context of this.forwardedReads) this.rejectedReads.push({ context, reason: "no-leader" });
    this.forwardedReads.clear();
  }

  #reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.#setLead(null);
    this.electionElapsed = 0;
    this.#resetRandomizedElectionTimeout();
    this.#votes = new Map();
    if (this.leader) {
      this.leader.stepDown();
      this.leader = null;
    }
  }

  /** A fresh election timeout in [E, 2E), drawn for every election (§5.2). */
  #resetRandomizedElectionTimeout(): void {
    const e = this.opts.electionTicks;
    this.#randomizedElectionTimeout = randomInt(this.opts.random, e, 2 * e);
  }

  becomeFollower(term: number, lead: NodeId | null): void {
    this.#reset(term);
    this.#setLead(lead);
    this.role = "follower";
  }

  /**
   * A newer term learned from a vote request or an answer, not from a leader:
   * follow it without restarting the election timer (Figure 2: only a leader's
   * AppendEntries or a granted vote do). Restarting it would let a candidate
   * that cannot win keep pushing back, with every term it announces, the
   * timeout of a voter that could.
   */
  #adoptTerm(term: number): void {
    const wasLeader = this.leader !== null;
    const elapsed = this.electionElapsed;
    const timeout = this.#randomizedElectionTimeout;
    this.becomeFollower(term, null);
    if (wasLeader) return;
    this.electionElapsed = elapsed;
    this.#randomizedElectionTimeout = timeout;
  }

  #becomePreCandidate(): void {
    // PreVote (thesis §9.6): ask first, without touching term or vote.
    this.#votes = new Map();
    this.#setLead(null);
    this.role = "pre-candidate";
    this.electionElapsed = 0;
    this.#resetRandomizedElectionTimeout();
  }

  #becomeCandidate(): void {
    this.#reset(this.term + 1);
    this.vote = this.id;
    this.role = "candidate";
  }

  #becomeLeader(): void {
    this.#reset(this.term);
    this.#setLead(this.id);
    this.role = "leader";
    this.leader = new Leader(this);
    this.leader.start();
  }

  // ---------------------------------------------------------------- ticks and elections

  tick(): void {
    if (this.leader) {
      this.leader.tick();
      return;
    }
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.#randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup();
    }
  }

  /** Starts an election as a timeout does: with a PreVote round first when enabled. */
  hup(): void {
    this.campaign(this.opts.preVote ? "pre-vote" : "election");
  }

  campaign(kind: CampaignKind): void {
    // Learners and non-members never campaign (thesis §4.2.1).
    if (!this.promotable() || this.role === "leader") return;
    // The term never rises past the ceiling (an election there would need an unrepresentable term).
    if (this.term >= MAX_TERM) return;
    let term: number;
    if (kind === "pre-vote") {
      this.#becomePreCandidate();
      term = this.term + 1;
    } else {
      this.#becomeCandidate();
      term = this.term;
    }
    if (this.#poll(this.id, true)) return;
    for (const id of this.conf.voters) {
      if (id === this.id) continue;
      this.send({
        type: kind === "pre-vote" ? "pre-vote" : "vote",
        to: id,
        term,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        ...(kind === "transfer" ? { context: "transfer" } : {}),
      });
    }
  }

  /** Records a vote; returns true when it decided the election. Only voters of our configuration count. */
  #poll(from: NodeId, granted: boolean): boolean {
    if (!this.#votes.has(from)) this.#votes.set(from, granted);
    const result = voteResult(this.conf.voters, this.#votes);
    if (result === "won") {
      if (this.role === "pre-candidate") this.campaign("election");
      else this.#becomeLeader();
      return true;
    }
    if (result === "lost") {
      this.becomeFollower(this.term, null);
      return true;
    }
    return false;
  }

  #handleVoteRequest(m: RaftMessage): void {
    const pre = m.type === "pre-vote";
    // §5.2: one vote per term; a pre-vote for a later term binds nothing.
    const canVote = this.vote === m.from || (this.vote === null && this.lead === null) || (pre && m.term > this.term);
    // §5.4.1: only for a log at least as up-to-date as ours.
    const upToDate = this.log.isUpToDate(m.index ?? 0, m.logTerm ?? 0);
    const type = pre ? "pre-vote-response" : "vote-response";
    if (canVote && upToDate) {
      // A granted vote carries the candidate's term so it is not mistaken for a stale answer.
      this.send({ type, to: m.from, term: m.term, reject: false });
      if (!pre) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type, to: m.from, reject: true });
    }
  }

  // ---------------------------------------------------------------- step

  step(m: RaftMessage): void {
    if (!isWellFormed(m) || m.to !== this.id || m.from === this.id) return;
    const dropped = refusal(
      {
        conf: this.conf,
        term: this.term,
        lead: this.lead,
        vouched: this.vouches.ids,
        removedByUncommitted: (id) => this.removedByUncommitted(id),
      },
      m,
    );
    if (dropped !== undefined) {
      refuseNonMember(this, m, dropped);
      this.#recordDrop(m, dropped);
      return;
    }
    if (FORWARDING_TYPES.has(m.type)) {
      stepForwarding(this, m);
      return;
    }
    if (m.term > this.term) {
      if (m.type === "vote" || m.type === "pre-vote") {
        // Leader lease (thesis §4.2.3): while we hear from a leader, a (pre-)candidate gets
        // no answer at all, unless a leadership transfer asked for the election.
        const lease =
          (this.opts.checkQuorum || m.type === "pre-vote") &&
          this.lead !== null &&
          this.electionElapsed < this.opts.electionTicks;
        if (lease && m.context !== "transfer") return;
      }
      if (m.type === "pre-vote" || (m.type === "pre-vote-response" && m.reject !== true)) {
        // Never change our term because of a pre-vote; a pre-candidate bumps it only once a quorum agreed.
      } else if (m.type === "append" || m.type === "heartbeat" || m.type === "snapshot") {
        this.becomeFollower(m.term, m.from);
      } else {
        this.#adoptTerm(m.term);
      }
    } else if (m.term < this.term) {
      if ((this.opts.checkQuorum || this.opts.preVote) && (m.type === "append" || m.type === "heartbeat")) {
        // A stale leader (isolated, then healed) learns our term and steps down; with
        // PreVote nothing else would ever tell it.
        this.send({ type: "append-response", to: m.from });
      } else if (m.type === "pre-vote" || m.type === "vote") {
        // Tell a lagging (pre-)candidate our term (§5.1). Ignoring it can livelock: a candidate
        // with the better log but a lower term never catches up with a voter that keeps raising
        // its own term in elections it cannot win.
        this.send({ type: m.type === "vote" ? "vote-response" : "pre-vote-response", to: m.from, reject: true });
      }
      return;
    }

    if (m.type === "vote" || m.type === "pre-vote") {
      this.#handleVoteRequest(m);
    } else if (this.leader) {
      this.leader.step(m);
    } else if (this.role === "follower") {
      this.#stepFollower(m);
    } else {
      this.#stepCandidate(m);
    }
  }

  #stepCandidate(m: RaftMessage): void {
    switch (m.type) {
      case "append":
      case "heartbeat":
      case "snapshot":
        // Someone won this term (§5.2).
        this.becomeFollower(m.term, m.from);
        this.#stepFollower(m);
        break;
      case "pre-vote-response":
        if (this.role === "pre-candidate") this.#poll(m.from, m.reject !== true);
        break;
      case "vote-response":
        if (this.role === "candidate") this.#poll(m.from, m.reject !== true);
        break;
      default:
        break;
    }
  }

  #stepFollower(m: RaftMessage): void {
    if (m.type === "timeout-now") {
      // Leadership transfer: campaign at once, skipping PreVote (thesis §3.10).
      if (this.promotable()) this.campaign("transfer");
      return;
    }
    if (m.type !== "append" && m.type !== "heartbeat" && m.type !== "snapshot") return;
    this.electionElapsed = 0;
    this.#setLead(m.from);
    if (m.type === "append") handleAppend(this, m);
    else if (m.type === "heartbeat") handleHeartbeat(this, m);
    else handleSnapshotChunk(this, m);
  }

  // ---------------------------------------------------------------- proposals and reads

  /** Local proposal: appended by a leader, forwarded by a follower that knows one. */
  propose(p: Proposal): ProposalRejectReason | undefined {
    if (this.leader) return this.leader.appendProposal(p);
    if (this.lead === null) return "no-leader";
    forwardProposal(this, this.lead, p);
    return undefined;
  }

  readIndex(context: string): void {
    if (this.leader) this.leader.readIndex(context, this.id);
    else if (this.lead === null) this.rejectedReads.push({ context, reason: "no-leader" });
    else forwardRead(this, this.lead, context);
  }

  transferLeader(to: NodeId): void {
    this.leader?.transferLeader(to);
  }

  #recordDrop(m: RaftMessage, reason: DropReason): void {
    if (this.droppedMessages.length >= MAX_DROP_RECORDS) return;
    this.droppedMessages.push({ type: m.type, from: m.from, term: m.term, reason });
  }

  // ---------------------------------------------------------------- configuration

  /** Recomputes the configuration from the snapshot and the log (after appends and truncations). */
  recomputeConf(): void {
    let confIndex = this.log.snapshotIndex();
    for (const e of this.log.entries) if (e.type === "conf") confIndex = e.index;
    this.setConf(normalizeConf(confAfter(this.log.snapshot.meta.confState, this.log.entries)), confIndex);
  }

  setConf(conf: ConfState, confIndex: number): void {
    this.confIndex = confIndex;
    this.#removals = [];
    for (const e of this.log.entries) {
      if (e.type === "conf" && isConfChange(e.data) && e.data.type === "remove") {
        this.#removals.push({ index: e.index, nodeId: e.data.nodeId });
      }
    }
    if (sameConf(conf, this.conf)) return;
    this.conf = conf;
    this.vouches.confChanged(conf);
    this.leader?.syncProgress();
  }

  /** The configuration as of `index` (for a snapshot taken there). */
  confAt(index: number): ConfState {
    const upTo = this.log.entries.slice(0, Math.max(0, index - this.log.snapshotIndex()));
    return normalizeConf(confAfter(this.log.snapshot.meta.confState, upTo));
  }

  /**
   * Whether an uncommitted entry of our log removes `id`: the log may still be
   * truncated back to a configuration with it (a configuration takes effect
   * when appended and is undone when truncated, thesis §4.1), and `id` may be
   * the leader that truncates it.
   */
  removedByUncommitted(id: NodeId): boolean {
    const committed = this.log.committed;
    for (const r of this.#removals) if (r.index > committed && r.nodeId === id) return true;
    return false;
  }

  /** Tells `to` that its forwarded proposals `ids` will not be appended here, and remembers it. */
  refuseProposals(to: NodeId, ids: readonly string[], reason: ProposalRejectReason): void {
    this.refusedForwards.record(ids, reason);
    this.send({ type: "propose-response", to, proposalIds: ids, reason });
  }

  send(m: Outgoing): void {
    this.msgs.push({ ...m, from: this.id, term: m.term ?? this.term } as RaftMessage);
  }
}
