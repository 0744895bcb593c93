import { isConfChange, validateConfChange } from "./configuration.js";
import { Progress } from "./progress.js";
import { committedIndex, hasQuorum } from "./quorum.js";
import type { Proposal, Raft } from "./raft.js";
import { parseRoundContext, ReadOnly, roundContext } from "./read-only.js";
import { SnapshotSender, sameSnapshot } from "./snapshot-chunks.js";
import {
  COMMIT_NOTICE_CONTEXT,
  type EntryType,
  type NodeId,
  type ProposalRejectReason,
  type RaftMessage,
} from "./types.js";

/**
 * Everything only a leader has (model: etcd's stepLeader and tracker): the
 * progress of each follower, pipelined replication, commitment, snapshot
 * sending, leadership transfer and ReadIndex. Created when a node wins an
 * election and dropped when it steps down.
 */
export class Leader {
  readonly prs = new Map<NodeId, Progress>();
  /** The voter leadership is being handed to (thesis §3.10); proposals wait meanwhile. */
  transferee: NodeId | null = null;
  readonly #r: Raft;
  /** Index of the latest conf entry in our log: another change waits until it commits (thesis §4.1). */
  #pendingConfIndex: number;
  /** Normal entries appended and not yet committed (the maxUncommittedEntries cap). */
  #uncommitted = 0;
  #heartbeatElapsed = 0;
  readonly #readOnly = new ReadOnly();
  /** ReadIndex requests that arrived before an entry of this term committed. */
  #deferredReads: { context: string; from: NodeId }[] = [];
  readonly #senders = new Map<NodeId, SnapshotSender>();

  constructor(r: Raft) {
    this.#r = r;
    const last = r.log.lastIndex();
    this.syncProgress();
    // A conf entry from an earlier term may still be uncommitted: no new change until ours commits.
    this.#pendingConfIndex = last;
    for (let i = r.log.committed + 1; i <= last; i++) if (r.log.entry(i)?.type === "normal") this.#uncommitted++;
  }

  /** §5.4.2 / §8: a no-op of our term commits at once everything before it that a quorum holds. */
  start(): void {
    this.#appendEntry("noop", null);
    this.#afterLocalAppend();
  }

  /** Leaving leadership: pending reads cannot be served any more, so refuse them (callers retry). */
  stepDown(): void {
    const pending = [...this.#readOnly.reset(), ...this.#deferredReads];
    this.#deferredReads = [];
    for (const req of pending) {
      if (req.from === this.#r.id) this.#r.rejectedReads.push({ context: req.context, reason: "no-leader" });
      else
        this.#r.send({
          type: "read-index-response",
          to: req.from,
          context: req.context,
          reject: true,
          reason: "no-leader",
        });
    }
  }

  /** Keeps one progress per member of the configuration (which changes when a conf entry is appended). */
  syncProgress(): void {
    const r = this.#r;
    const members = new Set([...r.conf.voters, ...r.conf.learners]);
    for (const id of [...this.prs.keys()]) {
      if (!members.has(id)) {
        this.prs.delete(id);
        this.#senders.delete(id);
      }
    }
    for (const id of members) {
      if (this.prs.has(id)) continue;
      const pr = new Progress(r.log.lastIndex() + 1, r.opts.maxInflightMessages);
      if (id === r.id) {
        pr.becomeReplicate();
        pr.maybeUpdate(this.#selfDurableIndex());
      }
      this.prs.set(id, pr);
    }
    if (this.transferee !== null && !r.conf.voters.includes(this.transferee)) this.transferee = null;
  }

  // ---------------------------------------------------------------- ticks

  tick(): void {
    const r = this.#r;
    this.#heartbeatElapsed++;
    r.electionElapsed++;
    for (const [id, pr] of this.prs) if (id !== r.id) pr.ticksSinceHeard++;
    if (r.electionElapsed >= r.opts.electionTicks) {
      r.electionElapsed = 0;
      if (r.opts.checkQuorum && !this.#quorumActive()) {
        // CheckQuorum (thesis §6.2): without a quorum we may be deposed already; stop acting as leader.
        r.becomeFollower(r.term, null);
        return;
      }
      // A transfer that did not finish within an election timeout is abandoned (thesis §3.10).
      this.transferee = null;
    }
    if (this.#heartbeatElapsed >= r.opts.heartbeatTicks) {
      this.#heartbeatElapsed = 0;
      // Waiting reads ride on every heartbeat, so a lost heartbeat or answer is made up for.
      const round = this.#readOnly.pendingRound();
      this.#bcastHeartbeat(round === undefined ? undefined : roundContext(round));
    }
  }

  #quorumActive(): boolean {
    const r = this.#r;
    const ok = hasQuorum(r.conf.voters, (id) => id === r.id || this.prs.get(id)?.recentActive === true);
    for (const [id, pr] of this.prs) if (id !== r.id) pr.recentActive = false;
    return ok;
  }

