import { confAfter, EMPTY_CONF, isConfChange, normalizeConf, validateConfChange } from "./configuration";
import { Progress } from "./progress";
import { committedIndex, hasQuorum, voteResult } from "./quorum";
import { RaftLog } from "./raft-log";
import { randomInt } from "./random";
import { ReadOnly, type ReadRequest } from "./read-only";
import { defaultSizeOf } from "./size";
import { SnapshotReceiver, SnapshotSender, sameSnapshot } from "./snapshot-chunks";
import type {
  ConfChange,
  ConfState,
  Entry,
  EntryType,
  NodeId,
  ProposalRejectReason,
  RaftConfig,
  RaftMessage,
  RaftRestoreState,
  RaftRole,
  Random,
  ReadState,
  RejectedProposal,
  Snapshot,
} from "./types";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** A message before `from` and `term` are filled in by `send`. */
type Outgoing = Omit<Mutable<RaftMessage>, "from" | "term"> & { term?: number };
type CampaignKind = "pre-vote" | "election" | "transfer";

/** A proposal as it travels to the leader: not yet given a term or an index. */
export interface Proposal {
  readonly id: string;
  readonly type: EntryType;
  readonly data: unknown;
}

const EMPTY_DATA = new Uint8Array(0);

/** Messages that are requests to or answers from a leader rather than Raft RPCs: they never move terms. */
const FORWARDING_TYPES = new Set(["propose", "propose-response", "read-index", "read-index-response"]);

/**
 * The Raft state machine (model: etcd-io/raft's raft.go). Everything is
 * synchronous and deterministic; outputs accumulate in `msgs`, `readStates`,
 * `rejectedProposals`, `rejectedReads` and the log, and `RaftNode` hands them
 * out as a Ready.
 */
export class Raft {
  readonly id: NodeId;
  term: number;
  vote: NodeId | null;
  lead: NodeId | null = null;
  role: RaftRole = "follower";
  readonly log: RaftLog;
  /** The configuration in effect: the latest one in the log, committed or not (thesis §4.1). */
  conf: ConfState;
  /** Index of the entry (or snapshot) that produced `conf`. */
  confIndex: number;
  /** Bumped whenever `conf` changes, so the Ready can report it. */
  confVersion = 0;
  readonly prs = new Map<NodeId, Progress>();
  msgs: RaftMessage[] = [];
  readStates: ReadState[] = [];
  rejectedProposals: RejectedProposal[] = [];
  rejectedReads: { context: string; reason: ProposalRejectReason }[] = [];
  leadTransferee: NodeId | null = null;
  /** Index of the latest conf entry appended by this leader: another change waits until it commits. */
  pendingConfIndex = 0;

  readonly #random: Random;
  readonly #electionTicks: number;
  readonly #heartbeatTicks: number;
  readonly #preVote: boolean;
  readonly #checkQuorum: boolean;
  readonly #maxInflight: number;
  readonly #maxMessageBytes: number;
  readonly #maxUncommitted: number;
  readonly #chunkBytes: number;
  readonly #sizeOf: (data: unknown) => number;

  #electionElapsed = 0;
  #heartbeatElapsed = 0;
  #randomizedElectionTimeout = 0;
  #votes = new Map<NodeId, boolean>();
  #uncommitted = 0;
  readonly #readOnly = new ReadOnly();
  /** ReadIndex requests that arrived before this leader committed an entry of its term. */
  #deferredReads: { context: string; from: NodeId }[] = [];
  /** Contexts this follower forwarded to its leader and has no answer for yet. */
  #forwardedReads = new Set<string>();
  readonly #senders = new Map<NodeId, SnapshotSender>();
  readonly #receiver = new SnapshotReceiver();

