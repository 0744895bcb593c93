/**
 * hamok: Raft-replicated collections for browser tabs and Node peers.
 *
 * The core entry: the `Hamok` facade, the collections, errors, the in-memory hub and the BroadcastChannel
 * transport. It never loads WebRTC or socket.io: those live in `hamok/webrtc`, IndexedDB housekeeping and peer-id
 * guards in `hamok/indexeddb`, and what transport and storage authors need (Raft message and log types) in
 * `hamok/advanced`. The `persistence: { type: "indexeddb" }` option of `new Hamok()` works from here.
 *
 * @packageDocumentation
 */
export { type ClockTimer, type HamokClock, realClock } from "./clock.js";
export {
  createBytesCodec,
  createJsonCodec,
  createStringCodec,
  DEFAULT_PUBLISH_TIMEOUT_IN_MS,
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
  type ListenerErrorHandler,
  type MapBaseOptions,
  type RemoteMap,
  type StorageType,
  type SubmitOptions,
} from "./collections/index.js";
export { HamokError, type HamokErrorCode, isHamokError } from "./errors.js";
export {
  Hamok,
  type HamokFetchRemotePeersResponse,
  type HamokJoinParams,
  type HamokJoinPhase,
  type HamokRaftInfo,
  type HamokStats,
  type HamokStorage,
} from "./hamok.js";
export type { HamokMessage, HamokMessageType } from "./messages/hamok-message.js";
export type {
  PageLifecycleDocument,
  PageLifecycleOption,
  PageLifecycleTargets,
} from "./runtime/leadership/page-lifecycle.js";
export type { HamokStandInOptions, HamokStandInsOption } from "./runtime/membership/cluster-health.js";
export type { JoinParams } from "./runtime/membership/discovery.js";
export type { HamokQuorumStatus } from "./runtime/membership/quorum-watch.js";
export type { HamokConfig, HamokConstructorConfig, HamokPersistence } from "./runtime/peer/config.js";
export type { HamokEvents, HamokState } from "./runtime/peer/events.js";
export type { IndexedDbDurability } from "./storage/indexeddb/indexeddb-raft-logs.js";
export {
  BroadcastChannelTransport,
  type BroadcastChannelTransportOptions,
  broadcastChannelTransport,
  type LockManagerLike,
} from "./transport/broadcast-channel.js";
export {
  MemoryHub,
  type MemoryHubFaults,
  type MemoryHubOptions,
  type MemoryHubStats,
  MemoryHubTransport,
} from "./transport/memory-hub.js";
export type { HamokTransport, TransportEvents } from "./transport/transport.js";
export { DEFAULT_BROWSER_ROOM } from "./transport/zero-config.js";