  // ---------------------------------------------------------------- proposals

  /** Appends one proposal, or says why not. */
  appendProposal(p: Proposal): ProposalRejectReason | undefined {
    const r = this.#r;
    if (this.transferee !== null) return "transfer-in-progress";
    // A leader that removed itself only finishes committing the removal.
    if (!this.prs.has(r.id)) return "no-leader";
    if (p.type === "conf") {
      if (!isConfChange(p.data)) return "invalid";
      if (this.#pendingConfIndex > r.log.committed) return "conf-change-pending";
      if (validateConfChange(r.conf, p.data) !== undefined) return "invalid";
    } else if (p.type === "normal") {
      if (this.#uncommitted >= r.opts.maxUncommittedEntries) return "too-many-uncommitted";
      this.#uncommitted++;
    } else {
      return "invalid";
    }
    this.#appendEntry(p.type, p.data);
    this.#afterLocalAppend();
    return undefined;
  }

  /** Forwarded proposals: append what we can, refuse the rest back to the sender, grouped by reason. */
  handleForwarded(from: NodeId, proposals: readonly Proposal[]): void {
    this.touch(from);
    const refused = new Map<ProposalRejectReason, string[]>();
    for (const p of proposals) {
      // A copy of a proposal refused before (a duplicated message) is refused again, never appended.
      const reason =
        this.#r.refusedForwards.reasonFor(p.id) ?? (this.prs.has(from) ? this.appendProposal(p) : "not-a-member");
      if (reason !== undefined) refused.set(reason, [...(refused.get(reason) ?? []), p.id]);
    }
    for (const [reason, ids] of refused) this.#r.refuseProposals(from, ids, reason);
  }

  #appendEntry(type: EntryType, data: unknown): void {
    const r = this.#r;
    const index = r.log.lastIndex() + 1;
    r.log.append([{ term: r.term, index, type, data }]);
    if (type === "conf") {
      this.#pendingConfIndex = index;
      r.recomputeConf();
    }
  }

  /**
   * How far the leader's own log counts toward a quorum: all of it when each Ready is persisted before it
   * is sent, else only what the runtime confirmed durable (thesis §10.2.1: the leader may send before its
   * own write completes, but counts itself only once it has).
   */
  #selfDurableIndex(): number {
    const log = this.#r.log;
    return this.#r.opts.asyncStorageWrites ? Math.min(log.persisted, log.lastIndex()) : log.lastIndex();
  }

