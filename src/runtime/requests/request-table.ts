import type { ClockTimer, HamokClock } from "../../clock.js";
import type { StorageCommand } from "../../collections/contract.js";
import { HamokError, type HamokErrorCode } from "../../errors.js";
import type { ProposalRejectReason, ProposeResult } from "../../raft/types.js";
import type { RequestPayload } from "../replicated/log-payload.js";
import { isPackedRequests, packedSeqsOf, packRequests } from "../replicated/packed-requests.js";
import type { AppliedResult } from "../replicated/sessions.js";
import { failureCode, newPending, type Pending } from "./pending-request.js";
import { StallWatch, TICK_GRACE_MS } from "./stall-watch.js";

/**
 * The requests this peer has submitted and not yet seen applied. A request
 * keeps its (session, seq) identity across retries, so re-proposing it after a
 * leader change or a lost forward is safe: the log applies it at most once
 * (see `runtime/replicated/sessions.ts`, Raft thesis §6.3).
 *
 * Requests proposed in the same turn of the event loop go into one log entry
 * (a batch, split by size), so 10,000 pipelined writes cost a handful of
 * entries, appends and saves. Each attempt has a proposal id, so a refusal is
 * matched to the requests it refuses.
 */

/** How a request table reaches the core. */
export interface RequestTableHooks {
  /** `payload` is the entry's data: the requests packed into one `Uint8Array` (see `packed-requests.ts`). */
  propose(proposalId: string, payload: Uint8Array): ProposeResult;
  /** Deadlines and retry ages. */
  readonly clock: HamokClock;
  /** Largest batch, in estimated bytes. */
  readonly maxBatchBytes: number;
  /**
   * Whether this peer could learn its requests' outcomes now: a member with a leader that replicated to it since
   * `sinceMs` (the thaw: a frozen page's view of its leader and membership is stale), caught up. Requests of a
   * page that was frozen wait for that (bounded) before they time out. Default: always.
   */
  readonly caughtUp?: (sinceMs: number) => boolean;
  /** Whether the replicated dedup table closed `session` (see `SessionTable.isClosed`). Default: never. */
  readonly isSessionClosed?: (session: string) => boolean;
}

/** A thawed request waits for its peer to catch up at most this many of its timeouts after the thaw. */
const THAWED_PATIENCE = 4;

/** See the module comment. */
export class RequestTable {
  private readonly pending = new Map<number, Pending>();
  /** Proposal id → the requests it carries that are still pending. */
  private readonly byProposal = new Map<string, Set<number>>();
  private queue: number[] = [];
  private flushScheduled = false;
  private nextSeq = 1;
  /** No request below this seq is pending. */
  private lowestPending = 1;
  private nextProposal = 1;
  /** Replaced when the cluster closed it (see `applied`). */
  private session = crypto.randomUUID();
  /** One timer for every deadline (thousands of pipelined requests must not cost thousands of timers). */
  private sweepTimer: ClockTimer | undefined;
  private sweepAt = Number.POSITIVE_INFINITY;
  /** When the page stalled (see `stall-watch.ts`). */
  private readonly stalls = new StallWatch();

  constructor(
    private readonly localPeerId: string,
    private readonly hooks: RequestTableHooks,
  ) {}

  /** Requests not yet answered. */
  get size(): number {
    return this.pending.size;
  }

  /** Lowest seq still waiting for its answer: every lower one may be forgotten by the log (thesis §6.3). */
  private ackBelow(seq: number): number {
    // A moving pointer, not a scan: iterating a Map from its front after many deletions is O(n).
    // Bounded by `seq`: the request being submitted is not answered yet either.
    while (this.lowestPending < seq && !this.pending.has(this.lowestPending)) this.lowestPending++;
    return this.lowestPending;
  }

