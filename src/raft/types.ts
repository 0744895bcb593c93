/**
 * Public types of the pure Raft core. The core is a synchronous, deterministic
 * state machine in the style of etcd-io/raft: inputs are `tick()`, `step()`,
 * `propose()`, `proposeConfChange()`, `readIndex()`, `transferLeader()`;
 * outputs come out as a {@link Ready} batch that the runtime persists, sends,
 * applies and then acknowledges with `advance()`.
 *
 * Everything here is plain data (structured-cloneable), so messages cross
 * `postMessage`, a BroadcastChannel or a test hub unchanged.
 */

/** A peer id. */
export type NodeId = string;

/** `normal` carries application data; `noop` is appended by a new leader (§5.4.2 / §8); `conf` carries a {@link ConfChange}. */
export type EntryType = "normal" | "noop" | "conf";

/** One entry of the Raft log (§5.3): its position, its term, and what it carries. */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  /** Application payload for `normal` entries (opaque to the core, structured-cloneable); a {@link ConfChange} for `conf`; `null` for `noop`. */
  readonly data: unknown;
}

/**
 * Single-server membership change (Raft thesis §4.1). Applied to the
 * configuration as soon as it is appended to a log (not when committed);
 * at most one may be uncommitted at a time.
 * - `addLearner`: a non-voting member that receives the log.
 * - `addVoter`: adds a voter, or promotes a learner.
 * - `demoteVoter`: turns a voter into a learner.
 * - `remove`: removes a voter or a learner.
 */
export interface ConfChange {
  readonly type: "addLearner" | "addVoter" | "demoteVoter" | "remove";
  readonly nodeId: NodeId;
}

/** The cluster configuration. Quorum is a majority of `voters` only. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/** State that must be on stable storage before the messages of the same Ready are sent (Raft §5, Figure 2). */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId | null;
  readonly commit: number;
}

/** What a snapshot covers (§7): the last entry it includes, that entry's term, and the configuration then. */
export interface SnapshotMeta {
  /** Index of the last entry covered by the snapshot. */
  readonly index: number;
  /** Term of that entry. */
  readonly term: number;
  /** The configuration as of `index`. */
  readonly confState: ConfState;
}

/** A snapshot of the application state machine at `meta.index`; `data` is opaque bytes produced by the application. */
export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

export type RaftRole = "follower" | "pre-candidate" | "candidate" | "leader";

/** The kinds of Raft message between peers (requests and their responses). */
/**
 * Every Raft message type, once: the union below is derived from it, and validation and the tests that
 * forge or round-trip each type read it instead of keeping lists of their own.
 */
export const RAFT_MESSAGE_TYPES = [
  "append", // AppendEntries (also the heartbeat carrier when empty)
  "append-response",
  "heartbeat",
  "heartbeat-response",
  "pre-vote",
  "pre-vote-response",
  "vote",
  "vote-response",
  "snapshot", // one chunk of InstallSnapshot
  "snapshot-response",
  "timeout-now", // leadership transfer: start an election at once
  "propose", // a follower forwards proposals to the leader
  "propose-response", // the leader refuses forwarded proposals (with a reason)
  "read-index", // a follower forwards a ReadIndex request to the leader
  "read-index-response",
] as const;

/** The type of a {@link RaftMessage}. */
export type RaftMessageType = (typeof RAFT_MESSAGE_TYPES)[number];

/**
 * A message between Raft cores. All fields but `type`, `from`, `to` and `term`
 * are optional and their meaning depends on `type` (see the comments on the fields below).
 */
export interface RaftMessage {
  readonly type: RaftMessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  /** Log position the message refers to (prevLogIndex for `append`, last index for votes, match index for responses). */
  readonly index?: number;
  /** Term at `index` (prevLogTerm / lastLogTerm). */
  readonly logTerm?: number;
  readonly entries?: readonly Entry[];
  readonly commit?: number;
  readonly reject?: boolean;
  /** On a rejected append: the follower's hint for the next index to try (fast backtracking). */
  readonly rejectHint?: number;
  /** Opaque context: ReadIndex request context, or `"transfer"` on a vote started by TimeoutNow. */
  readonly context?: string;
  /** Snapshot chunk (`snapshot` only). */
  readonly snapshotMeta?: SnapshotMeta;
  readonly snapshotOffset?: number;
  readonly snapshotTotal?: number;
  readonly snapshotChunk?: Uint8Array;
  readonly snapshotDone?: boolean;
  /** Forwarded proposals (`propose`): their ids, parallel to `entries` (whose term/index are 0 until the leader appends them). */
  readonly proposalIds?: readonly string[];
  /** Refusal reason (`propose-response`). */
  readonly reason?: ProposalRejectReason;
}

/**
 * The `context` of an entry-less `append` that only tells a follower in replicate state the new commit index.
 * Anchored at the follower's match, it tells the leader nothing when accepted, so the follower does not answer
 * it (a rejection is still answered). Without the mark a follower cannot tell it from a probe, whose answer
 * the leader waits for.
 */
export const COMMIT_NOTICE_CONTEXT = "commit";

/** Why a proposal will not be appended. */
export type ProposalRejectReason =
  | "no-leader" // nobody is known to lead; retry after `leader-changed`
  | "too-many-uncommitted" // the uncommitted-proposals cap is reached
  | "transfer-in-progress" // the leader is handing over leadership
  | "conf-change-pending" // another membership change is not yet committed
  | "not-a-member" // the proposer is not in the configuration
  | "invalid"; // the proposal itself is invalid (e.g. removing an unknown node)