  /** The runtime confirmed a save (asynchronous storage writes): count our own log up to it, maybe commit. */
  selfPersisted(): void {
    const pr = this.prs.get(this.#r.id);
    if (pr === undefined || !pr.maybeUpdate(this.#selfDurableIndex())) return;
    if (this.#maybeCommit() && this.#afterCommit()) this.#bcastAppend(true);
  }

  #afterLocalAppend(): void {
    this.prs.get(this.#r.id)?.maybeUpdate(this.#selfDurableIndex());
    // A single voter commits alone; otherwise the append goes out now, not on the next heartbeat.
    if (this.#maybeCommit() && !this.#afterCommit()) return;
    this.#bcastAppend(false);
  }

  // ---------------------------------------------------------------- responses

  step(m: RaftMessage): void {
    const pr = this.prs.get(m.from);
    if (!pr) return;
    // Only answers to what we sent as leader show that the peer follows us (CheckQuorum, §6.2):
    // a late vote of the election we just won proves nothing about this leadership.
    if (m.type === "append-response" || m.type === "heartbeat-response" || m.type === "snapshot-response") {
      this.touch(m.from);
    }
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
        const meta = sender.snapshot.meta;
        if (!sameSnapshot(meta, { index: m.index ?? -1, term: m.logTerm ?? -1, confState: meta.confState })) return;
        sender.ack(m.snapshotOffset ?? 0);
        this.#sendChunks(m.from, sender);
        break;
      }
      default:
        break;
    }
  }

  /** Marks a peer as heard from (any message counts for CheckQuorum and the membership policy). */
  touch(from: NodeId): void {
    const pr = this.prs.get(from);
    if (pr) {
      pr.recentActive = true;
      pr.ticksSinceHeard = 0;
    }
  }

  #handleAppendResponse(m: RaftMessage, pr: Progress): void {
    const r = this.#r;
    const index = m.index ?? 0;
    if (m.reject === true) {
      let hint = m.rejectHint ?? 0;
      if ((m.logTerm ?? 0) > 0) hint = r.log.findConflictByTerm(hint, m.logTerm!).index;
      if (pr.maybeDecrTo(index, hint)) this.#maybeSendAppend(m.from, true);
      return;
    }
    const updated = pr.maybeUpdate(index);
    if (pr.state === "snapshot" && (pr.match >= pr.pendingSnapshot || pr.match + 1 >= r.log.firstIndex())) {
      // The snapshot is installed (or no longer needed): replicate from the follower's match.
      this.#senders.delete(m.from);
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (updated && pr.state === "probe") {
      pr.becomeReplicate();
    } else if (pr.state === "replicate") {
      pr.inflights.freeLE(index);
    }
    if (!updated) return;
    if (this.#maybeCommit()) {
      if (!this.#afterCommit()) return;
      // Tell everyone about the new commit index now: followers apply within about one round trip.
      this.#bcastAppend(true);
    }
    while (this.#maybeSendAppend(m.from, false)) {
      // keep the pipeline full
    }
    // Its ack may reveal committed entries it holds but does not know are committed.
    this.#maybeSendCommit(m.from, pr);
    if (m.from === this.transferee && pr.match === r.log.lastIndex()) this.#sendTimeoutNow(m.from);
  }

  #handleHeartbeatResponse(m: RaftMessage, pr: Progress): void {
    const r = this.#r;
    pr.probeSent = false;
    if (pr.state === "replicate" && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.state === "snapshot") {
      // The follower is alive: if the snapshot made no progress, resend from its last ack.
      const sender = this.#senders.get(m.from);
      if (sender) {
        sender.rewindIfStalled();
        this.#sendChunks(m.from, sender);
      }
    } else if (pr.state === "probe") {
      this.#maybeSendAppend(m.from, true);
    } else if (pr.match < r.log.lastIndex()) {
      if (pr.stalledOnHeartbeat()) {
        // An append was lost and nothing else will tell: probe again from the follower's match.
        pr.becomeProbe();
        this.#maybeSendAppend(m.from, true);
      } else {
        while (this.#maybeSendAppend(m.from, false)) {
          // send what is not yet in flight
        }
      }
    }
    const round = parseRoundContext(m.context);
    if (round === undefined) return;
    this.#readOnly.recvAck(m.from, round);
    for (const req of this.#readOnly.release(r.conf.voters, r.id)) this.#answerRead(req.context, req.index, req.from);
  }

  // ---------------------------------------------------------------- commitment

  #maybeCommit(): boolean {
    const r = this.#r;
    const mci = committedIndex(r.conf.voters, (id) => this.prs.get(id)?.match ?? 0);
    // §5.4.2: only entries of the current term are committed by counting replicas.
    if (mci <= r.log.committed || r.log.term(mci) !== r.term) return false;
    for (let i = r.log.committed + 1; i <= mci; i++) if (r.log.entry(i)?.type === "normal") this.#uncommitted--;
    this.#uncommitted = Math.max(0, this.#uncommitted);
    r.log.commitTo(mci);
    return true;
  }

  /** Work that waits for a commit; returns false when this node stopped leading. */
  #afterCommit(): boolean {
    const r = this.#r;
    if (this.#deferredReads.length > 0 && r.log.term(r.log.committed) === r.term) {
      const deferred = this.#deferredReads;
      this.#deferredReads = [];
      for (const req of deferred) this.readIndex(req.context, req.from);
    }
    if (r.conf.voters.includes(r.id) || r.confIndex > r.log.committed) return true;
    // Our removal (or demotion) is committed: hand over to the most up-to-date voter and step down.
    let best: NodeId | null = null;
    for (const id of r.conf.voters) {
      if (this.prs.get(id)?.match === r.log.lastIndex() && (best === null || id < best)) best = id;
    }
    if (best !== null) this.#sendTimeoutNow(best);
    r.becomeFollower(r.term, null);
    return false;
  }

  // ---------------------------------------------------------------- sending

  /** Sends new entries to every follower; with `withCommit`, also tells the others the new commit index. */
  #bcastAppend(withCommit: boolean): void {
    for (const [id, pr] of this.prs) {
      if (id === this.#r.id) continue;
      if (!this.#maybeSendAppend(id, false) && withCommit) this.#maybeSendCommit(id, pr);
    }
  }

  /** Sends a commit update when the follower holds committed entries it has not been told are committed. */
  #maybeSendCommit(to: NodeId, pr: Progress): void {
    const r = this.#r;
    if (pr.sentCommit >= Math.min(r.log.committed, pr.match)) return;
    if (pr.state !== "replicate") {
      this.#maybeSendAppend(to, true);
      return;
    }
    // Anchored at the follower's match, which it surely holds: it cannot be rejected even
    // when entries are still in flight or overtaken.
    const logTerm = r.log.term(pr.match);
    if (logTerm === undefined) return;
    r.send({
      type: "append",
      to,
      index: pr.match,
      logTerm,
      entries: [],
      commit: r.log.committed,
      context: COMMIT_NOTICE_CONTEXT,
    });
    pr.sentCommit = Math.min(r.log.committed, pr.match);
  }

  #bcastHeartbeat(context: string | undefined): void {
    const r = this.#r;
    for (const [id, pr] of this.prs) {
      if (id === r.id) continue;
      // The follower may not hold entries beyond its match: it must not commit what it lacks.
      const commit = Math.min(pr.match, r.log.committed);
      pr.sentCommit = Math.max(pr.sentCommit, commit);
      r.send({ type: "heartbeat", to: id, commit, ...(context !== undefined ? { context } : {}) });
    }
  }

  /** Sends the next append to `to` if its progress allows; returns true when entries were sent. */
  #maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const r = this.#r;
    const pr = this.prs.get(to);
    if (!pr || pr.isPaused()) return false;
    const last = r.log.lastIndex();
    // Never probe beyond our own log (a defensive bound: acks cannot exceed what we sent).
    if (pr.next > last + 1) pr.next = last + 1;
    const prevIndex = pr.next - 1;
    const prevTerm = r.log.term(prevIndex);
    const entries =
      prevTerm === undefined ? undefined : r.log.slice(pr.next, last, r.opts.maxMessageBytes, r.opts.sizeOf);
    if (prevTerm === undefined || entries === undefined) {
      // The entries it needs are compacted away (§7).
      this.#sendSnapshot(to, pr);
      return false;
    }
    if (entries.length === 0 && !sendIfEmpty) return false;
    r.send({ type: "append", to, index: prevIndex, logTerm: prevTerm, entries, commit: r.log.committed });
    pr.sentCommit = Math.max(pr.sentCommit, Math.min(r.log.committed, prevIndex + entries.length));
    if (pr.state === "probe") {
      pr.probeSent = true;
    } else if (entries.length > 0) {
      const lastSent = entries[entries.length - 1]!.index;
      pr.optimisticUpdate(lastSent);
      pr.inflights.add(lastSent);
    }
    return entries.length > 0;
  }

