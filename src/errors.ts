/** Every error code Hamok raises. */
export type HamokErrorCode =
  /** The request timed out. Indeterminate: it may still be applied. */
  | "Timeout"
  /** The request cannot be served by this peer as it is not (or no longer) the leader and none is known. */
  | "NotLeader"
  /** The instance, collection or storage was closed. */
  | "Closed"
  /** Too many uncommitted proposals; back off and retry. */
  | "TooManyProposals"
  /** A membership change is already in progress. */
  | "ConfChangePending"
  /** A leadership transfer is in progress. */
  | "TransferInProgress"
  /** This peer is not a member of the cluster. */
  | "NotMember"
  /** A message or argument is malformed. */
  | "InvalidMessage"
  | "InvalidArgument"
  /** An option of `new Hamok(config)` is unknown (the message suggests the closest key) or of the wrong type. */
  | "InvalidConfig"
  /** A message exceeds the size cap. */
  | "PayloadTooLarge"
  /** A message from another cluster was seen. */
  | "ForeignCluster"
  /** A storage id is already used by a storage of another type. */
  | "StorageTypeMismatch"
  /** A storage id is unknown. */
  | "UnknownStorage"
  /** `join()` could not find or form a cluster. */
  | "JoinFailed"
  /** `join({ timeoutInMs })` did not complete in time; the message says which phase it was in. The peer goes on trying. */
  | "JoinTimeout"
  /** Persistence failed (quota, aborted transaction, ...). */
  | "StorageFailure"
  /** Persisted data was written by a newer, unknown format version. */
  | "UnsupportedVersion"
  /** Transport or signaling failure. */
  | "TransportFailure"
  /** The peer id is already used by another live tab or process. */
  | "PeerIdInUse"
  /**
   * A listener of the application threw. Reported on `error` (never thrown into Hamok): the message names
   * the event, `cause` is what the listener threw. The peer keeps running.
   */
  | "ListenerFailure";

/** The one error class of Hamok; switch on `code`. */
export class HamokError extends Error {
  /** Always `"HamokError"`. */
  override readonly name = "HamokError";
  /** What went wrong; see {@link HamokErrorCode}. */
  readonly code: HamokErrorCode;
  /**
   * Whether the request may have taken effect, or still may: `false` only when it is known
   * never to apply. Always `true` for `Timeout`; `true` for `Closed` when the request had
   * already been forwarded to the leader or appended.
   */
  readonly indeterminate: boolean;

  constructor(code: HamokErrorCode, message: string, options?: { cause?: unknown; indeterminate?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.indeterminate = options?.indeterminate ?? code === "Timeout";
  }
}

/** Whether `error` is a {@link HamokError}, and of `code` when one is given (a type guard). */
export function isHamokError(error: unknown, code?: HamokErrorCode): error is HamokError {
  return error instanceof HamokError && (code === undefined || error.code === code);
}
