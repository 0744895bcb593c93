import type { HamokEmitter, HamokMap, HamokQueue, HamokRecord, HamokRemoteMap } from "../../collections/index.js";
import type { HamokMessage } from "../../messages/hamok-message.js";
import type { RaftLogsStats } from "../../storage/raft-logs.js";
import type { HamokTransport } from "../../transport/transport.js";
import type { JoinParams } from "../membership/discovery.js";
import type { HamokState } from "./events.js";

/** Public types of the `Hamok` facade. */

/** Parameters of `Hamok.join`. */
export interface HamokJoinParams extends JoinParams {
  /**
   * A transport that knows the room (e.g. `hub.transport()` of a `MemoryHub`). Hamok opens
   * it, sends every outbound message through it and accepts every inbound one; its member
   * list decides at once whether to bootstrap or to join. Without one, wire
   * `on("message")` / `accept()` yourself.
   */
  readonly transport?: HamokTransport<HamokMessage>;
  /**
   * Reject with `JoinTimeout` when this peer has not joined within this many ms (the message names the phase it
   * was in: see the `join-progress` event). The peer goes on trying: call `join()` again to wait more, or
   * `close()`. Default: no overall timeout.
   */
  readonly timeoutInMs?: number;
}

/**
 * Where `join()` stands (event `join-progress`, `hamok.joinPhase`): opening the transport, discovering the room
 * (or bootstrapping), restarting from persisted state, waiting for a leader (an election, or a lost quorum: see
 * `hamok.quorum`), catching up with the leader's log, waiting for promotion to voter, joined.
 */
export type HamokJoinPhase =
  | "idle"
  | "opening-transport"
  | "discovering"
  | "restarting"
  | "waiting-for-leader"
  | "catching-up"
  | "waiting-for-promotion"
  | "joined";

// biome-ignore lint/suspicious/noExplicitAny: collections are invariant in their key/value types; the registry holds any.
export type AnyType = any;

/** Any collection Hamok manages. */
export type HamokStorage =
  | HamokMap<AnyType, AnyType>
  | HamokRecord<AnyType>
  | HamokQueue<AnyType>
  | HamokEmitter<AnyType>
  | HamokRemoteMap<AnyType, AnyType>;

/** The Raft view exposed as `hamok.raft`. */
export interface HamokRaftInfo {
  readonly state: HamokState;
  readonly term: number;
  readonly leaderId: string | undefined;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  /** First index still in the log (after the snapshot). */
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
  readonly clusterId: string | undefined;
}

/** Counters exposed as `hamok.stats`. */
export interface HamokStats {
  readonly sentMessages: number;
  readonly receivedMessages: number;
  readonly droppedMessages: number;
  readonly appliedEntries: number;
  readonly snapshots: number;
  readonly pendingRequests: number;
  readonly storages: number;
  readonly raftLogs: RaftLogsStats;
}

/** What `fetchRemotePeers()` found. */
export interface HamokFetchRemotePeersResponse {
  readonly remotePeers: readonly string[];
  readonly clusterId: string | undefined;
  readonly leaderId: string | undefined;
}
