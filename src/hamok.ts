import { EventEmitter } from "eventemitter3";
import type { StorageCommand } from "./collections/contract";
import {
  createStateMachine,
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
} from "./collections/index";
import { HamokError } from "./errors";
import { HAMOK_PROTOCOL, type HamokMessage } from "./messages/hamok-message";
import { defaultSizeOf } from "./raft/index";
import type { RaftMessage } from "./raft/types";
import {
  type HamokConfig,
  type HamokConstructorConfig,
  resolveConfig,
  type TickPlan,
  tickPlan,
} from "./runtime/config";
import type { HamokEvents, HamokState } from "./runtime/events";
import { InboundRouter } from "./runtime/inbound-router";
import { Membership } from "./runtime/join-leave";
import { transferLeadership } from "./runtime/leadership-transfer";
import { PageLifecycle, type PageLifecycleOption } from "./runtime/page-lifecycle";
import type {
  HamokFetchRemotePeersResponse,
  HamokJoinParams,
  HamokRaftInfo,
  HamokStats,
  HamokStorage,
} from "./runtime/public-types";
import type { RaftPeer } from "./runtime/raft-peer";
import { ReadBarriers } from "./runtime/read-barriers";
import { ReplicatedState } from "./runtime/replicated-state";
import { RequestTable } from "./runtime/requests";
import { StorageRegistry } from "./runtime/storage-registry";
import { withZeroConfigTransport } from "./transport/zero-config";

export type {
  HamokFetchRemotePeersResponse,
  HamokJoinParams,
  HamokRaftInfo,
  HamokStats,
  HamokStorage,
} from "./runtime/public-types";

/**
 * A Hamok peer: joins a Raft cluster through any transport and hosts replicated
 * collections. See the user manual; `join()` and the collection factories are the
 * usual entry points.
 */
export class Hamok<
  AppData extends Record<string, unknown> = Record<string, unknown>,
