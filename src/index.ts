/**
 * hamok: Raft-replicated collections for browser tabs and Node peers.
 * The one public entry point; everything public is named here.
 */
export { type ClockTimer, type HamokClock, realClock } from "./clock";
export {
  type ApplyContext,
  type ApplyOutcome,
  createBytesCodec,
  createJsonCodec,
  createStringCodec,
  type HamokCodec,
  HamokEmitter,
  type HamokEmitterEventMap,
  type HamokEmitterOptions,
  HamokEmitterSubscriptions,
  type HamokEmitterSubscriptionsEvents,
  HamokMap,
  type HamokMapEvents,
  type HamokMapOptions,
  type HamokMapSnapshot,
  HamokQueue,
  type HamokQueueEvents,
  type HamokQueueOptions,
  HamokRecord,
  type HamokRecordEvents,
  type HamokRecordField,
  type HamokRecordObject,
  type HamokRecordOptions,
  type HamokRecordSnapshot,
  HamokRemoteMap,
  type HamokRemoteMapEvents,
  type HamokRemoteMapOptions,
  type RemoteMap,
  type StorageCommand,
  type StorageConnection,
  type StorageType,
  type SubmitOptions,
} from "./collections/index";
export { HamokError, type HamokErrorCode, isHamokError } from "./errors";
export {
  Hamok,
  type HamokFetchRemotePeersResponse,
  type HamokJoinParams,
  type HamokRaftInfo,
  type HamokStats,
  type HamokStorage,
} from "./hamok";
export {
  type EndpointStateMessage,
  HAMOK_PROTOCOL,
  type HamokMessage,
  type HamokMessageType,
  type HelloMessage,
  type JoinRequestMessage,
  type PeerAnnouncement,
  type RaftEnvelope,
  type StorageDirectEnvelope,
} from "./messages/hamok-message";
export type { ConfState, Entry, HardState, RaftMessage, Snapshot } from "./raft/types";
export type { JoinParams } from "./runtime/membership/discovery";
export type { HamokConfig, HamokConstructorConfig, HamokPersistence } from "./runtime/peer/config";
export type { HamokEvents, HamokState } from "./runtime/peer/events";
export { type ClaimedPeerId, claimPeerId } from "./storage/claim-peer-id";
export {
  createIndexedDbRaftLogs,
  DEFAULT_DURABILITY,
  deleteIndexedDbRaftLogs,
  FORMAT_VERSION,
  type IndexedDbDurability,
  IndexedDbRaftLogs,
  type IndexedDbRaftLogsEvents,
  type IndexedDbRaftLogsOptions,
  indexedDbRaftLogsName,
  listIndexedDbRaftLogs,
  parseIndexedDbRaftLogsName,
  pruneIndexedDbRaftLogs,
  SCHEMA_VERSION,
  type StoredPeerDatabase,
} from "./storage/indexeddb/index";
export { MemoryRaftLogs } from "./storage/memory-raft-logs";
export {
  type AcquirePeerIdOptions,
  acquirePeerId,
  type PeerIdentity,
  peerIdLockName,
  peerIdStorageKey,
} from "./storage/peer-identity";
export type { PersistedState, RaftLogs, RaftLogsStats, SaveBatch } from "./storage/raft-logs";
export {
  BroadcastChannelTransport,
  type BroadcastChannelTransportOptions,
  broadcastChannelTransport,
  type LockManagerLike,
} from "./transport/broadcast-channel";
export {
  type SameBrowserFirstOptions,
  SameBrowserFirstTransport,
  sameBrowserFirstTransport,
} from "./transport/combined-transport";
export {
  MemoryHub,
  type MemoryHubFaults,
  type MemoryHubOptions,
  type MemoryHubStats,
  MemoryHubTransport,
} from "./transport/memory-hub";
export type { HamokTransport, TransportEvents } from "./transport/transport";
export {
  type RoomTokenSource,
  type RoutedMessage,
  WebRtcTransport,
  type WebRtcTransportOptions,
  webrtcTransport,
} from "./transport/webrtc/index";
export { DEFAULT_BROWSER_ROOM } from "./transport/zero-config";
