import type { StorageCommand } from "./collections/contract.js";
import { GuardedEmitter } from "./collections/guarded-emitter.js";
import {
  HamokEmitter,
  type HamokEmitterEventMap,
  type HamokEmitterOptions,
  HamokMap,
  type HamokMapOptions,
  HamokQueue,
  type HamokQueueOptions,
  HamokRecord,
  type HamokRecordObject,
  type HamokRecordOptions,
  HamokRemoteMap,
  type HamokRemoteMapOptions,
} from "./collections/index.js";
import { HamokError } from "./errors.js";
import type { PageLifecycleOption } from "./runtime/leadership/page-lifecycle.js";
import {
  type HamokStandInsOption,
  planStandIns,
  resolveStandIns,
  type StandInSetting,
} from "./runtime/membership/cluster-health.js";
import type { HamokQuorumStatus } from "./runtime/membership/quorum-watch.js";
import type { StandInPeer } from "./runtime/membership/stand-ins.js";
import { type HamokConfig, type HamokConstructorConfig, resolveConfig } from "./runtime/peer/config.js";
import type { HamokEvents, HamokState } from "./runtime/peer/events.js";
import { PeerRuntime } from "./runtime/peer/peer-runtime.js";
import type {
  HamokFetchRemotePeersResponse,
  HamokJoinParams,
  HamokJoinPhase,
  HamokRaftInfo,
  HamokStats,
  HamokStorage,
} from "./runtime/peer/public-types.js";
import { isBrowserPage, withZeroConfigTransport } from "./transport/zero-config.js";

export type {
  HamokFetchRemotePeersResponse,
  HamokJoinParams,
  HamokJoinPhase,
  HamokRaftInfo,
  HamokStats,
  HamokStorage,
} from "./runtime/peer/public-types.js";

/**
 * A Hamok peer: joins a Raft cluster through any transport and hosts replicated
 * collections. See the user manual; `join()` and the collection factories are the
 * usual entry points.
 */
export class Hamok<
  AppData extends Record<string, unknown> = Record<string, unknown>,