export interface RejectedProposal {
  readonly id: string;
  readonly reason: ProposalRejectReason;
}

/**
 * Why the core dropped an inbound message unprocessed (see {@link DroppedMessage}):
 * - `term-ceiling`: its term is above `MAX_TERM`;
 * - `not-a-member`: its sender is neither a voter nor a learner of this node's
 *   configuration (nor this node's current leader, nor vouched for by a member);
 * - `not-current-leader`: a `timeout-now` from anyone but the leader of this node's current term.
 */
export type DropReason = "term-ceiling" | "not-a-member" | "not-current-leader";

/** An inbound message the core dropped, with why (`Ready.droppedMessages`); it changed nothing. */
export interface DroppedMessage {
  readonly type: RaftMessageType;
  readonly from: NodeId;
  readonly term: number;
  readonly reason: DropReason;
}

/** A ReadIndex result: once `appliedIndex >= index`, a read for `context` is linearizable (Raft thesis §6.4). */
export interface ReadState {
  readonly context: string;
  readonly index: number;
}

export interface SoftState {
  readonly role: RaftRole;
  readonly leaderId: NodeId | null;
  readonly term: number;
}

/**
 * A batch of work. The runtime must, in order:
 * 1. persist `snapshot` (if any), `entries` and `hardState` (if any) atomically;
 * 2. send `messages`;
 * 3. apply `snapshot` then `committedEntries` to the state machine;
 * 4. call `advance(ready)`.
 */
export interface Ready {
  /** Set when role, leader or term changed since the last Ready. */
  readonly softState?: SoftState;
  /** Set when term, vote or commit changed since the last Ready. */
  readonly hardState?: HardState;
  /** Entries to append to stable storage; an entry at an index that is already stored replaces it and every later entry. */
  readonly entries: readonly Entry[];
  /** A snapshot received from the leader, to persist and install (its `meta.index` becomes the log's first index - 1). */
  readonly snapshot?: Snapshot;
  /** Entries committed and not yet applied, in order. */
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly RaftMessage[];
  readonly readStates: readonly ReadState[];
  /** Proposals (local or forwarded from this node) known not to be appended. */
  readonly rejectedProposals: readonly RejectedProposal[];
  /** ReadIndex requests known not to be served (no leader, leader stepped down, ...); the caller may retry. */
  readonly rejectedReads: readonly { readonly context: string; readonly reason: ProposalRejectReason }[];
  /** Set when the configuration changed (on append, per single-server change rules). */
  readonly confState?: ConfState;
  /**
   * Inbound messages dropped since the last Ready for a reason worth reporting
   * (a forged or misdirected message; at most 64 per Ready). Stale and
   * duplicate messages, which Raft expects, are ignored without a record.
   */
  readonly droppedMessages: readonly DroppedMessage[];
}

/** The deterministic PRNG the core draws election jitter from. Returns a float in [0, 1). */
export type Random = () => number;

export interface RaftConfig {
  readonly id: NodeId;
  /** Ticks without hearing from a leader before a follower campaigns; randomised per election in [E, 2E). */
  readonly electionTicks: number;
  /** Ticks between leader heartbeats; must be < electionTicks. */
  readonly heartbeatTicks: number;
  readonly random: Random;
  /** Run a PreVote round before incrementing the term (thesis §9.6). Default true. */
  readonly preVote?: boolean;
  /** A leader that has not heard from a quorum within an election timeout steps down. Default true. */
  readonly checkQuorum?: boolean;
  /** Max un-acknowledged append messages in flight per follower. Default 64. */
  readonly maxInflightMessages?: number;
  /** Max total size of the entries in one append message (as measured by `sizeOf`). Default 256 KiB. */
  readonly maxMessageBytes?: number;
  /** Max uncommitted normal proposals at the leader before refusing new ones. Default 10000. */
  readonly maxUncommittedEntries?: number;
  /** Snapshot chunk size in bytes. Default 64 KiB. */
  readonly snapshotChunkBytes?: number;
  /** Estimated size in bytes of an entry's data, for batching. Default: a structural estimate. */
  readonly sizeOf?: (data: unknown) => number;
  /**
   * The runtime sends a leader's appends while it is still persisting the same entries locally (thesis
   * §10.2.1, etcd's asynchronous storage writes), and reports each save's completion with `advance()`. The
   * leader then counts its own log toward the commit quorum only up to what `advance()` reported persisted.
   * Default false: the runtime persists each Ready before anything else, so the leader counts an entry as
   * soon as it appends it.
   */
  readonly asyncStorageWrites?: boolean;
}

/** What a core is restarted from: exactly what the runtime persisted. */
export interface RaftRestoreState {
  readonly hardState: HardState;
  readonly snapshot?: Snapshot;
  /** Entries after the snapshot, contiguous. */
  readonly entries: readonly Entry[];
  /** The configuration to start with when there is neither snapshot nor conf entry (bootstrap). */
  readonly initialConfState?: ConfState;
}

export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: "probe" | "replicate" | "snapshot";
  readonly inflight: number;
  readonly recentActive: boolean;
  /** Ticks since the leader last heard from this peer. */
  readonly ticksSinceHeard: number;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: RaftRole;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly leaderId: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly confState: ConfState;
  readonly leadTransferee: NodeId | null;
  /** Only on the leader. */
  readonly progress?: Readonly<Record<NodeId, ProgressStatus>>;
}

/** Result of a local proposal: accepted (appended locally or forwarded to the leader), or refused at once. */
export type ProposeResult = { readonly ok: true } | { readonly ok: false; readonly reason: ProposalRejectReason };