  /** Submit a command of estimated `size` bytes; resolves with its result once applied on this peer. */
  submit(command: StorageCommand, size: number, timeoutInMs: number): Promise<unknown> {
    const seq = this.nextSeq++;
    const ackBelow = this.ackBelow(seq);
    // One reading of the clock for the whole submit: it is on the write path.
    const now = this.hooks.clock.now();
    this.ran(now);
    const thawAt = this.stalls.lastThawAt;
    return new Promise<unknown>((resolve, reject) => {
      const deadline = now + timeoutInMs;
      // Made while this peer still catches up after a thaw: as patient as the requests that were pending then.
      const thawedAt = deadline - timeoutInMs - thawAt < timeoutInMs ? thawAt : undefined;
      this.pending.set(
        seq,
        newPending({ seq, ackBelow, command, size, resolve, reject, deadline, timeoutInMs, thawedAt }),
      );
      this.enqueue(seq, now);
      if (deadline < this.sweepAt) this.armSweep(deadline);
    });
  }

  private armSweep(at: number): void {
    this.hooks.clock.clearTimeout(this.sweepTimer);
    this.sweepAt = at;
    this.sweepTimer = this.hooks.clock.setTimeout(() => this.sweep(), Math.max(0, at - this.hooks.clock.now()));
  }

  /**
   * Expire every request past its deadline, then wait for the next deadline.
   *
   * A sweep that runs much later than it was due means this page ran nothing meanwhile (a frozen tab, a suspended
   * laptop; hidden tabs' timers are only up to a second late): its requests had no chance to learn their outcome
   * (the writes of a frozen tab are usually applied by the others while it sleeps). Expiring them now would report
   * `Timeout` for writes this peer will see applied as soon as it catches up, so each pending request gets its
   * full timeout again, counted from the thaw, and then keeps waiting while this peer is still catching up (a
   * removed tab is re-added first), up to {@link THAWED_PATIENCE} timeouts after the thaw (issue 10 case 4).
   */
  private sweep(): void {
    const due = this.sweepAt;
    this.sweepTimer = undefined;
    this.sweepAt = Number.POSITIVE_INFINITY;
    const now = this.hooks.clock.now();
    const verdict = this.stalls.sweepVerdict(now, due);
    if (verdict === "stalled") {
      this.thawed(now);
      return;
    }
    // Hardly late, but the ticks are long overdue: they may be about to report a stall (see `tick`).
    if (verdict === "wait") {
      this.armSweep(now + TICK_GRACE_MS);
      return;
    }
    let next = Number.POSITIVE_INFINITY;
    const caughtUp = this.hooks.caughtUp?.(this.stalls.freshSince) ?? true;
    for (const [seq, entry] of this.pending) {
      const patient =
        entry.thawedAt !== undefined && !caughtUp && now < entry.thawedAt + THAWED_PATIENCE * entry.timeoutInMs;
      // Still catching up after a thaw: look again a little later (the outcome is on its way in the log).
      if (entry.deadline <= now && patient) entry.deadline = now + Math.min(1000, entry.timeoutInMs);
      if (entry.deadline <= now) this.expire(seq);
      else next = Math.min(next, entry.deadline);
    }
    if (next !== Number.POSITIVE_INFINITY) this.armSweep(next);
  }

  /**
   * The peer's tick ran (every tick, from the runtime). A gap between two ticks (or a tick and a submit) beyond
   * the stall tolerance is a page that ran nothing meanwhile, however its request deadlines fall in it: see `sweep`.
   */
  tick(): void {
    this.ran();
  }

  /** This page runs now (a tick, a submit): after a gap beyond the stall tolerance, it was stalled meanwhile. */
  private ran(now = this.hooks.clock.now()): void {
    // Noted even with nothing pending: a request made now, while the peer's view is still from before, is as
    // patient as those that were pending (see `submit`).
    if (this.stalls.ran(now)) this.thawed(now);
  }

