import { bootstrapEntries, confAfter, EMPTY_CONF, normalizeConf, sameConf } from "./configuration";
import { handleAppend, handleHeartbeat, handleSnapshotChunk } from "./follower";
import { Leader } from "./leader";
import { FORWARDING_TYPES, isWellFormed } from "./message-checks";
import { type RaftOptions, resolveOptions } from "./options";
import { voteResult } from "./quorum";
import { RaftLog } from "./raft-log";
import { randomInt } from "./random";
import { SnapshotReceiver } from "./snapshot-chunks";
import type {
  ConfState,
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
} from "./types";

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
/** Reads a follower keeps waiting for an answer to (lost answers would otherwise pile up). */
const MAX_FORWARDED_READS = 4096;

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

  #randomizedElectionTimeout = 0;
  #votes = new Map<NodeId, boolean>();
  /** Contexts this follower forwarded to its leader and has no answer for yet. */
  readonly #forwardedReads = new Set<string>();

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
    for (const context of this.#forwardedReads) this.rejectedReads.push({ context, reason: "no-leader" });
    this.#forwardedReads.clear();
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
    if (FORWARDING_TYPES.has(m.type)) {
      this.#stepForwarding(m);
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
        this.becomeFollower(m.term, null);
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
    this.send({
      type: "propose",
      to: this.lead,
      entries: [{ term: 0, index: 0, type: p.type, data: p.data }],
      proposalIds: [p.id],
    });
    return undefined;
  }

  readIndex(context: string): void {
    if (this.leader) {
      this.leader.readIndex(context, this.id);
    } else if (this.lead === null) {
      this.rejectedReads.push({ context, reason: "no-leader" });
    } else {
      this.#forwardedReads.add(context);
      if (this.#forwardedReads.size > MAX_FORWARDED_READS) {
        // Answers can be lost: bound the bookkeeping by giving up on the oldest (the caller may retry).
        const oldest = this.#forwardedReads.values().next().value!;
        this.#forwardedReads.delete(oldest);
        this.rejectedReads.push({ context: oldest, reason: "no-leader" });
      }
      this.send({ type: "read-index", to: this.lead, context });
    }
  }

  transferLeader(to: NodeId): void {
    this.leader?.transferLeader(to);
  }

  #stepForwarding(m: RaftMessage): void {
    switch (m.type) {
      case "propose": {
        const ids = m.proposalIds ?? [];
        const proposals = (m.entries ?? []).map((e, i) => ({ id: ids[i] ?? "", type: e.type, data: e.data }));
        if (this.leader) this.leader.handleForwarded(m.from, proposals);
        else if (proposals.length > 0)
          this.send({
            type: "propose-response",
            to: m.from,
            proposalIds: proposals.map((p) => p.id),
            reason: "no-leader",
          });
        return;
      }
      case "propose-response":
        for (const id of m.proposalIds ?? []) this.rejectedProposals.push({ id, reason: m.reason ?? "no-leader" });
        return;
      case "read-index":
        if (this.leader) this.leader.readIndex(m.context ?? "", m.from);
        else
          this.send({
            type: "read-index-response",
            to: m.from,
            context: m.context ?? "",
            reject: true,
            reason: "no-leader",
          });
        return;
      case "read-index-response": {
        const context = m.context ?? "";
        if (!this.#forwardedReads.delete(context)) return;
        if (m.reject === true) this.rejectedReads.push({ context, reason: m.reason ?? "no-leader" });
        else this.readStates.push({ context, index: m.index ?? 0 });
        return;
      }
      default:
        return;
    }
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
    if (sameConf(conf, this.conf)) return;
    this.conf = conf;
    this.leader?.syncProgress();
  }

  /** The configuration as of `index` (for a snapshot taken there). */
  confAt(index: number): ConfState {
    const upTo = this.log.entries.slice(0, Math.max(0, index - this.log.snapshotIndex()));
    return normalizeConf(confAfter(this.log.snapshot.meta.confState, upTo));
  }

  send(m: Outgoing): void {
    this.msgs.push({ ...m, from: this.id, term: m.term ?? this.term } as RaftMessage);
  }
}