> extends GuardedEmitter<HamokEvents> {
  /** The resolved configuration. */
  readonly config: HamokConfig<AppData>;
  /** Resolves when this peer first joined a cluster and caught up. Never rejects. */
  readonly ready: Promise<void>;
  readonly #runtime: PeerRuntime;
  readonly #standIns: HamokStandInsOption;

  /**
   * `pageLifecycle` (default: on in a browser page, off elsewhere): hand leadership to a visible tab when this
   * one turns hidden or freezes, and leave on `pagehide`; see `src/runtime/leadership/page-lifecycle.ts`.
   * `standIns` (default `true`): stand in for provably dead members of this browser until their removal
   * commits; see `src/runtime/membership/stand-ins.ts` and `HamokStandInsOption`.
   */
  constructor(
    providedConfig: Partial<HamokConstructorConfig<AppData>> & {
      readonly pageLifecycle?: PageLifecycleOption;
      readonly standIns?: HamokStandInsOption;
    } = {},
  ) {
    super();
    this.config = resolveConfig(providedConfig);
    this.#standIns = providedConfig.standIns ?? true;
    this.#runtime = new PeerRuntime(this.config as HamokConfig, this, providedConfig.pageLifecycle ?? isBrowserPage());
    this.ready = this.#runtime.ready;
  }

  /**
   * An app listener threw (Hamok emits from its Raft loop): report it on `error` and keep running. A
   * throwing `error` listener itself cannot be reported anywhere; it is dropped rather than stop the peer.
   */
  protected override listenerFailed(event: string, error: unknown): void {
    if (event === "error") return;
    const what = error instanceof Error ? error.message : String(error);
    this.emit("error", new HamokError("ListenerFailure", `a listener of "${event}" threw: ${what}`, { cause: error }));
  }

  /** The collections created on this peer, by id. */
  get storages(): ReadonlyMap<string, HamokStorage> {
    return this.#runtime.storages;
  }

  /** The local peer id. */
  get localPeerId(): string {
    return this.config.peerId;
  }

  /** The application data given in the configuration. */
  get appData(): AppData {
    return this.config.appData;
  }

  /** The other members of the cluster configuration. */
  get remotePeerIds(): ReadonlySet<string> {
    return this.#runtime.remotePeerIds;
  }

  /** Whether this peer leads. */
  get leader(): boolean {
    return this.#runtime.isLeader;
  }

  /** The Raft role, `idle` before joining, or `stopped` once its persistence failed (see `HamokState`). */
  get state(): HamokState {
    return this.#runtime.state;
  }

  /** Whether the tick timer runs. */
  get run(): boolean {
    return this.#runtime.running;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#runtime.isClosed();
  }

  /** The Raft view: role, term, leader, log bounds, configuration. */
  get raft(): HamokRaftInfo {
    return this.#runtime.raftInfo();
  }

  /** Counters. */
  get stats(): HamokStats {
    return this.#runtime.stats();
  }

  /** Start the tick timer (after `stop()`); `join()` starts it. Throws `NotMember` before joining. */
  start(): void {
    this.#runtime.start();
  }

  /** Stop the tick timer and ignore Raft traffic, as if this peer were frozen. */
  stop(): void {
    this.#runtime.stop();
  }

  /**
   * Join a cluster (or bootstrap one): resolves once this peer is a member of a cluster that
   * has a leader, and has applied what that leader had committed. In a browser page, with no `transport` and
   * no `on("message")` listener, the peer joins over a BroadcastChannel (see `src/transport/zero-config.ts`).
   */
  join(params: HamokJoinParams = {}): Promise<void> {
    const wired = { hasMessageListener: this.listenerCount("message") > 0, persistence: this.config.persistence };
    // A malformed argument goes through as is: the runtime rejects it with InvalidArgument.
    if (typeof params !== "object" || params === null) return this.#runtime.join(params);
    const effective = withZeroConfigTransport(params, wired);
    const setting = resolveStandIns(this.#standIns, this.config.persistence, effective.transport !== params.transport);
    if (setting !== undefined) this.#runtime.useStandIns(planStandIns(setting, (id) => this.#standIn(id, setting)));
    return this.#runtime.join(effective);
  }

  /**
   * A stand-in for the dead member `peerId`: a Hamok of its own with that id, started from that member's database,
   * with this peer's timing and clock, on a transport of the setting's kind. It never stands in for others.
   */
  #standIn(peerId: string, setting: StandInSetting): StandInPeer {
    const c = this.config;
    const standIn = new Hamok({
      peerId,
      persistence: {
        type: "indexeddb",
        room: setting.room,
        ...(setting.indexedDB === undefined ? {} : { indexedDB: setting.indexedDB }),
      },
      clock: c.clock,
      heartbeatInMs: c.heartbeatInMs,
      followerMaxIdleInMs: c.followerMaxIdleInMs,
      electionTimeoutInMs: c.electionTimeoutInMs,
      requestTimeoutInMs: c.requestTimeoutInMs,
      maxVoters: c.maxVoters,
      maxMessageBytes: c.maxMessageBytes,
      maxUncommittedEntries: c.maxUncommittedEntries,
      snapshotThresholdEntries: c.snapshotThresholdEntries,
      pageLifecycle: false,
      standIns: false,
    });
    return {
      start: () => standIn.join({ transport: setting.transport(peerId) }),
      requestRemoval: () => standIn.#runtime.requestRemoval(),
      close: () => standIn.close(),
    };
  }

  /** Where `join()` stands (event `join-progress`): see `HamokJoinPhase`. */
  get joinPhase(): HamokJoinPhase {
    return this.#runtime.joinPhase;
  }

  /**
   * Whether this peer's cluster has its quorum, as far as this peer can tell: `lost` while it is a member without
   * a leader for an election timeout and hears from fewer voters than a majority, with the `missingVoters` and
   * `since` when it last had a leader. Raft itself never guesses: without a quorum nothing commits. Event
   * `quorum-changed`.
   */
  get quorum(): HamokQuorumStatus {
    return this.#runtime.quorum;
  }

  /**
   * **Unsafe** recovery for a cluster whose majority is gone for good (etcd's force-new-cluster): re-form the
   * cluster from this peer's own state, alone. Every other member is removed in this peer's log, its whole log is
   * committed (entries that never reached a quorum included), and it elects itself; others may join it afterwards.
   * If the removed members are in fact alive somewhere, there are now two clusters that diverge: call this only
   * when the application knows they are gone (for example after `quorum` has named them missing for long).
   * Rejects `NotMember` when this peer is not a member of a cluster, `Closed` when closed.
   */
  unsafeForceNewCluster(): Promise<void> {
    return this.#runtime.forceNewCluster();
  }

  /** The provably dead members of this browser this peer currently stands in for (event `acting-for-changed`). */
  get actingFor(): readonly string[] {
    return this.#runtime.actingFor;
  }

  /**
   * Hand leadership to `peerId`, or to the most caught-up voter when omitted (Raft thesis §3.10). Resolves once
   * the new leader is known here. Rejects `NotLeader` (this peer does not lead), `InvalidArgument` (not another
   * voter), `Timeout` (not moved within `electionTimeoutInMs`).
   */
  transferLeadership(peerId?: string): Promise<void> {
    return this.#runtime.transferLeadership(peerId);
  }

  /** Leave gracefully: hand over leadership, remove this peer through the log, stop. */
  leave(): Promise<void> {
    return this.#runtime.leave();
  }

  /** Stop everything: pending requests reject with `Closed`, collections close, the transport closes. */
  close(): Promise<void> {
    return this.#runtime.close();
  }

  /** Declare a room member (as a transport would): discovery waits for its answer. */
  addRemotePeerId(peerId: string): void {
    this.#runtime.addRemotePeerId(peerId);
  }

  /** Forget a room member; a leader removes it from the configuration. */
  removeRemotePeerId(peerId: string): void {
    this.#runtime.removeRemotePeerId(peerId);
  }

  /** One discovery round: who answers a hello within `timeoutInMs` (default 1000). */
  fetchRemotePeers(timeoutInMs = 1000): Promise<HamokFetchRemotePeersResponse> {
    return this.#runtime.fetchRemotePeers(timeoutInMs);
  }

  /** Resolves once this peer has applied everything committed when called (a ReadIndex barrier). */
  waitUntilCommitHead(timeoutInMs = this.config.requestTimeoutInMs): Promise<void> {
    return this.sync(timeoutInMs);
  }

  /** Resolves once a leader is known; rejects `Timeout` after `timeoutInMs` (default `electionTimeoutInMs`). */
  waitUntilLeader(timeoutInMs = this.config.electionTimeoutInMs): Promise<void> {
    return this.#runtime.waitUntilLeader(timeoutInMs);
  }

  /**
   * Propose a storage command through the log; resolves with its result once applied here.
   * Applied at most once even when retried. Rejects `Timeout` (indeterminate), `NotLeader`,
   * `Closed` (indeterminate once forwarded or appended), `TooManyProposals`, `PayloadTooLarge`,
   * `StorageTypeMismatch`; see `HamokError.indeterminate`.
   */
  submit(command: StorageCommand, options: { readonly timeoutInMs?: number } = {}): Promise<unknown> {
    return this.#runtime.submit(command, options.timeoutInMs);
  }

  /** Linearizable read barrier (ReadIndex, Raft thesis §6.4). */
  sync(timeoutInMs = this.config.requestTimeoutInMs): Promise<void> {
    return this.#runtime.sync(timeoutInMs);
  }

  /**
   * Take an inbound message from any transport. Everything is validated first; a malformed,
   * oversized, impossible or foreign-cluster message is dropped with an `error` event.
   * Never throws.
   */
  accept(message: unknown): void {
    this.#runtime.accept(message);
  }

  /** Create a replicated map. Throws `StorageTypeMismatch` if the id is used by another type. */
  createMap<K, V>(options: HamokMapOptions<K, V>): HamokMap<K, V> {
    return this.#runtime.createCollection("map", options.mapId, (c) => new HamokMap<K, V>(c, options));
  }

  /** Create a replicated record. */
  createRecord<T extends HamokRecordObject>(options: HamokRecordOptions<T>): HamokRecord<T> {
    return this.#runtime.createCollection("record", options.recordId, (c) => new HamokRecord<T>(c, options));
  }

  /** Create a replicated FIFO queue. */
  createQueue<T>(options: HamokQueueOptions<T>): HamokQueue<T> {
    return this.#runtime.createCollection("queue", options.queueId, (c) => new HamokQueue<T>(c, options));
  }

  /** Create a replicated emitter. */
  createEmitter<M extends HamokEmitterEventMap>(options: HamokEmitterOptions<M>): HamokEmitter<M> {
    return this.#runtime.createCollection("emitter", options.emitterId, (c) => new HamokEmitter<M>(c, options));
  }

  /** Create a map written through to an external store by the leader. */
  createRemoteMap<K, V>(options: HamokRemoteMapOptions<K, V>): HamokRemoteMap<K, V> {
    return this.#runtime.createCollection("remote-map", options.mapId, (c) => new HamokRemoteMap<K, V>(c, options));
  }

  /** The map of this id, created if needed; `callback(exists)` says which. */
  getOrCreateMap<K, V>(options: HamokMapOptions<K, V>, callback?: (exists: boolean) => void): HamokMap<K, V> {
    return this.#runtime.getOrCreateCollection<HamokMap<K, V>>(
      options.mapId,
      HamokMap,
      () => this.createMap<K, V>(options),
      callback,
    );
  }

  /** The record of this id, created if needed. */
  getOrCreateRecord<T extends HamokRecordObject>(
    options: HamokRecordOptions<T>,
    callback?: (exists: boolean) => void,
  ): HamokRecord<T> {
    return this.#runtime.getOrCreateCollection<HamokRecord<T>>(
      options.recordId,
      HamokRecord,
      () => this.createRecord<T>(options),
      callback,
    );
  }

  /** The queue of this id, created if needed. */
  getOrCreateQueue<T>(options: HamokQueueOptions<T>, callback?: (exists: boolean) => void): HamokQueue<T> {
    return this.#runtime.getOrCreateCollection<HamokQueue<T>>(
      options.queueId,
      HamokQueue,
      () => this.createQueue<T>(options),
      callback,
    );
  }

  /** The emitter of this id, created if needed. */
  getOrCreateEmitter<M extends HamokEmitterEventMap>(
    options: HamokEmitterOptions<M>,
    callback?: (exists: boolean) => void,
  ): HamokEmitter<M> {
    return this.#runtime.getOrCreateCollection<HamokEmitter<M>>(
      options.emitterId,
      HamokEmitter,
      () => this.createEmitter<M>(options),
      callback,
    );
  }

  /** The remote map of this id, created if needed. */
  getOrCreateRemoteMap<K, V>(
    options: HamokRemoteMapOptions<K, V>,
    callback?: (exists: boolean) => void,
  ): HamokRemoteMap<K, V> {
    return this.#runtime.getOrCreateCollection<HamokRemoteMap<K, V>>(
      options.mapId,
      HamokRemoteMap,
      () => this.createRemoteMap<K, V>(options),
      callback,
    );
  }
}