  /** The page runs again after a stall: every pending request gets its full timeout again, from now. */
  private thawed(now: number): void {
    this.stalls.thawed(now);
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.pending.values()) {
      entry.thawedAt = now;
      entry.deadline = Math.max(entry.deadline, now + entry.timeoutInMs);
      next = Math.min(next, entry.deadline);
    }
    // No sweep armed means `sweepAt` is +Infinity, so this also arms one when none is.
    if (next < this.sweepAt) this.armSweep(next);
  }

  private expire(seq: number): void {
    const entry = this.settle(seq);
    if (entry === undefined) return;
    const timeoutInMs = entry.timeoutInMs;
    // Never accepted by any core (or every acceptance was later refused): it cannot apply.
    if (entry.live === 0) {
      entry.reject(new HamokError("NotLeader", `no leader accepted request ${seq} within ${timeoutInMs} ms`));
      return;
    }
    entry.reject(
      new HamokError("Timeout", `request ${seq} timed out after ${timeoutInMs} ms; it may still be applied`, {
        indeterminate: true,
      }),
    );
  }

  private enqueue(seq: number, now = this.hooks.clock.now()): void {
    const entry = this.pending.get(seq);
    if (entry === undefined || entry.queued) return;
    entry.queued = true;
    entry.waiting = false;
    entry.lastAttemptAt = now;
    this.queue.push(seq);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => this.flush());
  }

  /** Propose every queued request, as few entries as the size cap allows. */
  private flush(): void {
    this.flushScheduled = false;
    const queue = this.queue;
    this.queue = [];
    let batch: Pending[] = [];
    let bytes = 0;
    for (const seq of queue) {
      const entry = this.pending.get(seq);
      if (entry === undefined) continue;
      entry.queued = false;
      if (batch.length > 0 && bytes + entry.size > this.hooks.maxBatchBytes) {
        this.propose(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(entry);
      bytes += entry.size;
    }
    if (batch.length > 0) this.propose(batch);
  }

  private propose(batch: readonly Pending[]): void {
    const proposalId = `${this.session}:${this.nextProposal++}`;
    const seqs = new Set<number>();
    for (const entry of batch) {
      seqs.add(entry.seq);
      if (entry.proposalId !== "") {
        entry.earlierProposalIds ??= [];
        entry.earlierProposalIds.push(entry.proposalId);
      }
      entry.proposalId = proposalId;
      entry.attempts++;
    }
    this.byProposal.set(proposalId, seqs);
    const result = this.hooks.propose(proposalId, this.pack(batch));
    if (result.ok) for (const entry of batch) entry.live++;
    else this.refused(proposalId, result.reason, false);
  }

  /** The requests as one entry's data: one `Uint8Array`, cheap to clone, save and encode (see `packed-requests.ts`). */
  private pack(batch: readonly Pending[]): Uint8Array {
    // Pushed, not preallocated: `new Array(n)` makes holey (or, for large n, dictionary) arrays.
    const seqs: number[] = [];
    const ackBelows: number[] = [];
    const commands: StorageCommand[] = [];
    for (const entry of batch) {
      seqs.push(entry.seq);
      ackBelows.push(entry.ackBelow);
      commands.push(entry.command);
    }
    return packRequests(this.localPeerId, this.session, seqs, ackBelows, commands);
  }

  /**
   * The core refused a proposal: its requests wait for a leader, or fail precisely.
   * `accepted`: whether it had been accepted (appended or forwarded) before being refused.
   */
  refused(proposalId: string, reason: ProposalRejectReason, accepted = true): void {
    const seqs = this.byProposal.get(proposalId);
    if (seqs === undefined) return;
    this.byProposal.delete(proposalId);
    const code = failureCode(reason);
    for (const seq of seqs) {
      const entry = this.pending.get(seq);
      if (entry === undefined) continue;
      if (accepted) entry.live--;
      // While an earlier attempt may still apply, a refusal of this one proves nothing: retry later.
      if (code === undefined || entry.live > 0) {
        // Only the latest attempt's refusal says "not now"; an older one was superseded.
        if (proposalId === entry.proposalId) entry.waiting = true;
        continue;
      }
      this.settle(seq)?.reject(new HamokError(code, `request refused: ${reason}`, { indeterminate: false }));
    }
  }

  /**
   * Entries were appended to this peer's log (a leader's own, or a follower's from the leader):
   * our requests among them are on their way to commit and need no periodic retry.
   */
  appended(entries: readonly { readonly type: string; readonly data: unknown }[]): void {
    if (this.pending.size === 0) return;
    for (const entry of entries) {
      if (entry.type !== "normal") continue;
      // Batches travel packed (see `pack`): their header names the session and the seqs.
      if (isPackedRequests(entry.data)) {
        for (const seq of packedSeqsOf(entry.data, this.session) ?? []) this.markInLog(seq);
        continue;
      }
      const data = entry.data as { kind?: unknown; session?: unknown; seq?: unknown; seqs?: unknown } | null;
      if (data === null || typeof data !== "object" || data.session !== this.session) continue;
      if (data.kind === "request" && typeof data.seq === "number") this.markInLog(data.seq);
      else if (data.kind === "requests" && Array.isArray(data.seqs)) {
        for (const seq of data.seqs as unknown[]) if (typeof seq === "number") this.markInLog(seq);
      }
    }
  }

  private markInLog(seq: number): void {
    const entry = this.pending.get(seq);
    if (entry !== undefined) entry.inLog = true;
  }

  /** The log applied one of our requests (or a duplicate of it). */
  applied(payload: RequestPayload, result: AppliedResult): void {
    if (payload.sourcePeerId !== this.localPeerId || payload.session !== this.session) return;
    if (!result.ok && result.indeterminate === true) {
      this.sessionClosed(result.code as HamokErrorCode, result.message);
      return;
    }
    const entry = this.settle(payload.seq);
    if (entry === undefined) return;
    if (result.ok) entry.resolve(result.value);
    else entry.reject(new HamokError(result.code as HamokErrorCode, result.message, { indeterminate: false }));
  }

  /**
   * This peer applied, in log order, the configuration change that removed it. If that entry closed our session
   * (`SessionTable.dropPeer` closes the sessions that applied something), every later entry of it is refused on
   * every peer, never applied, and every earlier one was applied here already and answered its request. So a
   * request still pending now did not apply and never will in this session: it goes on in a new session, which
   * keeps it at most once (thesis §6.3) and lets a removed peer's writes commit once it is added back (issue 10
   * case 4: a tab frozen past its removal). Only a request whose history a snapshot hid (see {@link restored}) has
   * an unknown fate: it fails, indeterminate. A session that applied nothing yet is not closed: its requests go
   * on in it and its dedup record starts with their first application, as for any new session.
   */
  removedInOrder(): void {
    if (this.hooks.isSessionClosed?.(this.session) === true) this.newSession();
  }

  /**
   * A snapshot replaced this peer's state: requests applied inside it were never reported here. `lookup` reads the
   * restored dedup table: a recorded result answers its request now; a request the snapshot's session does not
   * hold did not apply before it (its seq is at or above every `ackBelow` it sent); a closed session keeps no
   * results, so its requests' fate is unknown. If the snapshot closed our session, the others go on in a new one.
   */
  restored(lookup: (session: string, seq: number) => AppliedResult | null | undefined): void {
    let closed = false;
    for (const [seq, entry] of [...this.pending]) {
      if (entry.attempts === 0) continue;
      const result = lookup(this.session, seq);
      if (result === undefined) continue;
      if (result === null || (!result.ok && result.indeterminate === true)) {
        closed ||= result !== null;
        entry.fateUnknown = true;
        continue;
      }
      const settled = this.settle(seq);
      if (result.ok) settled?.resolve(result.value);
      else settled?.reject(new HamokError(result.code as HamokErrorCode, result.message, { indeterminate: false }));
    }
    if (closed) this.newSession();
  }

  /** Continue in a fresh session (the old one is closed): see {@link removedInOrder}. */
  private newSession(): void {
    this.session = crypto.randomUUID();
    // Attempts of the closed session can no longer apply, nor be refused in any way that matters.
    this.byProposal.clear();
    for (const [seq, entry] of [...this.pending]) {
      if (entry.fateUnknown) {
        this.settle(seq)?.reject(
          new HamokError("NotMember", `request ${seq} may have applied before this peer was removed`, {
            indeterminate: true,
          }),
        );
        continue;
      }
      entry.proposalId = "";
      entry.earlierProposalIds = undefined;
      entry.live = 0;
      entry.inLog = false;
      this.enqueue(seq);
    }
  }

  /**
   * The cluster closed our session (we were removed meanwhile) and forgot its results: a request
   * proposed in it may have applied, and re-proposing it in a new session could apply it again. So
   * every request proposed so far fails, indeterminate; the others go on in a new session.
   */
  private sessionClosed(code: HamokErrorCode, message: string): void {
    this.session = crypto.randomUUID();
    for (const [seq, entry] of [...this.pending]) {
      if (entry.attempts === 0) continue;
      this.settle(seq)?.reject(new HamokError(code, message, { indeterminate: true }));
    }
  }

  /**
   * A leader is known (new, or on a tick): re-propose requests that were refused for want
   * of one, and those whose last attempt is older than `staleAfterMs` and which this peer's
   * log does not hold yet (a forward or the append that answers it was lost). `staleAfterMs`
   * 0 (a new leader) re-proposes every request, in our log or not: the new leader may
   * truncate what the old one appended.
   */
  retry(staleAfterMs: number): void {
    const now = this.hooks.clock.now();
    for (const [seq, entry] of this.pending) {
      if (entry.queued) continue;
      if (staleAfterMs === 0) entry.inLog = false;
      else if (entry.inLog && !entry.waiting) continue;
      // Back off exponentially: a slow cluster must not be buried under its own retries.
      const stale = staleAfterMs * 2 ** Math.max(0, entry.attempts - 1);
      if (entry.waiting || now - entry.lastAttemptAt >= stale) this.enqueue(seq);
    }
  }

  /**
   * This peer stops serving (its persistence failed, or it left the cluster): fail every pending request at
   * once with `code`. A request no core ever accepted (or whose every acceptance was refused) cannot apply and
   * says so; any other may still be applied by the cluster and is indeterminate.
   */
  failAll(code: HamokErrorCode, message: string): void {
    for (const seq of [...this.pending.keys()]) {
      const entry = this.settle(seq);
      if (entry === undefined) continue;
      const mayApply = entry.live > 0;
      entry.reject(
        new HamokError(code, `${message}${mayApply ? "; it may still be applied" : ""}`, { indeterminate: mayApply }),
      );
    }
  }

  /** Reject everything (close). */
  rejectAll(code: HamokErrorCode, message: string): void {
    // A request some core accepted (appended, or forwarded to a leader) and did not refuse since
    // may still be committed by the others: indeterminate. One never accepted cannot apply.
    for (const seq of [...this.pending.keys()]) {
      const entry = this.settle(seq);
      if (entry === undefined) continue;
      const indeterminate = code === "Timeout" || entry.live > 0;
      const text = indeterminate ? `${message}; request ${seq} may still be applied` : message;
      entry.reject(new HamokError(code, text, { indeterminate }));
    }
  }

  private forgetProposal(proposalId: string, seq: number): void {
    const seqs = this.byProposal.get(proposalId);
    seqs?.delete(seq);
    if (seqs?.size === 0) this.byProposal.delete(proposalId);
  }

  private settle(seq: number): Pending | undefined {
    const entry = this.pending.get(seq);
    if (entry === undefined) return undefined;
    this.pending.delete(seq);
    if (this.pending.size === 0) {
      this.hooks.clock.clearTimeout(this.sweepTimer);
      this.sweepTimer = undefined;
      this.sweepAt = Number.POSITIVE_INFINITY;
    }
    this.forgetProposal(entry.proposalId, seq);
    if (entry.earlierProposalIds !== undefined) {
      for (const proposalId of entry.earlierProposalIds) this.forgetProposal(proposalId, seq);
    }
    return entry;
  }
}
