import type { RequestPayload } from "./log-payload";

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
  | { readonly ok: false; readonly code: string; readonly message: string };

interface Session {
  readonly peerId: string;
  ackBelow: number;
  readonly results: Map<number, AppliedResult>;
}

/** Exported form, inside snapshots. */
export type SessionsExport = readonly (readonly [
  session: string,
  peerId: string,
  ackBelow: number,
  results: readonly (readonly [seq: number, result: AppliedResult])[],
])[];

/** The dedup table. */
export class SessionTable {
  private readonly sessions = new Map<string, Session>();

  /** The recorded result if this request was applied already; `null` if it was acknowledged long ago; `undefined` if new. */
  lookup(payload: RequestPayload): AppliedResult | null | undefined {
    const session = this.sessions.get(payload.session);
    if (session === undefined) return undefined;
    if (payload.seq < session.ackBelow) return session.results.get(payload.seq) ?? null;
    return session.results.get(payload.seq);
  }

  /** Record an applied request and forget what its session acknowledged. */
  record(payload: RequestPayload, result: AppliedResult): void {
    let session = this.sessions.get(payload.session);
    if (session === undefined) {
      session = { peerId: payload.sourcePeerId, ackBelow: 0, results: new Map() };
      this.sessions.set(payload.session, session);
    }
    session.results.set(payload.seq, result);
    if (payload.ackBelow > session.ackBelow) {
      const from = session.ackBelow;
      session.ackBelow = payload.ackBelow;
      // Walk whichever is shorter: the newly acknowledged range or the records.
      if (session.ackBelow - from < session.results.size) {
        for (let seq = from; seq < session.ackBelow; seq++) session.results.delete(seq);
      } else {
        for (const seq of session.results.keys()) {
          if (seq < session.ackBelow) session.results.delete(seq);
        }
      }
    }
  }

  /** Forget every session of a peer that left the configuration. */
  dropPeer(peerId: string): void {
    for (const [id, session] of this.sessions) {
      if (session.peerId === peerId) this.sessions.delete(id);
    }
  }

  /** Number of sessions (for stats and tests). */
  get size(): number {
    return this.sessions.size;
  }

  export(): SessionsExport {
    return [...this.sessions].map(([id, s]) => [id, s.peerId, s.ackBelow, [...s.results]] as const);
  }

  import(data: SessionsExport): void {
    this.sessions.clear();
    for (const [id, peerId, ackBelow, results] of data) {
      this.sessions.set(id, { peerId, ackBelow, results: new Map(results) });
    }
  }
}