  constructor(config: RaftConfig, restore: RaftRestoreState) {
    this.id = config.id;
    this.#random = config.random;
    this.#electionTicks = Math.max(1, config.electionTicks);
    this.#heartbeatTicks = Math.max(1, Math.min(config.heartbeatTicks, this.#electionTicks - 1));
    this.#preVote = config.preVote ?? true;
    this.#checkQuorum = config.checkQuorum ?? true;
    this.#maxInflight = config.maxInflightMessages ?? 64;
    this.#maxMessageBytes = config.maxMessageBytes ?? 256 * 1024;
    this.#maxUncommitted = config.maxUncommittedEntries ?? 10_000;
    this.#chunkBytes = config.snapshotChunkBytes ?? 64 * 1024;
    this.#sizeOf = config.sizeOf ?? defaultSizeOf;

    let hard = restore.hardState;
    let entries = restore.entries;
    const initial = restore.initialConfState;
    if (!restore.snapshot && entries.length === 0 && hard.commit === 0 && hard.term === 0 && initial) {
      // Bootstrap: write the initial configuration into the log as committed conf
      // entries of term 1, identical on every bootstrapped node, so that a peer that
      // joins later and replays the log from index 1 derives the same configuration.
      entries = bootstrapEntries(initial);
      hard = { term: 1, vote: null, commit: entries.length };
    }
    const snapshot: Snapshot = restore.snapshot ?? {
      meta: { index: 0, term: 0, confState: EMPTY_CONF },
      data: EMPTY_DATA,
    };
    this.log = new RaftLog(snapshot, entries, hard.commit);
    // Bootstrap entries are new: hand them out for persistence in the first Ready.
    if (entries !== restore.entries) this.log.stabled = 0;
    this.term = hard.term;
    this.vote = hard.vote;
    this.conf = snapshot.meta.confState;
    this.confIndex = snapshot.meta.index;
    this.#recomputeConf();
    this.becomeFollower(this.term, null);
  }

  // ---------------------------------------------------------------- roles

  promotable(): boolean {
    return this.conf.voters.includes(this.id);
  }

  #setLead(lead: NodeId | null): void {
    if (lead === this.lead) return;
    this.lead = lead;
    // Reads forwarded to the previous leader will not be answered by the new one.
    for (const context of this.#forwardedReads) this.rejectedReads.push({ context, reason: "no-leader" });
    this.#forwardedReads.clear();
  }

