import type { HamokClock } from "../../clock.js";
import type { HamokError } from "../../errors.js";
import type { HamokMessage } from "../../messages/hamok-message.js";
import type { DeadPeerLock } from "../../storage/dead-peers.js";
import { broadcastChannelTransport } from "../../transport/broadcast-channel.js";
import type { HamokTransport } from "../../transport/transport.js";
import { type HamokQuorumStatus, QuorumWatch } from "./quorum-watch.js";
import { type StandInPeer, StandIns, type StandInView } from "./stand-ins.js";

/**
 * How a peer copes with members that vanished without a word (issue 10): it reports a lost quorum
 * (`quorum-watch.ts`) and, where the members are provably dead in this browser, stands in for them
 * (`stand-ins.ts`). Both are judged on every tick from this peer's own Raft view.
 */

/** What the facade supplies to stand in for dead members: where to look, how to lock, how to run a stand-in. */
export interface StandInPlan {
  findDead(candidates: readonly string[]): Promise<string[]>;
  lock(peerId: string): Promise<DeadPeerLock | undefined>;
  create(peerId: string): StandInPeer;
}

/** What the health watch needs of its peer. */
export interface ClusterHealthHost {
  readonly clock: HamokClock;
  readonly localPeerId: string;
  /** One election timeout: the grace before standing in, and the quorum's hearing window. */
  readonly electionTimeoutInMs: number;
  /** How often a stand-in asks again for its removal. */
  readonly retryInMs: number;
  /** This peer's Raft view, or `undefined` before it has a Raft node. */
  view(): StandInView | undefined;
  quorumChanged(status: HamokQuorumStatus): void;
  actingForChanged(peerIds: readonly string[]): void;
  reportError(error: HamokError): void;
}

const NO_VIEW: StandInView = { member: false, led: false, voters: [], learners: [], commitIndex: 0, lastIndex: 0 };

/** See the module comment. */
export class ClusterHealth {
  private readonly quorum: QuorumWatch;
  private standIns: StandIns | undefined;

  constructor(private readonly host: ClusterHealthHost) {
    this.quorum = new QuorumWatch(host.clock, host.localPeerId, host.electionTimeoutInMs, (status) =>
      host.quorumChanged(status),
    );
  }

  /** The quorum as this peer sees it. */
  get quorumStatus(): HamokQuorumStatus {
    return this.quorum.status;
  }

  /** The members this peer stands in for, sorted. */
  get actingFor(): string[] {
    return this.standIns?.actingFor ?? [];
  }

  /** Whether `peerId` is run here as a stand-in. */
  isStandIn(peerId: string): boolean {
    return this.standIns?.has(peerId) ?? false;
  }

  /** Stand in for provably dead members from now on (once; later plans are ignored). */
  useStandIns(plan: StandInPlan): void {
    if (this.standIns !== undefined) return;
    const { host } = this;
    this.standIns = new StandIns({
      clock: host.clock,
      localPeerId: host.localPeerId,
      graceInMs: host.electionTimeoutInMs,
      retryInMs: host.retryInMs,
      view: () => host.view() ?? NO_VIEW,
      findDead: (candidates) => plan.findDead(candidates),
      lock: (peerId) => plan.lock(peerId),
      createStandIn: (peerId) => plan.create(peerId),
      reportError: (error) => host.reportError(error),
      changed: (peerIds) => host.actingForChanged(peerIds),
    });
  }

  /** A Raft message of our cluster came from `peerId`. */
  heard(peerId: string): void {
    this.quorum.heard(peerId);
  }

  /** Judge again: every tick. */
  tick(): void {
    const view = this.host.view() ?? NO_VIEW;
    this.quorum.update({ member: view.member, led: view.led, voters: view.voters });
    this.standIns?.tick();
  }

  /** Stop every stand-in (their members stay; their locks are released). */
  close(): Promise<void> {
    return this.standIns?.close() ?? Promise.resolve();
  }
}

/**
 * The `standIns` option of `new Hamok()`: `true` (the default) stands in for dead members where Hamok knows how
 * (a browser page with IndexedDB `persistence` whose `join()` picked the zero-configuration BroadcastChannel
 * transport); an object says how for any other setup (your own `raftLogs`, WebRTC); `false` never.
 */
export type HamokStandInsOption = boolean | HamokStandInOptions;

/** How to stand in for the dead members of a room (see `stand-ins.ts`). */
export interface HamokStandInOptions {
  /** The room whose databases (`hamok/<room>/<peerId>`) hold the members' Raft state. */
  readonly room: string;
  /** A new, unopened transport for a stand-in with id `peerId`, of the same kind this peer uses. */
  readonly transport: (peerId: string) => HamokTransport<HamokMessage>;
  /** Default `globalThis.indexedDB`. */
  readonly indexedDB?: IDBFactory;
  /** Default `navigator.locks`; without Web Locks nobody is provably dead and nothing is done. */
  readonly locks?: LockManager;
}

/** The stand-in setup of a peer, once `join()` knows its transport. */
export interface StandInSetting {
  readonly room: string;
  readonly transport: (peerId: string) => HamokTransport<HamokMessage>;
  readonly indexedDB: IDBFactory | undefined;
  readonly locks: LockManager;
}

/** Resolve the option: `undefined` when no stand-ins run (off, or Hamok does not know how here). */
export function resolveStandIns(
  option: HamokStandInsOption,
  persistence: { readonly type: string; readonly room?: string; readonly indexedDB?: IDBFactory },
  zeroConfigTransport: boolean,
): StandInSetting | undefined {
  if (option === false) return undefined;
  const locks = option === true ? defaultLocks() : (option.locks ?? defaultLocks());
  if (locks === undefined) return undefined;
  if (option !== true) {
    return { room: option.room, transport: option.transport, indexedDB: option.indexedDB, locks };
  }
  const room = persistence.room;
  if (!zeroConfigTransport || persistence.type !== "indexeddb" || room === undefined) return undefined;
  return {
    room,
    transport: () => broadcastChannelTransport<HamokMessage>({ room }),
    indexedDB: persistence.indexedDB,
    locks,
  };
}

/** The plan the runtime follows: dead members of the setting's room, their locks, and stand-ins from `create`. */
export function planStandIns(setting: StandInSetting, create: (peerId: string) => StandInPeer): StandInPlan {
  const where = { room: setting.room, locks: setting.locks, ...indexedDbOf(setting) };
  return {
    // Imported on use: the IndexedDB code is loaded only by a peer that stands in (see DeferredRaftLogs).
    findDead: async (candidates) => (await deadPeers()).findDeadPeers({ ...where, members: candidates }),
    lock: async (peerId) => (await deadPeers()).lockDeadPeer({ ...where, peerId }),
    create,
  };
}

function deadPeers(): Promise<typeof import("../../storage/dead-peers.js")> {
  return import("../../storage/dead-peers.js");
}

function indexedDbOf(setting: StandInSetting): { indexedDB?: IDBFactory } {
  return setting.indexedDB === undefined ? {} : { indexedDB: setting.indexedDB };
}

function defaultLocks(): LockManager | undefined {
  return (globalThis.navigator as Navigator | undefined)?.locks ?? undefined;
}