> extends EventEmitter<HamokEvents> {
  /** The resolved configuration. */
  readonly config: HamokConfig<AppData>;
  /** Resolves when this peer first joined a cluster and caught up. Never rejects. */
  readonly ready: Promise<void>;
  /** @internal */
  readonly plan: TickPlan;
  /** @internal */
  readonly replicated: ReplicatedState;
  /** @internal */
  readonly requests: RequestTable;
  /** @internal */
  readonly barriers: ReadBarriers;
  /** @internal */
  readonly counters = { sent: 0, received: 0, dropped: 0 };
  private readonly registry: StorageRegistry;
  private readonly membership: Membership;
  private readonly router: InboundRouter;
  private isClosed = false;
  /** Browser page-lifecycle handling (DESIGN §5), when the `pageLifecycle` option enabled it. */
  private readonly pageLifecycle: PageLifecycle | undefined;

  /**
   * `pageLifecycle` (default `false`): in a browser, hand leadership to a visible tab when this one turns
   * hidden or freezes, and leave on `pagehide`; see `src/runtime/page-lifecycle.ts`.
   */
  constructor(
    providedConfig: Partial<HamokConstructorConfig<AppData>> & { readonly pageLifecycle?: PageLifecycleOption } = {},
  ) {
    super();
    this.config = resolveConfig(providedConfig);
    this.plan = tickPlan(this.config as HamokConfig);
    this.replicated = new ReplicatedState(createStateMachine, {
      onRequestApplied: (payload, result, outcome, context) => {
        if (outcome !== undefined)
          this.registry.connections.get(payload.command.storageId)?.applied(payload.command, outcome, context);
        this.requests.applied(payload, result);
      },
      onRestored: () => {
        for (const connection of this.registry.connections.values()) connection.restored();
      },
    });
    this.requests = new RequestTable(this.config.peerId, {
      propose: (id, payload) =>
        this.peer?.driver.input((node) => node.propose(id, payload)) ?? { ok: false, reason: "no-leader" },
      clock: this.config.clock,
      maxBatchBytes: this.config.maxMessageBytes / 4,
    });
    this.barriers = new ReadBarriers(
      (context) => {
        if (this.peer === undefined) this.barriers.onRejected([{ context }]);
        else this.peer.driver.input((node) => node.readIndex(context));
      },
      () => this.peer?.node.status().applied ?? 0,
      this.config.clock,
    );
    this.membership = new Membership(this);
    this.registry = new StorageRegistry(this, (storageId, payload, destinationId) =>
      this.router.sendDirect(storageId, payload, destinationId),
    );
    this.router = new InboundRouter(this, this.membership, this.registry.connections);
    this.ready = this.membership.joinedOnce;
    this.pageLifecycle = PageLifecycle.create(this, providedConfig.pageLifecycle);
  }

  /** @internal The cluster configuration changed: tell the collections. */
  peersChanged(): void {
    for (const connection of this.registry.connections.values()) connection.peersChanged();
  }

  /** @internal The leader changed: tell the collections (a new leader takes over their duties). */
  leaderChanged(leaderId: string | undefined): void {
    for (const connection of this.registry.connections.values()) connection.leaderChanged(leaderId);
  }

  /** @internal The Raft peer, once this peer joined or bootstrapped a cluster. */
  get peer(): RaftPeer | undefined {
    return this.membership.peer;
  }

  /** The collections created on this peer, by id. */
  get storages(): ReadonlyMap<string, HamokStorage> {
    return this.registry.storages;
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
    return this.peer?.remotePeerIds ?? new Set();
  }

  /** Whether this peer leads. */
  get leader(): boolean {
    return this.peer?.state === "leader";
  }

  /** The Raft role, or `idle` before joining. */
  get state(): HamokState {
    return this.peer?.state ?? "idle";
  }

  /** Whether the tick timer runs. */
  get run(): boolean {
    return this.peer?.driver.running ?? false;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** The Raft view: role, term, leader, log bounds, configuration. */
  get raft(): HamokRaftInfo {
    const status = this.peer?.node.status();
    return {
      state: this.state,
      term: status?.term ?? 0,
      leaderId: this.peer?.leaderId,
      commitIndex: status?.commit ?? 0,
      appliedIndex: status?.applied ?? 0,
      firstIndex: status?.firstIndex ?? 1,
      lastIndex: status?.lastIndex ?? 0,
      snapshotIndex: status?.snapshotIndex ?? 0,
      voters: status?.confState.voters ?? [],
      learners: status?.confState.learners ?? [],
      clusterId: this.membership.clusterId,
    };
  }

  /** Counters. */
  get stats(): HamokStats {
    const driver = this.peer?.driver;
    return {
      sentMessages: this.counters.sent,
      receivedMessages: this.counters.received,
      droppedMessages: this.counters.dropped,
      appliedEntries: driver?.counters.appliedEntries ?? 0,
      snapshots: driver?.counters.snapshots ?? 0,
      pendingRequests: this.requests.size,
      storages: this.storages.size,
      raftLogs: this.config.raftLogs.stats(),
    };
  }

  /** Start the tick timer (after `stop()`); `join()` starts it. Throws `NotMember` before joining. */
  start(): void {
    this.assertOpen();
    if (this.peer === undefined) throw new HamokError("NotMember", "join() before start()");
    if (this.peer.driver.running) return;
    this.peer.driver.start();
    this.emit("started");
  }

  /** Stop the tick timer and ignore Raft traffic, as if this peer were frozen. */
  stop(): void {
    if (!this.peer?.driver.running) return;
    this.peer.driver.pause();
    this.emit("stopped");
  }

  /**
   * Join a cluster (or bootstrap one): resolves once this peer is a member of a cluster that
   * has a leader, and has applied what that leader had committed. In a browser page, with no `transport` and
   * no `on("message")` listener, the peer joins over a BroadcastChannel (see `src/transport/zero-config.ts`).
   */
  join(params: HamokJoinParams = {}): Promise<void> {
    const wired = { hasMessageListener: this.listenerCount("message") > 0, persistence: this.config.persistence };
    return this.membership.join(withZeroConfigTransport(params, wired));
  }

  /**
   * Hand leadership to `peerId`, or to the most caught-up voter when omitted (Raft thesis §3.10). Resolves once
   * the new leader is known here. Rejects `NotLeader` (this peer does not lead), `InvalidArgument` (not another
   * voter), `Timeout` (not moved within `electionTimeoutInMs`).
   */
  transferLeadership(peerId?: string): Promise<void> {
    return transferLeadership(this, peerId);
  }

  /** Leave gracefully: hand over leadership, remove this peer through the log, stop. */
  leave(): Promise<void> {
    return this.membership.leave();
  }

  /** Stop everything: pending requests reject with `Closed`, collections close, the transport closes. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    const wasRunning = this.run;
    this.requests.rejectAll("Closed", "Hamok was closed");
    this.barriers.rejectAll("Closed", "Hamok was closed");
    this.peer?.driver.close();
    if (wasRunning) this.emit("stopped");
    this.registry.closeAll();
    await this.membership.close();
    await this.config.raftLogs.close();
    this.emit("close");
    this.removeAllListeners();
  }

  /** Declare a room member (as a transport would): discovery waits for its answer. */
  addRemotePeerId(peerId: string): void {
    this.membership.knownPeers.add(peerId);
  }

  /** Forget a room member; a leader removes it from the configuration. */
  removeRemotePeerId(peerId: string): void {
    this.membership.peerLeft(peerId);
  }

  /** One discovery round: who answers a hello within `timeoutInMs` (default 1000). */
  fetchRemotePeers(timeoutInMs = 1000): Promise<HamokFetchRemotePeersResponse> {
    this.assertOpen();
    return this.membership.fetchRemotePeers(timeoutInMs);
  }

  /** Resolves once this peer has applied everything committed when called (a ReadIndex barrier). */
  waitUntilCommitHead(timeoutInMs = this.config.requestTimeoutInMs): Promise<void> {
    return this.sync(timeoutInMs);
  }

  /** Resolves once a leader is known; rejects `Timeout` after `timeoutInMs` (default `electionTimeoutInMs`). */
  waitUntilLeader(timeoutInMs = this.config.electionTimeoutInMs): Promise<void> {
    if (this.isClosed) return Promise.reject(new HamokError("Closed", "Hamok is closed"));
    if (this.peer?.leaderId !== undefined) return Promise.resolve();
    const { clock } = this.config;
    return new Promise<void>((resolve, reject) => {
      const done = (leaderId: string | undefined) => {
        if (leaderId === undefined) return;
        clock.clearTimeout(timer);
        this.off("leader-changed", done);
        resolve();
      };
      const timer = clock.setTimeout(() => {
        this.off("leader-changed", done);
        reject(new HamokError("Timeout", `no leader within ${timeoutInMs} ms`, { indeterminate: false }));
      }, timeoutInMs);
      this.on("leader-changed", done);
    });
  }

  /**
   * Propose a storage command through the log; resolves with its result once applied here.
   * Applied at most once even when retried. Rejects `Timeout` (indeterminate), `NotLeader`,
   * `Closed`, `TooManyProposals`, `PayloadTooLarge`, `StorageTypeMismatch`.
   */
  submit(command: StorageCommand, options: { readonly timeoutInMs?: number } = {}): Promise<unknown> {
    if (this.isClosed) return Promise.reject(new HamokError("Closed", "Hamok is closed"));
    // A command larger than what a receiver accepts would stall replication forever.
    const size = defaultSizeOf(command);
    if (size > this.config.maxMessageBytes / 4) {
      return Promise.reject(new HamokError("PayloadTooLarge", "the command exceeds a quarter of maxMessageBytes"));
    }
    return this.requests.submit(command, size, options.timeoutInMs ?? this.config.requestTimeoutInMs);
  }

  /** Linearizable read barrier (ReadIndex, Raft thesis §6.4). */
  sync(timeoutInMs = this.config.requestTimeoutInMs): Promise<void> {
    if (this.isClosed) return Promise.reject(new HamokError("Closed", "Hamok is closed"));
    return this.barriers.wait(timeoutInMs);
  }

  /**
   * Take an inbound message from any transport. Everything is validated first; a malformed,
   * oversized, impossible or foreign-cluster message is dropped with an `error` event.
   * Never throws.
   */
  accept(message: unknown): void {
    this.router.accept(message);
    this.pageLifecycle?.observe(message);
  }

  /** Create a replicated map. Throws `StorageTypeMismatch` if the id is used by another type. */
  createMap<K, V>(options: HamokMapOptions<K, V>): HamokMap<K, V> {
    return this.registry.create("map", options.mapId, (c) => new HamokMap<K, V>(c, options));
  }

  /** Create a replicated record. */
  createRecord<T extends HamokRecordObject>(options: HamokRecordOptions<T>): HamokRecord<T> {
    return this.registry.create("record", options.recordId, (c) => new HamokRecord<T>(c, options));
  }

  /** Create a replicated FIFO queue. */
  createQueue<T>(options: HamokQueueOptions<T>): HamokQueue<T> {
    return this.registry.create("queue", options.queueId, (c) => new HamokQueue<T>(c, options));
  }

  /** Create a replicated emitter. */
  createEmitter<M extends HamokEmitterEventMap>(options: HamokEmitterOptions<M>): HamokEmitter<M> {
    return this.registry.create("emitter", options.emitterId, (c) => new HamokEmitter<M>(c, options));
  }

  /** Create a map written through to an external store by the leader. */
  createRemoteMap<K, V>(options: HamokRemoteMapOptions<K, V>): HamokRemoteMap<K, V> {
    return this.registry.create("remote-map", options.mapId, (c) => new HamokRemoteMap<K, V>(c, options));
  }

  /** The map of this id, created if needed; `callback(exists)` says which. */
  getOrCreateMap<K, V>(options: HamokMapOptions<K, V>, callback?: (exists: boolean) => void): HamokMap<K, V> {
    return this.registry.getOrCreate<HamokMap<K, V>>(
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
    return this.registry.getOrCreate<HamokRecord<T>>(
      options.recordId,
      HamokRecord,
      () => this.createRecord<T>(options),
      callback,
    );
  }

  /** The queue of this id, created if needed. */
  getOrCreateQueue<T>(options: HamokQueueOptions<T>, callback?: (exists: boolean) => void): HamokQueue<T> {
    return this.registry.getOrCreate<HamokQueue<T>>(
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
    return this.registry.getOrCreate<HamokEmitter<M>>(
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
    return this.registry.getOrCreate<HamokRemoteMap<K, V>>(
      options.mapId,
      HamokRemoteMap,
      () => this.createRemoteMap<K, V>(options),
      callback,
    );
  }

  /** @internal Emit an outbound message. */
  send(message: HamokMessage): void {
    if (this.isClosed) return;
    this.counters.sent++;
    this.emit("message", message);
  }

  /** @internal Wrap and emit a Raft message. */
  sendRaft(raft: RaftMessage): void {
    const clusterId = this.membership.clusterId;
    if (clusterId === undefined) return;
    this.send({
      protocol: HAMOK_PROTOCOL,
      type: "raft",
      sourceId: this.localPeerId,
      destinationId: raft.to,
      clusterId,
      raft,
    });
  }

  /** @internal Report a problem that did not throw. */
  reportError(error: HamokError): void {
    this.emit("error", error);
  }

  /** @internal Throws `Closed` once closed. */
  assertOpen(): void {
    if (this.isClosed) throw new HamokError("Closed", "Hamok is closed");
  }
}
