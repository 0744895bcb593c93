/**
 * `hamok/advanced`: for authors of transports and persistence back ends. The message envelopes a transport
 * carries, the Raft types a `RaftLogs` stores, the in-memory `RaftLogs`, format versions, and the contract
 * between a collection and the facade. Apps do not need this entry; what it exports may change in minor versions
 * more readily than the core.
 *
 * @packageDocumentation
 */
export type {
  ApplyContext,
  ApplyOutcome,
  ReplicatedStateMachine,
  StorageCommand,
  StorageConnection,
  StorageConnectionListener,
} from "./collections/index.js";
export {
  type EndpointStateMessage,
  HAMOK_PROTOCOL,
  type HamokMessageBase,
  type HelloMessage,
  type JoinRequestMessage,
  type PeerAnnouncement,
  type RaftEnvelope,
  type StorageDirectEnvelope,
} from "./messages/hamok-message.js";
export type {
  ConfChange,
  ConfState,
  Entry,
  EntryType,
  HardState,
  ProposalRejectReason,
  RaftMessage,
  RaftMessageType,
  Snapshot,
  SnapshotMeta,
} from "./raft/types.js";
export { RAFT_MESSAGE_TYPES } from "./raft/types.js";
export { FORMAT_VERSION, SCHEMA_VERSION } from "./storage/indexeddb/schema.js";
export { MemoryRaftLogs } from "./storage/memory-raft-logs.js";
export type { PersistedState, RaftLogs, RaftLogsStats, SaveBatch } from "./storage/raft-logs.js";
