/**
 * One request of the request table (`request-table.ts`) while it waits for its answer, and how a refusal of it
 * reads. Kept apart so the table holds only the bookkeeping across attempts, sessions and deadlines.
 */
import type { StorageCommand } from "../../collections/contract.js";
import type { HamokError, HamokErrorCode } from "../../errors.js";
import type { ProposalRejectReason } from "../../raft/types.js";

/** A submitted request not yet answered. */
export interface Pending {
  // The request's identity and command, not a `RequestPayload`: most requests travel in a
  // columnar batch, so the object is built only for a request proposed alone.
  readonly seq: number;
  readonly ackBelow: number;
  readonly command: StorageCommand;
  readonly size: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: HamokError) => void;
  /** When it times out (ms since epoch; moved after a stall, see `sweep`), and the timeout it was given. */
  deadline: number;
  readonly timeoutInMs: number;
  /** The latest attempt's proposal id (`""` before the first). */
  proposalId: string;
  /** Set when the page stalled while it was pending: from then on it times out only once caught up (or at the cap). */
  thawedAt: number | undefined;
  /** Earlier attempts' proposal ids (created on the first retry: most requests have one attempt). */
  earlierProposalIds: string[] | undefined;
  /** How many attempts were made. */
  attempts: number;
  lastAttemptAt: number;
  /** Refused for a transient reason; re-proposed when a leader is known. */
  waiting: boolean;
  /** Queued for the next batch. */
  queued: boolean;
  /** Attempts accepted by a core (appended or forwarded) and not refused since: while any, the request may apply. */
  live: number;
  /** Seen in this peer's own log: it commits unless a new leader truncates it, so it waits for that, not a retry. */
  inLog: boolean;
  /** A snapshot replaced this peer's state while it was pending and cannot tell whether it applied (see `restored`). */
  fateUnknown: boolean;
}

/** What a request is given when it is submitted; the rest starts as "never attempted". */
export type NewPending = Pick<
  Pending,
  "seq" | "ackBelow" | "command" | "size" | "resolve" | "reject" | "deadline" | "timeoutInMs" | "thawedAt"
>;

/** A request as submitted: no attempt yet, nothing accepted, not in the log. */
export function newPending(request: NewPending): Pending {
  // Every field written out, in one order: one object shape for every request (this is on the write path).
  return {
    seq: request.seq,
    ackBelow: request.ackBelow,
    command: request.command,
    size: request.size,
    resolve: request.resolve,
    reject: request.reject,
    deadline: request.deadline,
    timeoutInMs: request.timeoutInMs,
    thawedAt: request.thawedAt,
    proposalId: "",
    earlierProposalIds: undefined,
    attempts: 0,
    lastAttemptAt: 0,
    waiting: false,
    queued: false,
    live: 0,
    inLog: false,
    fateUnknown: false,
  };
}

/** Refusals that end a request; `undefined` means "transient: retry when a leader is known". */
export function failureCode(reason: ProposalRejectReason): HamokErrorCode | undefined {
  switch (reason) {
    case "no-leader":
    case "transfer-in-progress":
    // A joiner forwards before the leader has added it; it will be a member shortly.
    case "not-a-member":
      return undefined;
    case "too-many-uncommitted":
      return "TooManyProposals";
    case "conf-change-pending":
      return "ConfChangePending";
    case "invalid":
      return "InvalidArgument";
  }
}
