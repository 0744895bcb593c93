import type { StorageCommand } from "../collections/contract";

/**
 * What Hamok puts in the `data` of a normal Raft entry. Everything here is
 * plain structured-cloneable data, identical on every peer once committed.
 */

/** A client request: one storage command with the identity used to apply it at most once (Raft thesis §6.3). */
export interface RequestPayload {
  readonly kind: "request";
  readonly sourcePeerId: string;
  /** One per Hamok instance: a restarted peer with the same id opens a new session. */
  readonly session: string;
  /** Sequence number within the session, from 1. */
  readonly seq: number;
  /** Every request of this session below `ackBelow` has its answer: its dedup record may go. */
  readonly ackBelow: number;
  readonly command: StorageCommand;
}

/** Replicated membership metadata the leader records before adding a peer. */
export interface MemberPayload {
  readonly kind: "member";
  readonly nodeId: string;
  /** The peer asked never to vote or lead: the leader never promotes it. */
  readonly onlyFollower: boolean;
}

/** Requests submitted in the same turn travel as one entry: one append, one save, one commit for all. */
export interface BatchPayload {
  readonly kind: "batch";
  /** Estimated size in bytes, so a leader batching entries need not walk thousands of requests again. */
  readonly bytes: number;
  readonly requests: readonly RequestPayload[];
}

/** Any normal entry's data. */
export type LogPayload = RequestPayload | BatchPayload | MemberPayload;

/** The request id of a payload, as given to `ApplyContext.requestId`. */
export function requestIdOf(payload: RequestPayload): string {
  return `${payload.session}:${payload.seq}`;
}

/** Narrow an entry's data (it came through validation, but from any peer) to a payload. */
export function asLogPayload(data: unknown): LogPayload | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const p = data as Record<string, unknown>;
  if (p.kind === "member") {
    return typeof p.nodeId === "string" && typeof p.onlyFollower === "boolean"
      ? (p as unknown as MemberPayload)
      : undefined;
  }
  if (p.kind === "batch") {
    const requests = p.requests;
    return Number.isSafeInteger(p.bytes) &&
      Array.isArray(requests) &&
      requests.every((r) => asLogPayload(r)?.kind === "request")
      ? (p as unknown as BatchPayload)
      : undefined;
  }
  if (p.kind !== "request") return undefined;
  const c = p.command as Record<string, unknown> | undefined;
  const valid =
    typeof p.sourcePeerId === "string" &&
    typeof p.session === "string" &&
    Number.isSafeInteger(p.seq) &&
    Number.isSafeInteger(p.ackBelow) &&
    typeof c === "object" &&
    c !== null &&
    typeof c.storageId === "string" &&
    typeof c.storageType === "string" &&
    typeof c.op === "string";
  return valid ? (p as unknown as RequestPayload) : undefined;
}

/** The estimated size of an entry's data: a batch says it; anything else is estimated. */
export function payloadSize(data: unknown, estimate: (data: unknown) => number): number {
  if (typeof data === "object" && data !== null && (data as { kind?: unknown }).kind === "batch") {
    const bytes = (data as { bytes?: unknown }).bytes;
    if (typeof bytes === "number" && bytes >= 0) return bytes;
  }
  return estimate(data);
}
