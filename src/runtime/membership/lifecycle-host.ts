import type { EventEmitter } from "eventemitter3";
import type { HamokError } from "../../errors.js";
import type { HamokMessage } from "../../messages/hamok-message.js";
import type { RaftMessage } from "../../raft/types.js";
import type { HamokConfig, TickPlan } from "../peer/config.js";
import type { HamokEvents } from "../peer/events.js";
import type { ReplicatedState } from "../replicated/replicated-state.js";
import type { ReadBarriers } from "../requests/read-barriers.js";
import type { RequestTable } from "../requests/request-table.js";

/** What the lifecycle needs of its peer. */
export interface PeerLifecycleHost {
  readonly config: HamokConfig;
  readonly plan: TickPlan;
  readonly localPeerId: string;
  readonly replicated: ReplicatedState;
  readonly requests: RequestTable;
  readonly barriers: ReadBarriers;
  /** The peer's events: the lifecycle reports on them and forwards outbound messages to a transport. */
  readonly events: EventEmitter<HamokEvents>;
  readonly remotePeerIds: ReadonlySet<string>;
  isClosed(): boolean;
  assertOpen(): void;
  /** Take an inbound message (from the attached transport). */
  accept(message: unknown): void;
  send(message: HamokMessage): void;
  sendRaft(message: RaftMessage): void;
  reportError(error: HamokError): void;
  start(): void;
  stop(): void;
  /** The Raft runtime failed for good (persistence): stop serving, fail every request. */
  fail(error: HamokError): void;
  /** The configuration changed: tell the collections. */
  peersChanged(): void;
  /** The leader changed: tell the collections. */
  leaderChanged(leaderId: string | undefined): void;
}
