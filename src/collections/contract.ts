/**
 * The contract between a collection and Hamok.
 *
 * A collection has two halves:
 * - a **replicated state machine** ({@link ReplicatedStateMachine}): deterministic,
 *   works only on encoded values (bytes / plain data), knows nothing of user options,
 *   and is created by Hamok for any storage id that appears in the log (so a peer
 *   that creates the collection later already has its state);
 * - a **user-facing class** (HamokMap, HamokRecord, ...): codecs, events, async methods.
 *   It talks to Hamok only through a {@link StorageConnection}.
 */
import type { HamokClock } from "../clock.js";

/** The kinds of collection. Stored in every command so a state machine can be created for an unknown id. */
export type StorageType = "map" | "record" | "queue" | "emitter" | "remote-map";

/** A mutation, as it travels through the log. Plain structured-cloneable data (Uint8Array allowed). */
export interface StorageCommand {
  readonly storageId: string;
  readonly storageType: StorageType;
  /** Operation name, interpreted by the state machine of `storageType`. */
  readonly op: string;
  /** Operation arguments (encoded keys/values as Uint8Array, numbers, strings, arrays, plain objects). */
  readonly args?: unknown;
}

/** What applying one committed command did, for events on every peer. */
export interface ApplyOutcome {
  /** Returned to the peer that submitted the command (its promise resolves with it). */
  readonly result: unknown;
  /** Changes to announce as events by the user-facing class on every peer, in order. */
  readonly changes: readonly unknown[];
}

/** Context of one applied command. Identical on every peer (it comes from the log). */
export interface ApplyContext {
  readonly index: number;
  readonly term: number;
  readonly sourcePeerId: string;
  readonly requestId: string;
  /** Whether this peer is the leader when it applies the entry (local, NOT replicated: use only for side effects outside the replicated state, e.g. a remote map's write-through). */
  readonly localIsLeader: boolean;
}

/** The deterministic half of a collection: applies committed commands to its state, snapshots and restores it. */
export interface ReplicatedStateMachine {
  readonly type: StorageType;
  /** Apply a committed command. Must be deterministic: same state + same command = same state and outcome on every peer. */
  apply(command: StorageCommand, context: ApplyContext): ApplyOutcome;
  /** The whole state as structured-cloneable data (Uint8Array allowed), for snapshots. */
  export(): unknown;
  /** Replace the whole state with an exported one. */
  import(state: unknown): void;
}

/** Factory registry: Hamok asks it for a state machine of a type when it meets an unknown storage id. */
export type StateMachineFactory = (type: StorageType, storageId: string) => ReplicatedStateMachine;

/** A direct (not logged) message between the instances of one collection on different peers. */
export interface DirectMessage {
  readonly storageId: string;
  readonly payload: unknown;
}

/** Events a connection delivers to its user-facing collection. */
export interface StorageConnectionListener {
  /** A command of this storage was applied (on every peer, in log order). */
  onApplied(command: StorageCommand, outcome: ApplyOutcome, context: ApplyContext): void;
  /** The state machine was replaced from a snapshot: re-read everything. */
  onRestored(): void;
  /** A direct message from another peer's instance of this collection. */
  onDirectMessage?(payload: unknown, fromPeerId: string): void;
  /** The set of remote peers changed. */
  onRemotePeersChanged?(): void;
  /**
   * The leader changed (`undefined`: none known). Additive: lets a collection act when this peer
   * becomes the leader without waiting for its next own command (a remote map flushes pending writes).
   */
  onLeaderChanged?(leaderId: string | undefined): void;
  /** Hamok closed: the collection is closed too. */
  onClosed(): void;
}

/** Options of one request submitted through a {@link StorageConnection}. */
export interface SubmitOptions {
  /** Default: the collection's `requestTimeoutInMs`, else Hamok's default. */
  readonly timeoutInMs?: number;
}

/** What Hamok gives one user-facing collection. */
export interface StorageConnection {
  readonly storageId: string;
  readonly storageType: StorageType;
  readonly localPeerId: string;
  /** The replicated state (read it for local, possibly stale, reads). */
  readonly stateMachine: ReplicatedStateMachine;
  /**
   * Propose a command through the log. Resolves with `outcome.result` once the command is
   * applied on this peer. Rejects with a HamokError: `Timeout` (indeterminate: it may still apply),
   * `NotLeader`, `Closed`, `TooManyProposals`. A retried request is applied at most once.
   */
  submit(op: string, args?: unknown, options?: SubmitOptions): Promise<unknown>;
  /** Linearizable read barrier (ReadIndex): resolves when this peer has applied everything committed when it was called. */
  sync(options?: SubmitOptions): Promise<void>;
  /** Send a direct message to the same collection on another peer (`undefined` = every remote peer). */
  sendDirect(payload: unknown, destinationPeerId?: string): void;
  /** Resolves when Hamok has joined a cluster and caught up. */
  readonly ready: Promise<void>;
  readonly remotePeerIds: ReadonlySet<string>;
  readonly leaderId: string | undefined;
  /** The peer's clock: a collection's own timers (an emitter's publish timeout) run on it. */
  readonly clock: HamokClock;
  /**
   * Register the collection's listener. Additive: the user-facing class calls it once, in its
   * constructor; callbacks start after it returns. A second call replaces the listener.
   */
  attach(listener: StorageConnectionListener): void;
  /**
   * Report that an application listener of the collection threw while handling `event`: Hamok reports it on
   * its `error` event (code `ListenerFailure`) instead of letting it stop the peer.
   */
  reportListenerError(event: string, error: unknown): void;
  /** Detach (the replicated state stays in Hamok). */
  close(): void;
}
