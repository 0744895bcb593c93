import type { RaftMessage } from "../raft/types.js";

/**
 * The envelope every Hamok peer exchanges. A `HamokMessage` is a plain,
 * structured-cloneable object, so it crosses `postMessage`, a BroadcastChannel
 * or the in-memory hub unchanged; byte transports encode it with the wire codec.
 *
 * `destinationId` unset means broadcast. `clusterId` is set by every peer that
 * belongs to a cluster; a peer never mixes in messages of another cluster.
 */

/** The protocol tag of this message format. A peer drops messages with any other tag. */
export const HAMOK_PROTOCOL = "hamok/1";

/** The message kinds. */
export type HamokMessageType = "raft" | "hello" | "endpoint-state" | "join-request" | "storage";

/** The message kinds, for validation. */
export const HAMOK_MESSAGE_TYPES: readonly HamokMessageType[] = [
  "raft",
  "hello",
  "endpoint-state",
  "join-request",
  "storage",
];

/** Fields shared by every message. */
export interface HamokMessageBase {
  readonly protocol: typeof HAMOK_PROTOCOL;
  readonly type: HamokMessageType;
  /** The sending peer. */
  readonly sourceId: string;
  /** The receiving peer; unset means every peer. */
  readonly destinationId?: string;
  /** The cluster of the sender, once it belongs to one. */
  readonly clusterId?: string;
}

/** What a peer tells others about itself during discovery. */
export interface PeerAnnouncement {
  /** Whether the peer is running `join()` (or is joined): only such peers take part in bootstrap decisions. */
  readonly joining: boolean;
  /** Whether the peer may lead (it is not `onlyFollower`): only such peers bootstrap a cluster. */
  readonly canLead: boolean;
  /** The leader the peer knows, if any. */
  readonly leaderId?: string;
  /** The peer's current term (0 before it belongs to a cluster). */
  readonly term: number;
  /** The peer's commit index. */
  readonly commit: number;
  /** The members of the peer's cluster configuration; before it belongs to one, the joining peers it heard that may lead. */
  readonly members: readonly string[];
}

/** A Raft core message (AppendEntries, votes, snapshots, forwarded proposals, ...). */
export interface RaftEnvelope extends HamokMessageBase {
  readonly type: "raft";
  readonly raft: RaftMessage;
}

/** Discovery request: "who is there and which cluster are you in?" (broadcast or to one peer). */
export interface HelloMessage extends HamokMessageBase {
  readonly type: "hello";
  readonly peer: PeerAnnouncement;
}

/** Discovery reply to a hello, also broadcast unsolicited when a peer bootstraps a cluster. */
export interface EndpointStateMessage extends HamokMessageBase {
  readonly type: "endpoint-state";
  readonly peer: PeerAnnouncement;
}

/** A joining peer asks the leader of `clusterId` to add it to the configuration (as a learner first). */
export interface JoinRequestMessage extends HamokMessageBase {
  readonly type: "join-request";
  readonly clusterId: string;
  /** The joiner never wants to vote or lead. */
  readonly onlyFollower: boolean;
}

/** A direct (not logged) message between the instances of one collection on different peers. */
export interface StorageDirectEnvelope extends HamokMessageBase {
  readonly type: "storage";
  readonly storageId: string;
  readonly payload: unknown;
}

/** Any Hamok message. */
export type HamokMessage =
  | RaftEnvelope
  | HelloMessage
  | EndpointStateMessage
  | JoinRequestMessage
  | StorageDirectEnvelope;