  #reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.#setLead(null);
    this.#electionElapsed = 0;
    this.#heartbeatElapsed = 0;
    this.#resetRandomizedElectionTimeout();
    this.leadTransferee = null;
    this.#votes = new Map();
    this.#refuseLeaderReads();
    this.prs.clear();
    this.#senders.clear();
    this.#uncommitted = 0;
  }

  #resetRandomizedElectionTimeout(): void {
    this.#randomizedElectionTimeout = randomInt(this.#random, this.#electionTicks, 2 * this.#electionTicks);
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
    this.#electionElapsed = 0;
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
    const last = this.log.lastIndex();
    for (const id of this.#members()) this.#addProgress(id, last + 1);
    this.prs.get(this.id)?.maybeUpdate(last);
    // A conf entry from an earlier term may still be uncommitted: no new change until ours commits.
    this.pendingConfIndex = last;
    this.#uncommitted = 0;
    for (let i = this.log.committed + 1; i <= last; i++) if (this.log.entry(i)?.type === "normal") this.#uncommitted++;
    // §5.4.2 / §8: commit an entry of our own term at once, which also commits everything before it.
    this.#appendEntry("noop", null);
    this.#afterLocalAppend();
  }

  #members(): NodeId[] {
    return [...this.conf.voters, ...this.conf.learners];
  }

  #addProgress(id: NodeId, next: number): void {
    const pr = new Progress(next, this.#maxInflight);
    if (id === this.id) pr.becomeReplicate();
    this.prs.set(id, pr);
  }

  // ---------------------------------------------------------------- ticks

  tick(): void {
    if (this.role === "leader") this.#tickHeartbeat();
    else this.#tickElection();
  }

  #tickElection(): void {
    this.#electionElapsed++;
    if (this.promotable() && this.#electionElapsed >= this.#randomizedElectionTimeout) {
      this.#electionElapsed = 0;
      this.hup();
    }
  }

  /** Starts an election as a timeout does: with a PreVote round first when enabled. */
  hup(): void {
    this.campaign(this.#preVote ? "pre-vote" : "election");
  }

  #tickHeartbeat(): void {
    this.#heartbeatElapsed++;
    this.#electionElapsed++;
    for (const [id, pr] of this.prs) if (id !== this.id) pr.ticksSinceHeard++;
    if (this.#electionElapsed >= this.#electionTicks) {
      this.#electionElapsed = 0;
      if (this.#checkQuorum && !this.#quorumActive()) {
        // CheckQuorum (thesis §6.2): without a quorum we may be deposed already; stop acting as leader.
        this.becomeFollower(this.term, null);
        return;
      }
      // Leadership transfer did not finish within an election timeout: give up (thesis §3.10).
      this.leadTransferee = null;
    }
    if (this.#heartbeatElapsed >= this.#heartbeatTicks) {
      this.#heartbeatElapsed = 0;
      this.#bcastHeartbeat(this.#readOnly.lastPendingContext());
    }
  }

  #quorumActive(): boolean {
    const ok = hasQuorum(this.conf.voters, (id) => id === this.id || this.prs.get(id)?.recentActive === true);
    for (const [id, pr] of this.prs) if (id !== this.id) pr.recentActive = false;
    return ok;
  }

  // ---------------------------------------------------------------- elections

  campaign(kind: CampaignKind): void {
    if (!this.promotable() || this.role === "leader") return;
    let type: "pre-vote" | "vote";
    let term: number;
    if (kind === "pre-vote") {
      this.#becomePreCandidate();
      type = "pre-vote";
      term = this.term + 1;
    } else {
      this.#becomeCandidate();
      type = "vote";
      term = this.term;
    }
    if (this.#poll(this.id, true)) return;
    for (const id of this.conf.voters) {
      if (id === this.id) continue;
      this.#send({
        type,
        to: id,
        term,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        ...(kind === "transfer" ? { context: "transfer" } : {}),
      });
    }
  }

  /** Records a vote; returns true when it decided the election. */
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
    const canVote = this.vote === m.from || (this.vote === null && this.lead === null) || (pre && m.term > this.term);
    const upToDate = this.log.isUpToDate(m.index ?? 0, m.logTerm ?? 0);
    const type = pre ? "pre-vote-response" : "vote-response";
    if (canVote && upToDate) {
      // A granted vote carries the candidate's term so it is not mistaken for a stale answer.
      this.#send({ type, to: m.from, term: m.term, reject: false });
      if (!pre) {
        this.#electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.#send({ type, to: m.from, term: this.term, reject: true });
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
        const force = m.context === "transfer";
        // Leader lease for votes (thesis §4.2.3): while we hear from a leader, a
        // disruptive (pre-)candidate gets no answer at all.
        const lease =
          (this.#checkQuorum || m.type === "pre-vote") &&
          this.lead !== null &&
          this.#electionElapsed < this.#electionTicks;
        if (!force && lease) return;
      }
      if (m.type === "pre-vote") {
        // Never change our term because of a pre-vote.
      } else if (m.type === "pre-vote-response" && m.reject !== true) {
        // The term is bumped only once a quorum granted the pre-vote.
      } else if (m.type === "append" || m.type === "heartbeat" || m.type === "snapshot") {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, null);
      }
    } else if (m.term < this.term) {
      if ((this.#checkQuorum || this.#preVote) && (m.type === "append" || m.type === "heartbeat")) {
        // A stale leader (e.g. isolated, then healed) learns our term and steps down;
        // otherwise with PreVote it could never be deposed by our pre-votes.
        this.#send({ type: "append-response", to: m.from });
      } else if (m.type === "pre-vote" || m.type === "vote") {
        // Tell a lagging (pre-)candidate our term (§5.1). Ignoring it instead can livelock: a
        // candidate with the better log but a lower term never catches up with a voter that
        // keeps raising its own term in elections it cannot win.
        this.#send({ type: m.type === "vote" ? "vote-response" : "pre-vote-response", to: m.from, reject: true });
      }
      return;
    }

    if (m.type === "vote" || m.type === "pre-vote") {
      this.#handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case "leader":
        this.#stepLeader(m);
        break;
      case "candidate":
      case "pre-candidate":
        this.#stepCandidate(m);
        break;
      case "follower":
        this.#stepFollower(m);
        break;
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
    switch (m.type) {
      case "append":
        this.#electionElapsed = 0;
        this.#setLead(m.from);
        this.#handleAppend(m);
        break;
      case "heartbeat":
        this.#electionElapsed = 0;
        this.#setLead(m.from);
        this.#handleHeartbeat(m);
        break;
      case "snapshot":
        this.#electionElapsed = 0;
        this.#setLead(m.from);
        this.#handleSnapshotChunk(m);
        break;
      case "timeout-now":
        // Leadership transfer: campaign at once, skipping PreVote (thesis §3.10).
        if (this.promotable()) this.campaign("transfer");
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------- follower side

  #handleAppend(m: RaftMessage): void {
    const index = m.index ?? 0;
    if (index < this.log.committed) {
      this.#send({ type: "append-response", to: m.from, index: this.log.committed });
      return;
    }
    const entries = m.entries ?? [];
    this.log.truncated = false;
    const lastNew = this.log.maybeAppend(index, m.logTerm ?? 0, m.commit ?? 0, entries);
    if (lastNew !== undefined) {
      // Configuration follows the log (thesis §4.1): new conf entries take effect, truncated ones are undone.
      if (this.log.truncated || entries.some((e) => e.type === "conf")) this.#recomputeConf();
      this.log.truncated = false;
      this.#send({ type: "append-response", to: m.from, index: lastNew });
      return;
    }
    // §5.3: reject, with a hint that lets the leader skip a whole term per round trip.
    const hint = this.log.findConflictByTerm(Math.min(index, this.log.lastIndex()), m.logTerm ?? 0);
    this.#send({
      type: "append-response",
      to: m.from,
      index,
      reject: true,
      rejectHint: hint.index,
      logTerm: hint.term,
    });
  }

  #handleHeartbeat(m: RaftMessage): void {
    this.log.commitTo(m.commit ?? 0);
    this.#send({ type: "heartbeat-response", to: m.from, ...(m.context !== undefined ? { context: m.context } : {}) });
  }

  #handleSnapshotChunk(m: RaftMessage): void {
    const meta = m.snapshotMeta!;
    if (meta.index <= this.log.committed) {
      // §7: a snapshot older than our commit index brings nothing; say where we are.
      this.#receiver.clear();
      this.#send({ type: "append-response", to: m.from, index: this.log.committed });
      return;
    }
    const result = this.#receiver.receive(m);
    if (result.kind === "progress") {
      this.#send({
        type: "snapshot-response",
        to: m.from,
        index: meta.index,
        logTerm: meta.term,
        snapshotOffset: result.received,
      });
      return;
    }
    if (this.#restore(result.snapshot)) {
      this.#send({ type: "append-response", to: m.from, index: this.log.lastIndex() });
    } else {
      this.#send({ type: "append-response", to: m.from, index: this.log.committed });
    }
  }

  #restore(s: Snapshot): boolean {
    if (s.meta.index <= this.log.committed) return false;
    if (this.log.matchTerm(s.meta.index, s.meta.term)) {
      // We already hold the snapshot's last entry: the prefix matches, just commit it.
      this.log.commitTo(s.meta.index);
      return false;
    }
    this.log.restore(s);
    this.conf = normalizeConf(s.meta.confState);
    this.confIndex = s.meta.index;
    this.confVersion++;
    return true;
  }

  // ---------------------------------------------------------------- forwarding (proposals, reads)

  #stepForwarding(m: RaftMessage): void {
    switch (m.type) {
      case "propose": {
        const ids = m.proposalIds ?? [];
        const entries = m.entries ?? [];
        const proposals: Proposal[] = entries.map((e, i) => ({ id: ids[i] ?? "", type: e.type, data: e.data }));
        if (this.role !== "leader") {
          this.#refuseRemote(m.from, proposals, "no-leader");
          return;
        }
        this.#touch(m.from);
        if (!this.prs.has(m.from)) {
          this.#refuseRemote(m.from, proposals, "not-a-member");
          return;
        }
        const refused = new Map<ProposalRejectReason, Proposal[]>();
        for (const p of proposals) {
          const reason = this.appendProposal(p);
          if (reason !== undefined) refused.set(reason, [...(refused.get(reason) ?? []), p]);
        }
        for (const [reason, list] of refused) this.#refuseRemote(m.from, list, reason);
        return;
      }
      case "propose-response":
        for (const id of m.proposalIds ?? []) this.rejectedProposals.push({ id, reason: m.reason ?? "no-leader" });
        return;
      case "read-index":
        if (this.role !== "leader") {
          this.#send({
            type: "read-index-response",
            to: m.from,
            context: m.context ?? "",
            reject: true,
            reason: "no-leader",
          });
          return;
        }
        this.#touch(m.from);
        this.#leaderReadIndex(m.context ?? "", m.from);
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

  #refuseRemote(to: NodeId, proposals: readonly Proposal[], reason: ProposalRejectReason): void {
    if (proposals.length === 0) return;
    this.#send({ type: "propose-response", to, proposalIds: proposals.map((p) => p.id), reason });
  }

  /** Local proposal: appended by a leader, forwarded by a follower that knows one. */
  propose(p: Proposal): ProposalRejectReason | undefined {
    if (this.role === "leader") return this.appendProposal(p);
    if (this.lead === null) return "no-leader";
    this.#send({
      type: "propose",
      to: this.lead,
      entries: [{ term: 0, index: 0, type: p.type, data: p.data }],
      proposalIds: [p.id],
    });
    return undefined;
  }

  readIndex(context: string): void {
    if (this.role === "leader") {
      this.#leaderReadIndex(context, this.id);
      return;
    }
    if (this.lead === null) {
      this.rejectedReads.push({ context, reason: "no-leader" });
      return;
    }
    this.#forwardedReads.add(context);
    this.#send({ type: "read-index", to: this.lead, context });
  }

  // ---------------------------------------------------------------- leader side

  /** Appends one proposal at the leader, or says why not. */
  appendProposal(p: Proposal): ProposalRejectReason | undefined {
    if (this.leadTransferee !== null) return "transfer-in-progress";
    // A leader that removed itself only finishes committing the removal.
    if (!this.prs.has(this.id)) return "no-leader";
    if (p.type === "conf") {
      if (!isConfChange(p.data)) return "invalid";
      if (this.pendingConfIndex > this.log.committed) return "conf-change-pending";
      if (validateConfChange(this.conf, p.data) !== undefined) return "invalid";
      this.#appendEntry("conf", p.data);
    } else if (p.type === "normal") {
      if (this.#uncommitted >= this.#maxUncommitted) return "too-many-uncommitted";
      this.#appendEntry("normal", p.data);
      this.#uncommitted++;
    } else {
      return "invalid";
    }
    this.#afterLocalAppend();
    return undefined;
  }

  #appendEntry(type: EntryType, data: unknown): void {
    const entry: Entry = { term: this.term, index: this.log.lastIndex() + 1, type, data };
    this.log.append([entry]);
    if (type === "conf") {
      this.pendingConfIndex = entry.index;
      this.#recomputeConf();
    }
  }

  #afterLocalAppend(): void {
    this.prs.get(this.id)?.maybeUpdate(this.log.lastIndex());
    // A single voter commits alone; otherwise the append goes out now, not on the next heartbeat.
    if (this.#maybeCommit()) this.#afterCommit();
    this.#bcastAppend(false);
  }

  #stepLeader(m: RaftMessage): void {
    const pr = this.prs.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    pr.ticksSinceHeard = 0;
    switch (m.type) {
      case "append-response":
        this.#handleAppendResponse(m, pr);
        break;
      case "heartbeat-response":
        this.#handleHeartbeatResponse(m, pr);
        break;
      case "snapshot-response": {
        const sender = this.#senders.get(m.from);
        if (pr.state !== "snapshot" || !sender) return;
        const acked = { index: m.index ?? -1, term: m.logTerm ?? -1, confState: sender.snapshot.meta.confState };
        if (!sameSnapshot(sender.snapshot.meta, acked)) return;
        sender.ack(m.snapshotOffset ?? 0);
        this.#sendChunks(m.from, sender);
        break;
      }
      default:
        break;
    }
  }

  #handleAppendResponse(m: RaftMessage, pr: Progress): void {
    const index = m.index ?? 0;
    if (m.reject === true) {
      let hint = m.rejectHint ?? 0;
      if ((m.logTerm ?? 0) > 0) hint = this.log.findConflictByTerm(hint, m.logTerm!).index;
      if (pr.maybeDecrTo(index, hint)) this.#maybeSendAppend(m.from, true);
      return;
    }
    const updated = pr.maybeUpdate(index);
    if (pr.state === "snapshot" && (pr.match >= pr.pendingSnapshot || pr.match + 1 >= this.log.firstIndex())) {
      this.#senders.delete(m.from);
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (updated && pr.state === "probe") {
      pr.becomeReplicate();
    } else if (pr.state === "replicate") {
      pr.inflights.freeLE(index);
    }
    if (updated) {
      if (this.#maybeCommit()) {
        this.#afterCommit();
        if (this.role !== "leader") return;
        // Tell everyone about the new commit index now (followers apply in ~one round trip).
        this.#bcastAppend(true);
      }
      while (this.#maybeSendAppend(m.from, false)) {
        // keep the pipeline full
      }
      // Its ack may reveal committed entries it holds but does not know are committed.
      this.#maybeSendCommit(m.from, pr);
      if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.#sendTimeoutNow(m.from);
    }
  }

  #handleHeartbeatResponse(m: RaftMessage, pr: Progress): void {
    pr.probeSent = false;
    if (pr.state === "replicate" && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.state === "snapshot") {
      // The follower is alive but the snapshot made no progress: resend from its last ack.
      const sender = this.#senders.get(m.from);
      if (sender) {
        sender.rewindIfStalled();
        this.#sendChunks(m.from, sender);
      }
    } else if (pr.state === "probe") {
      this.#maybeSendAppend(m.from, true);
    } else if (pr.match < this.log.lastIndex()) {
      if (pr.stalledOnHeartbeat()) {
        // An append was lost: nothing else will tell. Probe again from the follower's match.
        pr.becomeProbe();
        this.#maybeSendAppend(m.from, true);
      } else {
        while (this.#maybeSendAppend(m.from, false)) {
          // send what is not yet in flight
        }
      }
    }
    if (m.context === undefined || m.context === "") return;
    const acks = this.#readOnly.recvAck(m.from, m.context);
    if (!acks) return;
    if (hasQuorum(this.conf.voters, (id) => acks.has(id))) {
      for (const req of this.#readOnly.advance(m.context)) this.#answerRead(req.context, req.index, req.from);
    }
  }

  #maybeCommit(): boolean {
    const mci = committedIndex(this.conf.voters, (id) => this.prs.get(id)?.match ?? 0);
    // §5.4.2: only entries of the current term are committed by counting replicas.
    if (mci <= this.log.committed || this.log.term(mci) !== this.term) return false;
    for (let i = this.log.committed + 1; i <= mci; i++) if (this.log.entry(i)?.type === "normal") this.#uncommitted--;
    if (this.#uncommitted < 0) this.#uncommitted = 0;
    this.log.commitTo(mci);
    return true;
  }

  #afterCommit(): void {
    if (this.#deferredReads.length > 0 && this.log.term(this.log.committed) === this.term) {
      const deferred = this.#deferredReads;
      this.#deferredReads = [];
      for (const r of deferred) this.#leaderReadIndex(r.context, r.from);
    }
    if (!this.conf.voters.includes(this.id) && this.confIndex <= this.log.committed) {
      // Our removal (or demotion) is committed: hand over to the most up-to-date voter and step down.
      let best: NodeId | null = null;
      for (const id of this.conf.voters) {
        const pr = this.prs.get(id);
        if (pr && pr.match === this.log.lastIndex() && (best === null || id < best)) best = id;
      }
      if (best !== null) this.#sendTimeoutNow(best);
      this.becomeFollower(this.term, null);
    }
  }

  /** Sends new entries to every follower; with `withCommit`, also tells the others the new commit index. */
  #bcastAppend(withCommit: boolean): void {
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      if (!this.#maybeSendAppend(id, false) && withCommit) this.#maybeSendCommit(id, pr);
    }
  }

  /** Sends a commit update when the follower holds committed entries it has not been told are committed. */
  #maybeSendCommit(to: NodeId, pr: Progress): void {
    if (pr.sentCommit < Math.min(this.log.committed, pr.match)) this.#sendCommit(to, pr);
  }

  /**
   * An empty append anchored at the follower's match (which it surely holds),
   * so it cannot be rejected even if entries are still in flight (or overtaken):
   * the follower learns the commit index without waiting for a heartbeat.
   */
  #sendCommit(to: NodeId, pr: Progress): void {
    if (pr.state !== "replicate") {
      this.#maybeSendAppend(to, true);
      return;
    }
    const logTerm = this.log.term(pr.match);
    if (logTerm === undefined) return;
    this.#send({ type: "append", to, index: pr.match, logTerm, entries: [], commit: this.log.committed });
    pr.sentCommit = Math.max(pr.sentCommit, Math.min(this.log.committed, pr.match));
  }

  #bcastHeartbeat(context: string | undefined): void {
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      // The follower may not hold entries beyond its match: it must not commit what it lacks.
      const commit = Math.min(pr.match, this.log.committed);
      pr.sentCommit = Math.max(pr.sentCommit, commit);
      this.#send({
        type: "heartbeat",
        to: id,
        commit,
        ...(context !== undefined ? { context } : {}),
      });
    }
  }

  /** Sends the next append to `to` if its progress allows; returns true when entries were sent. */
  #maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.prs.get(to);
    if (!pr || pr.isPaused()) return false;
    // Never probe beyond our own log (a defensive bound; acks cannot exceed what we sent).
    if (pr.next > this.log.lastIndex() + 1) pr.next = this.log.lastIndex() + 1;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const entries =
      prevTerm === undefined
        ? undefined
        : this.log.slice(pr.next, this.log.lastIndex(), this.#maxMessageBytes, this.#sizeOf);
    if (prevTerm === undefined || entries === undefined) {
      this.#sendSnapshot(to, pr);
      return false;
    }
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.#send({ type: "append", to, index: prevIndex, logTerm: prevTerm, entries, commit: this.log.committed });
    pr.sentCommit = Math.max(pr.sentCommit, Math.min(this.log.committed, prevIndex + entries.length));
    if (pr.state === "replicate") {
      if (entries.length > 0) {
        const last = entries[entries.length - 1]!.index;
        pr.optimisticUpdate(last);
        pr.inflights.add(last);
      }
    } else if (pr.state === "probe") {
      pr.probeSent = true;
    }
    return entries.length > 0;
  }

  #sendSnapshot(to: NodeId, pr: Progress): void {
    // Only to a follower we heard from lately: a snapshot is expensive.
    if (!pr.recentActive) return;
    const snapshot = this.log.snapshot;
    pr.becomeSnapshot(snapshot.meta.index);
    const sender = new SnapshotSender(snapshot, this.#chunkBytes);
    this.#senders.set(to, sender);
    this.#sendChunks(to, sender);
  }

  #sendChunks(to: NodeId, sender: SnapshotSender): void {
    for (const chunk of sender.nextChunks()) this.#send({ type: "snapshot", to, ...chunk });
  }

  #sendTimeoutNow(to: NodeId): void {
    this.#send({ type: "timeout-now", to });
  }

  transferLeader(to: NodeId): void {
    if (this.role !== "leader" || to === this.id) return;
    if (!this.conf.voters.includes(to) || !this.prs.has(to)) return;
    if (this.leadTransferee === to) return;
    this.leadTransferee = to;
    // The transfer must finish within an election timeout (checked in tickHeartbeat).
    this.#electionElapsed = 0;
    const pr = this.prs.get(to)!;
    if (pr.match === this.log.lastIndex()) this.#sendTimeoutNow(to);
    else this.#maybeSendAppend(to, true);
  }

  #leaderReadIndex(context: string, from: NodeId): void {
    if (this.conf.voters.length === 1 && this.conf.voters[0] === this.id) {
      // A single voter is its own quorum: its commit index is current.
      this.#answerRead(context, this.log.committed, from);
      return;
    }
    if (this.log.term(this.log.committed) !== this.term) {
      // Thesis §6.4 step 1: until an entry of this term commits, our commit index may be stale.
      this.#deferredReads.push({ context, from });
      return;
    }
    if (!this.#readOnly.add(this.log.committed, context, from)) return;
    if (this.conf.voters.includes(this.id)) this.#readOnly.recvAck(this.id, context);
    this.#bcastHeartbeat(context);
  }

  #answerRead(context: string, index: number, from: NodeId): void {
    if (from === this.id) this.readStates.push({ context, index });
    else this.#send({ type: "read-index-response", to: from, context, index });
  }

  /** A leader stepping down cannot serve its pending reads: refuse them so the callers retry. */
  #refuseLeaderReads(): void {
    const pending: { context: string; from: NodeId }[] = [
      ...this.#readOnly.reset().map((r: ReadRequest) => ({ context: r.context, from: r.from })),
      ...this.#deferredReads,
    ];
    this.#deferredReads = [];
    for (const r of pending) {
      if (r.from === this.id) this.rejectedReads.push({ context: r.context, reason: "no-leader" });
      else
        this.#send({ type: "read-index-response", to: r.from, context: r.context, reject: true, reason: "no-leader" });
    }
  }

  #touch(from: NodeId): void {
    const pr = this.prs.get(from);
    if (pr) {
      pr.recentActive = true;
      pr.ticksSinceHeard = 0;
    }
  }

  // ---------------------------------------------------------------- configuration

  /** Recomputes the configuration from the snapshot and the log (after appends, truncations). */
  #recomputeConf(): void {
    const base = this.log.snapshot.meta.confState;
    let confIndex = this.log.snapshotIndex();
    for (const e of this.log.entries) if (e.type === "conf") confIndex = e.index;
    const conf = normalizeConf(confAfter(base, this.log.entries));
    this.confIndex = confIndex;
    if (sameMembers(conf, this.conf)) return;
    this.conf = conf;
    this.confVersion++;
    if (this.role === "leader") this.#syncProgress();
  }

  #syncProgress(): void {
    const members = new Set(this.#members());
    for (const id of [...this.prs.keys()]) {
      if (!members.has(id)) {
        this.prs.delete(id);
        this.#senders.delete(id);
      }
    }
    for (const id of members) if (!this.prs.has(id)) this.#addProgress(id, this.log.lastIndex() + 1);
    if (this.leadTransferee !== null && !this.conf.voters.includes(this.leadTransferee)) this.leadTransferee = null;
  }

  /** The configuration as of `index` (for a snapshot taken there). */
  confAt(index: number): ConfState {
    const base = this.log.snapshot.meta.confState;
    const upTo = this.log.entries.slice(0, Math.max(0, index - this.log.snapshotIndex()));
    return normalizeConf(confAfter(base, upTo));
  }

  // ---------------------------------------------------------------- plumbing

  get electionElapsed(): number {
    return this.#electionElapsed;
  }

  #send(m: Outgoing): void {
    const term = m.term ?? this.term;
    this.msgs.push({ ...m, from: this.id, term } as RaftMessage);
  }
}

