import type { RequestPayload } from "./log-payload.js";

/**
 * Client sessions for at-most-once application (Raft thesis §6.3): a request is
 * identified by (session, seq); a retried request that is already applied is
 * answered from the recorded result instead of being applied again. Records
 * below the session's `ackBelow` are dropped: their submitter has its answer.
 *
 * This table is part of the replicated state (it goes into every snapshot),
 * so every peer deduplicates identically.
 */

/** What happened to a request at apply time. */
export type AppliedResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly indeterminate?: true };

/**
 * The answer to a request of a closed session (its peer was removed from the configuration): not
 * applied now, but an earlier attempt may have been, and that record is gone, so indeterminate.
 */
export const CLOSED_SESSION_RESULT: AppliedResult = {
  ok: false,
  code: "NotMember",
  message: "the request's session was closed when its peer was removed; an earlier attempt may have applied",
  indeterminate: true,
};

/** How many closed sessions are remembered (their peers' retries are refused, never applied again). */
const MAX_CLOSED_SESSIONS = 1024;

/**
 * A session's recorded results by seq. Seqs of one session are dense and mostly applied in
 * order, so they live in an array window `[base + head, base + items.length)` with a moving
 * head (acknowledging is O(1) amortised, unlike deleting thousands of Map keys per batch);
 * a seq far ahead of the window (a hostile or very old peer) goes to a small overflow Map.
 */
class SeqResults {
  private base = 0;
  private head = 0;
  private items: (AppliedResult | undefined)[] = [];
  private overflow: Map<number, AppliedResult> | undefined;

  get(seq: number): AppliedResult | undefined {
    const i = seq - this.base;
    if (i >= this.head && i < this.items.length) return this.items[i];
    return this.overflow?.get(seq);
  }

  set(seq: number, result: AppliedResult): void {
    if (this.items.length === this.head) {
      // Empty window: start it here.
      this.base = seq;
      this.head = 0;
      this.items = [];
    }
    const i = seq - this.base;
    if (i >= this.head && i <= this.items.length + MAX_GAP) {
      while (this.items.length < i) this.items.push(undefined);
      this.items[i] = result;
      return;
    }
    this.overflow ??= new Map();
    this.overflow.set(seq, result);
  }

  /** Forget every seq below `ackBelow`. */
  dropBelow(ackBelow: number): void {
    const end = Math.min(ackBelow - this.base, this.items.length);
    if (end > this.head) {
      for (let i = this.head; i < end; i++) this.items[i] = undefined;
      this.head = end;
      if (this.head === this.items.length) {
        this.items = [];
        this.head = 0;
        this.base = ackBelow;
      } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
        this.items = this.items.slice(this.head);
        this.base += this.head;
        this.head = 0;
      }
    }
    if (this.overflow !== undefined) {
      for (const seq of this.overflow.keys()) if (seq < ackBelow) this.overflow.delete(seq);
      if (this.overflow.size === 0) this.overflow = undefined;
    }
  }

  /** The exported window and overflow (see {@link SessionsExport}). */
  export(): [firstSeq: number, window: (ExportedResult | null)[], overflow: [number, ExportedResult][]] {
    const window: (ExportedResult | null)[] = [];
    // Consecutive requests often share one result object (see `ReplicatedState.okResult`): export it once.
    let last: AppliedResult | undefined;
    let lastExported: ExportedResult | null = null;
    for (let i = this.head; i < this.items.length; i++) {
      const result = this.items[i];
      if (result === undefined) {
        window.push(null);
        continue;
      }
      if (result !== last) {
        last = result;
        lastExported = exportResult(result);
      }
      window.push(lastExported);
    }
    const overflow = [...(this.overflow ?? [])]
      .sort((a, b) => a[0] - b[0])
      .map(([seq, result]): [number, ExportedResult] => [seq, exportResult(result)]);
    return [this.base + this.head, window, overflow];
  }
}

/** How far ahead of its window a seq may land and still be kept in the array. */
const MAX_GAP = 4096;

interface Session {
  readonly peerId: string;
  ackBelow: number;
  readonly results: SeqResults;
}

/** A recorded result in a snapshot: `[value]` if it succeeded, `[code, message]` if not (short to encode). */
export type ExportedResult = readonly [value: unknown] | readonly [code: string, message: string];

/**
 * Exported form, inside snapshots: per session, the results of the dense seq window from
 * `firstSeq` (`null` for a hole) and the far-ahead ones as `[seq, result]` pairs. The older form
 * `[session, peerId, ackBelow, [seq, AppliedResult][]]` is still read.
 */
