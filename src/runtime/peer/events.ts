import type { HamokError } from "../../errors.js";
import type { HamokMessage } from "../../messages/hamok-message.js";
import type { HamokQuorumStatus } from "../membership/quorum-watch.js";
import type { HamokJoinPhase } from "./public-types.js";

/**
 * The state names Hamok reports: the Raft roles, `idle` before the peer has a Raft node, and `stopped` once
 * its persistence failed (`StorageFailure` on `error`): it neither leads nor follows again, and answers
 * every request with `StorageFailure`.
 */
export type HamokState = "idle" | "follower" | "pre-candidate" | "candidate" | "leader" | "stopped";

/** Events of `Hamok` (eventemitter3 event map: event name to listener arguments). */
export interface HamokEvents {
  /** The tick timer started (`start()`, or `join()`). */
  started: [];
  /** The tick timer stopped (`stop()`, `leave()`, `close()`, or `autoStopOnNoRemotePeers`). */
  stopped: [];
  /** This peer became a follower. */
  follower: [];
  /** This peer started an election (pre-candidate or candidate). */
  candidate: [];
  /** This peer became the leader. */
  leader: [];
  /** `join()` completed: member of a cluster with a leader, caught up. */
  joined: [];
  /** `join()` moved to another phase (see `HamokJoinPhase`). */
  "join-progress": [phase: HamokJoinPhase];
  /** A joined peer went `electionTimeoutInMs` without a leader and runs discovery again. */
  rejoining: [];
  /** `leave()` completed. */
  left: [];
  /** An outbound message to hand to the other peers (to every one when `destinationId` is unset). */
  message: [message: HamokMessage];
  /** A peer entered the cluster configuration. */
  "remote-peer-joined": [peerId: string];
  /** A peer left the cluster configuration. */
  "remote-peer-left": [peerId: string];
  /** The known leader changed (`undefined`: none known). */
  "leader-changed": [leaderId: string | undefined, previousLeaderId: string | undefined];
  /** The Raft role changed. */
  "state-changed": [state: HamokState, previousState: HamokState];
  /** Entries were applied up to `commitIndex`. */
  commit: [commitIndex: number];
  /** One tick (every `heartbeatInMs`) while running; the leader sends heartbeats on it. */
  heartbeat: [];
  /** Something went wrong that did not throw (bad inbound message, foreign cluster, persistence failure, ...). */
  error: [error: HamokError];
  /** (Leader) a member has not answered for a whole election timeout. */
  "no-heartbeat-from": [peerId: string];
  /**
   * The quorum as this peer sees it changed: lost (leaderless for an election timeout and hearing from fewer
   * voters than a majority: `missingVoters`, `since`), or back. See `hamok.quorum`.
   */
  "quorum-changed": [status: HamokQuorumStatus];
  /** The provably dead members of this browser this peer stands in for changed (see `hamok.actingFor`). */
  "acting-for-changed": [peerIds: readonly string[]];
  /** `close()` completed. */
  close: [];
}