function sameMembers(a: ConfState, b: ConfState): boolean {
  return a.voters.join("\u0000") === b.voters.join("\u0000") && a.learners.join("\u0000") === b.learners.join("\u0000");
}

function bootstrapEntries(conf: ConfState): Entry[] {
  const changes: ConfChange[] = [
    ...[...conf.voters].sort().map((nodeId) => ({ type: "addVoter" as const, nodeId })),
    ...[...conf.learners].sort().map((nodeId) => ({ type: "addLearner" as const, nodeId })),
  ];
  return changes.map((data, i) => ({ term: 1, index: i + 1, type: "conf" as const, data }));
}

function isWellFormed(m: RaftMessage): boolean {
  if (typeof m !== "object" || m === null) return false;
  if (typeof m.from !== "string" || typeof m.to !== "string" || typeof m.type !== "string") return false;
  if (!Number.isSafeInteger(m.term) || m.term < 0) return false;
  if (m.index !== undefined && (!Number.isSafeInteger(m.index) || m.index < 0)) return false;
  if (m.type === "snapshot" && (m.snapshotMeta === undefined || typeof m.snapshotMeta.index !== "number")) return false;
  if (m.entries !== undefined) {
    if (!Array.isArray(m.entries)) return false;
    if (m.type === "append") {
      const base = m.index ?? 0;
      for (let i = 0; i < m.entries.length; i++) {
        const e = m.entries[i]!;
        if (e.index !== base + 1 + i || !Number.isSafeInteger(e.term) || e.term > m.term) return false;
      }
    }
  }
  return true;
}
