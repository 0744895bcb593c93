/** The collections of Hamok: state machines for the log and the user-facing classes. */
export { createBytesCodec, createJsonCodec, createStringCodec, type HamokCodec } from "./codec.js";
export type {
  ApplyContext,
  ApplyOutcome,
  DirectMessage,
  ReplicatedStateMachine,
  StateMachineFactory,
  StorageCommand,
  StorageConnection,
  StorageConnectionListener,
  StorageType,
  SubmitOptions,
} from "./contract.js";
export { EmitterStateMachine } from "./emitter-state-machine.js";
export { HamokEmitterSubscriptions, type HamokEmitterSubscriptionsEvents } from "./emitter-subscriptions.js";
export type { ListenerErrorHandler } from "./guarded-emitter.js";
export {
  DEFAULT_PUBLISH_TIMEOUT_IN_MS,
  HamokEmitter,
  type HamokEmitterEventMap,
  type HamokEmitterOptions,
} from "./hamok-emitter.js";
export { HamokMap, type HamokMapOptions } from "./hamok-map.js";
export { HamokQueue, type HamokQueueEvents, type HamokQueueOptions } from "./hamok-queue.js";
export {
  HamokRecord,
  type HamokRecordEvents,
  type HamokRecordField,
  type HamokRecordObject,
  type HamokRecordOptions,
  type HamokRecordSnapshot,
} from "./hamok-record.js";
export {
  HamokRemoteMap,
  type HamokRemoteMapEvents,
  type HamokRemoteMapOptions,
  type RemoteMap,
} from "./hamok-remote-map.js";
export type { HamokMapEvents, HamokMapSnapshot, MapBaseOptions } from "./map-base.js";
export { MapStateMachine } from "./map-state-machine.js";
export { QueueStateMachine } from "./queue-state-machine.js";
export { RemoteMapStateMachine } from "./remote-map-state-machine.js";
export { createStateMachine } from "./state-machine-factory.js";