export type SessionsExport = readonly (
  | readonly [
      session: string,
      peerId: string,
      ackBelow: number,
      firstSeq: number,
      window: readonly (ExportedResult | null)[],
      overflow: readonly (readonly [seq: number, result: ExportedResult])[],
    ]
  | readonly [
      session: string,
      peerId: string,
      ackBelow: number,
      results: readonly (readonly [seq: number, result: AppliedResult])[],
    ]
)[];

function exportResult(result: AppliedResult): ExportedResult {
  return result.ok ? [result.value] : [result.code, result.message];
}

function importResult(exported: ExportedResult): AppliedResult {
  return exported.length === 1
    ? { ok: true, value: exported[0] }
    : { ok: false, code: exported[0] as string, message: exported[1] as string };
}

/** The dedup table. */
export class SessionTable {
  private readonly sessions = new Map<string, Session>();
  /** Sessions dropped with their peer, oldest first (bounded): see {@link dropPeer}. */
  private closed: string[] = [];
  private readonly closedSet = new Set<string>();

  /**
   * The recorded result if this request was applied already; `null` if it was acknowledged long ago; `undefined` if new;
   * {@link CLOSED_SESSION_RESULT} if its session was closed.
   */
  lookup(payload: RequestPayload): AppliedResult | null | undefined {
    return this.lookupSeq(payload.session, payload.seq);
  }

  /** Whether `sessionId` was closed (its peer was removed after it had applied requests): see {@link dropPeer}. */
  isClosed(sessionId: string): boolean {
    return this.closedSet.has(sessionId);
  }

  /** {@link lookup} by identity alone (a submitter asking about its own pending request after a snapshot). */
  lookupSeq(sessionId: string, seq: number): AppliedResult | null | undefined {
    if (this.closedSet.has(sessionId)) return CLOSED_SESSION_RESULT;
    const session = this.sessions.get(sessionId);
    if (session === undefined) return undefined;
    if (seq < session.ackBelow) return session.results.get(seq) ?? null;
    return session.results.get(seq);
  }

  /** Record an applied request and forget what its session acknowledged. */
  record(payload: RequestPayload, result: AppliedResult): void {
    let session = this.sessions.get(payload.session);
    if (session === undefined) {
      session = { peerId: payload.sourcePeerId, ackBelow: 0, results: new SeqResults() };
      this.sessions.set(payload.session, session);
    }
    if (payload.ackBelow > session.ackBelow) {
      session.ackBelow = payload.ackBelow;
      session.results.dropBelow(payload.ackBelow);
    }
    // Below ackBelow its submitter has the answer: a retry of it cannot reach it any more.
    if (payload.seq >= session.ackBelow) session.results.set(payload.seq, result);
  }

  /**
   * Forget every session of a peer that left the configuration, and close them: the peer may still
   * be alive, be added back and retry a request whose result was just forgotten, which must then not
   * apply a second time (at most once, thesis §6.3). A closed session's requests are answered with
   * {@link CLOSED_SESSION_RESULT}; its peer continues in a new session.
   */
  dropPeer(peerId: string): void {
    for (const [id, session] of this.sessions) {
      if (session.peerId !== peerId) continue;
      this.sessions.delete(id);
      this.close(id);
    }
  }

  private close(id: string): void {
    if (this.closedSet.has(id)) return;
    this.closed.push(id);
    this.closedSet.add(id);
    if (this.closed.length > MAX_CLOSED_SESSIONS) this.closedSet.delete(this.closed.shift()!);
  }

  /** The closed sessions, oldest first (part of a snapshot). */
  exportClosed(): string[] {
    return [...this.closed];
  }

  /** Number of sessions (for stats and tests). */
  get size(): number {
    return this.sessions.size;
  }

  export(): SessionsExport {
    return [...this.sessions].map(([id, s]) => [id, s.peerId, s.ackBelow, ...s.results.export()] as const);
  }

  /** Replace everything; `closed` from {@link exportClosed} (absent in older snapshots). */
  import(data: SessionsExport, closed: readonly string[] = []): void {
    this.sessions.clear();
    this.closed = [];
    this.closedSet.clear();
    for (const id of closed) this.close(id);
    for (const session of data) {
      const [id, peerId, ackBelow] = session;
      const results = new SeqResults();
      const keep = (seq: number, result: AppliedResult) => {
        if (seq >= ackBelow) results.set(seq, result);
      };
      if (session.length === 4) {
        for (const [seq, result] of session[3]) keep(seq, result);
      } else {
        const [, , , firstSeq, window, overflow] = session;
        window.forEach((result, i) => {
          if (result !== null) keep(firstSeq + i, importResult(result));
        });
        for (const [seq, result] of overflow) keep(seq, importResult(result));
      }
      this.sessions.set(id, { peerId, ackBelow, results });
    }
  }
}
