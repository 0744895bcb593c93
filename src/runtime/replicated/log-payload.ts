import type { StorageCommand } from "../../collections/contract.js";
import { isPackedRequests, unpackRequests } from "./packed-requests.js";

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

/**
 * An earlier form of {@link RequestBatchPayload} (one object per request); still applied if a log
 * holds it.
 */
export interface BatchPayload {
  readonly kind: "batch";
  /** Estimated size in bytes, so a leader batching entries need not walk thousands of requests again. */
  readonly bytes: number;
  readonly requests: readonly RequestPayload[];
}

/**
 * Requests one session submitted in the same turn travel as one entry: one append, one save, one
 * commit for all. Column by column (request `i` is `seqs[i]`, `ackBelows[i]`, `commands[i]`) and
 * the session's identity once: no object per request in the log, and less for every receiver to
 * validate and for the garbage collector to trace while thousands of requests are in flight.
 */
export interface RequestBatchPayload {
  readonly kind: "requests";
  /** Estimated size in bytes, so a leader batching entries need not walk thousands of requests again. */
  readonly bytes: number;
  readonly sourcePeerId: string;
  readonly session: string;
  readonly seqs: readonly number[];
  readonly ackBelows: readonly number[];
  readonly commands: readonly StorageCommand[];
}

/** Any normal entry's data. */
export type LogPayload = RequestPayload | RequestBatchPayload | BatchPayload | MemberPayload;

/** Request `i` of a columnar batch, as one payload (built when applied, then dropped). */
export function requestAt(batch: RequestBatchPayload, i: number): RequestPayload {
  return {
    kind: "request",
    sourcePeerId: batch.sourcePeerId,
    session: batch.session,
    seq: batch.seqs[i] as number,
    ackBelow: batch.ackBelows[i] as number,
    command: batch.commands[i] as StorageCommand,
  };
}

function isCommand(value: unknown): value is StorageCommand {
  if (typeof value !== "object" || value === null) return false;
  const c = value as Record<string, unknown>;
  return typeof c.storageId === "string" && typeof c.storageType === "string" && typeof c.op === "string";
}

function isSafeIntegerList(value: unknown, length: number): value is number[] {
  if (!Array.isArray(value) || value.length !== length) return false;
  for (let i = 0; i < length; i++) if (!Number.isSafeInteger(value[i])) return false;
  return true;
}

function asRequestBatch(p: Record<string, unknown>): RequestBatchPayload | undefined {
  const commands = p.commands;
  if (!Array.isArray(commands) || typeof p.sourcePeerId !== "string" || typeof p.session !== "string") return undefined;
  if (!Number.isSafeInteger(p.bytes)) return undefined;
  const length = commands.length;
  if (!isSafeIntegerList(p.seqs, length) || !isSafeIntegerList(p.ackBelows, length)) return undefined;
  // A loop, not `every`: every peer runs this for every applied batch.
  for (let i = 0; i < length; i++) if (!isCommand(commands[i])) return undefined;
  return p as unknown as RequestBatchPayload;
}

/** The request id of a payload, as given to `ApplyContext.requestId`. */
export function requestIdOf(payload: RequestPayload): string {
  return `${payload.session}:${payload.seq}`;
}

/** Narrow an entry's data (it came through validation, but from any peer) to a payload. */
export function asLogPayload(data: unknown): LogPayload | undefined {
  if (isPackedRequests(data)) return unpackRequests(data);
  if (typeof data !== "object" || data === null) return undefined;
  const p = data as Record<string, unknown>;
  if (p.kind === "member") {
    return typeof p.nodeId === "string" && typeof p.onlyFollower === "boolean"
      ? (p as unknown as MemberPayload)
      : undefined;
  }
  if (p.kind === "requests") return asRequestBatch(p);
  if (p.kind === "batch") {
    const requests = p.requests;
    return Number.isSafeInteger(p.bytes) &&
      Array.isArray(requests) &&
      requests.every((r) => asLogPayload(r)?.kind === "request")
      ? (p as unknown as BatchPayload)
      : undefined;
  }
  if (p.kind !== "request") return undefined;
  const valid =
    typeof p.sourcePeerId === "string" &&
    typeof p.session === "string" &&
    Number.isSafeInteger(p.seq) &&
    Number.isSafeInteger(p.ackBelow) &&
    isCommand(p.command);
  return valid ? (p as unknown as RequestPayload) : undefined;
}

/** The estimated size of an entry's data: a batch says it; anything else is estimated. */
export function payloadSize(data: unknown, estimate: (data: unknown) => number): number {
  const kind = typeof data === "object" && data !== null ? (data as { kind?: unknown }).kind : undefined;
  if (kind === "requests" || kind === "batch") {
    const bytes = (data as { bytes?: unknown }).bytes;
    if (typeof bytes === "number" && bytes >= 0) return bytes;
  }
  return estimate(data);
}