  #sendSnapshot(to: NodeId, pr: Progress): void {
    // Only to a follower we heard from lately: a snapshot is expensive.
    if (!pr.recentActive) return;
    const snapshot = this.#r.log.snapshot;
    pr.becomeSnapshot(snapshot.meta.index);
    const sender = new SnapshotSender(snapshot, this.#r.opts.snapshotChunkBytes);
    this.#senders.set(to, sender);
    this.#sendChunks(to, sender);
  }

  #sendChunks(to: NodeId, sender: SnapshotSender): void {
    for (const chunk of sender.nextChunks()) this.#r.send({ type: "snapshot", to, ...chunk });
  }

  #sendTimeoutNow(to: NodeId): void {
    this.#r.send({ type: "timeout-now", to });
  }

  // ---------------------------------------------------------------- transfer and reads

  /**
   * Hands leadership to voter `to` (thesis §3.10); `to` = this leader cancels a
   * pending transfer (etcd's semantics), so proposals are accepted again at once.
   */
  transferLeader(to: NodeId): void {
    const r = this.#r;
    if (to === r.id) {
      this.transferee = null;
      return;
    }
    if (!r.conf.voters.includes(to) || !this.prs.has(to) || this.transferee === to) return;
    this.transferee = to;
    // The transfer must finish within an election timeout (checked in tick).
    r.electionElapsed = 0;
    const pr = this.prs.get(to)!;
    if (pr.match === r.log.lastIndex()) this.#sendTimeoutNow(to);
    else this.#maybeSendAppend(to, true);
  }

  /** ReadIndex (thesis §6.4) for a local (`from` = us) or forwarded request. */
  readIndex(context: string, from: NodeId): void {
    const r = this.#r;
    this.touch(from);
    if (r.conf.voters.length === 1 && r.conf.voters[0] === r.id) {
      // A single voter is its own quorum: its commit index is current.
      this.#answerRead(context, r.log.committed, from);
      return;
    }
    if (r.log.term(r.log.committed) !== r.term) {
      // Until an entry of this term commits, our commit index may lag the previous leader's.
      this.#deferredReads.push({ context, from });
      return;
    }
    const round = this.#readOnly.add(r.log.committed, context, from);
    if (round === undefined) return;
    this.#bcastHeartbeat(roundContext(round));
  }

  #answerRead(context: string, index: number, from: NodeId): void {
    if (from === this.#r.id) this.#r.readStates.push({ context, index });
    else this.#r.send({ type: "read-index-response", to: from, context, index });
  }
}
