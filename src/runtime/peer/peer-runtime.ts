import type { EventEmitter } from "eventemitter3";
import type { StorageCommand, StorageType } from "../../collections/contract.js";
import { createStateMachine } from "../../collections/index.js";
import { HamokError } from "../../errors.js";
import { HAMOK_PROTOCOL, type HamokMessage, type StorageDirectEnvelope } from "../../messages/hamok-message.js";
import { defaultSizeOf } from "../../raft/index.js";
import type { RaftMessage, RaftStatus } from "../../raft/types.js";
import type { CollectionConnection } from "../collections/collection-connection.js";
import { CollectionRegistry } from "../collections/collection-registry.js";
import { InboundRouter, type RouterMembership } from "../inbound/inbound-router.js";
import { type TransferHost, transferLeadership } from "../leadership/leadership-transfer.js";
import { PageLifecycle, type PageLifecycleOption } from "../leadership/page-lifecycle.js";
import { ClusterHealth, type StandInPlan } from "../membership/cluster-health.js";
import { PeerLifecycle } from "../membership/peer-lifecycle.js";
import type { HamokQuorumStatus } from "../membership/quorum-watch.js";
import { ReplicatedState } from "../replicated/replicated-state.js";
import { ReadBarriers } from "../requests/read-barriers.js";
import { RequestTable } from "../requests/request-table.js";
import { type HamokConfig, type TickPlan, tickPlan } from "./config.js";
import type { HamokEvents, HamokState } from "./events.js";
import type {
  AnyType,
  HamokFetchRemotePeersResponse,
  HamokJoinParams,
  HamokJoinPhase,
  HamokRaftInfo,
  HamokStats,
  HamokStorage,
} from "./public-types.js";
import type { RaftPeer } from "./raft-peer.js";

/**
 * One peer's runtime: the context every runtime module works in. It owns the configuration, the replicated
 * state, the request table, the read barriers, the message counters, sending and error reporting, and wires
 * the modules together (membership, inbound routing, collections, page lifecycle), each through a narrow host
 * interface of its own. The `Hamok` facade only forwards to it; the event emitter it reports on is the
 * facade's (users subscribe there), seen here only as an emitter of {@link HamokEvents}.
 */
export class PeerRuntime {
  readonly plan: TickPlan;
  readonly replicated: ReplicatedState;
  readonly requests: RequestTable;
  readonly barriers: ReadBarriers;
  readonly counters = { sent: 0, received: 0, dropped: 0 };
  /** Resolves when this peer first joined a cluster and caught up. Never rejects. */
  readonly ready: Promise<void>;
  private readonly collections: CollectionRegistry;
  private readonly lifecycle: PeerLifecycle;
  private readonly router: InboundRouter;
  private readonly health: ClusterHealth;
  private closed = false;
  /** Set when the Raft runtime failed for good (persistence): the peer is `stopped` and serves nothing. */
  private failure: HamokError | undefined;

  constructor(
    readonly config: HamokConfig,
    readonly events: EventEmitter<HamokEvents>,
    pageLifecycle: PageLifecycleOption | undefined,
  ) {
    this.plan = tickPlan(config);
    this.replicated = new ReplicatedState(createStateMachine, {
      onRequestApplied: (payload, result, outcome, context) => {
        if (outcome !== undefined)
          this.collections.connections.get(payload.command.storageId)?.applied(payload.command, outcome, context);
        this.requests.applied(payload, result);
      },
      onRestored: () => {
        // Our requests applied inside the snapshot were never reported: answer them from its dedup table.
        this.requests.restored((session, seq) => this.replicated.sessions.lookupSeq(session, seq));
        for (const connection of this.connections()) connection.restored();
      },
    });
    this.requests = new RequestTable(config.peerId, {
      propose: (id, payload) => this.peer?.propose(id, payload) ?? { ok: false, reason: "no-leader" },
      clock: config.clock,
      maxBatchBytes: config.maxMessageBytes / 4,
      caughtUp: (sinceMs) => this.lifecycle.inSync(sinceMs),
      isSessionClosed: (session) => this.replicated.sessions.isClosed(session),
    });
    this.barriers = new ReadBarriers(
      (context) => {
        if (this.peer === undefined) this.barriers.onRejected([{ context }]);
        else this.peer.readIndex(context);
      },
      () => this.peer?.status().applied ?? 0,
      config.clock,
    );
    this.lifecycle = new PeerLifecycle(this);
    this.collections = new CollectionRegistry(this, (storageId, payload, destinationId) =>
      this.router.sendDirect(storageId, payload, destinationId),
    );
    this.health = new ClusterHealth({
      clock: config.clock,
      localPeerId: config.peerId,
      electionTimeoutInMs: config.followerMaxIdleInMs,
      retryInMs: config.heartbeatInMs,
      view: () => this.healthView(),
      quorumChanged: (status) => this.events.emit("quorum-changed", status),
      actingForChanged: (peerIds) => {
        this.lifecycle.standInsChanged(peerIds);
        this.events.emit("acting-for-changed", [...peerIds]);
      },
      reportError: (error) => this.reportError(error),
    });
    this.events.on("heartbeat", () => {
      this.requests.tick();
      this.health.tick();
    });
    this.router = new InboundRouter(this, this.heardMembership(), this.collections.connections);
    this.ready = this.lifecycle.joinedOnce;
    // It lives on its subscriptions (page events, peer events, its channel) and detaches itself on close.
    PageLifecycle.create(this, pageLifecycle);
  }

  /** The lifecycle as the router sees it, noting who each Raft message of our cluster came from. */
  private heardMembership(): RouterMembership {
    const { lifecycle, health } = this;
    return {
      get clusterId() {
        return lifecycle.clusterId;
      },
      onAnnouncement: (sourceId, clusterId, peer) => lifecycle.onAnnouncement(sourceId, clusterId, peer),
      sendEndpointState: (destinationId) => lifecycle.sendEndpointState(destinationId),
      onJoinRequest: (sourceId, clusterId, onlyFollower) => lifecycle.onJoinRequest(sourceId, clusterId, onlyFollower),
      stepRaft: (message) => {
        health.heard(message.from);
        lifecycle.stepRaft(message);
      },
      isOutsider: (peerId) => lifecycle.isOutsider(peerId),
    };
  }

  private healthView() {
    const peer = this.peer;
    if (peer === undefined) return undefined;
    const status = peer.status();
    const member = peer.isMember();
    return {
      member,
      // A leader counts as led only while it hears from a majority (it steps down by itself soon after it does not).
      led: member && peer.leaderId !== undefined && (peer.state !== "leader" || this.leaderHearsMajority(status)),
      voters: status.confState.voters,
      learners: status.confState.learners,
      commitIndex: status.commit,
      lastIndex: status.lastIndex,
    };
  }

  /** Where `join()` stands. */
  get joinPhase(): HamokJoinPhase {
    return this.lifecycle.progressOfJoin.phase;
  }

  /** (Leader) whether the voters it heard from within an election timeout, itself included, are a majority. */
  private leaderHearsMajority(status: RaftStatus): boolean {
    const { voters } = status.confState;
    const progress = status.progress ?? {};
    const heard = voters.filter(
      (id) =>
        id === status.id || (progress[id]?.ticksSinceHeard ?? Number.POSITIVE_INFINITY) <= this.plan.electionTicks,
    );
    return heard.length > voters.length / 2;
  }

  /** The quorum as this peer sees it (see `quorum-watch.ts`). */
  get quorum(): HamokQuorumStatus {
    return this.health.quorumStatus;
  }

  /** The dead members this peer stands in for (see `stand-ins.ts`). */
  get actingFor(): readonly string[] {
    return this.health.actingFor;
  }

  /**
   * (A stand-in) ask for this peer's removal through the log: a follower's proposal is forwarded to the leader; a
   * leader appends its own removal (it commits without its vote and the core then steps down). Refusals (another
   * change pending, no leader) are simply asked again by the caller.
   */
  requestRemoval(): void {
    const peer = this.peer;
    if (peer === undefined || !peer.running || !peer.isMember()) return;
    peer.proposeConfChange({ type: "remove", nodeId: this.localPeerId });
  }

  /** Ask the room at once whether we are still a member (after a freeze); a removed member asks to be re-added. */
  checkMembership(): void {
    this.lifecycle.checkMembership();
  }

  /** See `Hamok.unsafeForceNewCluster`. */
  async forceNewCluster(): Promise<void> {
    await this.lifecycle.forceNewCluster();
    this.events.emit("started");
  }

  /** Stand in for provably dead members of this browser from now on. */
  useStandIns(plan: StandInPlan): void {
    this.health.useStandIns(plan);
  }

  private connections(): IterableIterator<CollectionConnection> {
    return this.collections.connections.values();
  }

  /** The Raft peer, once this peer joined or bootstrapped a cluster. */
  private get peer(): RaftPeer | undefined {
    return this.lifecycle.peer;
  }

  get localPeerId(): string {
    return this.config.peerId;
  }

  get storages(): ReadonlyMap<string, HamokStorage> {
    return this.collections.storages;
  }

  get clusterId(): string | undefined {
    return this.lifecycle.clusterId;
  }

  get remotePeerIds(): ReadonlySet<string> {
    return this.peer?.remotePeerIds ?? new Set();
  }

  get leaderId(): string | undefined {
    return this.failure === undefined ? this.peer?.leaderId : undefined;
  }

  get isLeader(): boolean {
    return this.failure === undefined && this.peer?.state === "leader";
  }

  get state(): HamokState {
    if (this.failure !== undefined) return "stopped";
    return this.peer?.state ?? "idle";
  }

  get running(): boolean {
    return this.peer?.running ?? false;
  }

  get hasJoinedPeer(): boolean {
    return this.peer !== undefined;
  }

  isClosed(): boolean {
    return this.closed;
  }

  /** Throws `Closed` once closed. */
  assertOpen(): void {
    if (this.closed) throw new HamokError("Closed", "Hamok is closed");
  }

  /** The Raft view: role, term, leader, log bounds, configuration. */
  raftInfo(): HamokRaftInfo {
    const status = this.peer?.status();
    return {
      state: this.state,
      term: status?.term ?? 0,
      leaderId: this.leaderId,
      commitIndex: status?.commit ?? 0,
      appliedIndex: status?.applied ?? 0,
      firstIndex: status?.firstIndex ?? 1,
      lastIndex: status?.lastIndex ?? 0,
      snapshotIndex: status?.snapshotIndex ?? 0,
      voters: status?.confState.voters ?? [],
      learners: status?.confState.learners ?? [],
      clusterId: this.clusterId,
    };
  }

  stats(): HamokStats {
    const counters = this.peer?.counters;
    return {
      sentMessages: this.counters.sent,
      receivedMessages: this.counters.received,
      droppedMessages: this.counters.dropped,
      appliedEntries: counters?.appliedEntries ?? 0,
      snapshots: counters?.snapshots ?? 0,
      pendingRequests: this.requests.size,
      storages: this.collections.storages.size,
      raftLogs: this.config.raftLogs.stats(),
    };
  }

  /** See `Hamok.start`. */
  start(): void {
    this.assertOpen();
    if (this.failure !== undefined) throw this.refusal();
    const peer = this.peer;
    if (peer === undefined) throw new HamokError("NotMember", "join() before start()");
    if (peer.running) return;
    peer.start();
    this.events.emit("started");
  }

  /** See `Hamok.stop`. */
  stop(): void {
    const peer = this.peer;
    if (!peer?.running) return;
    peer.pause();
    this.events.emit("stopped");
  }

  join(params: HamokJoinParams): Promise<void> {
    return this.lifecycle.join(params);
  }

  async leave(): Promise<void> {
    if (this.failure !== undefined) throw this.refusal();
    await this.lifecycle.leave();
    // Out of the cluster: nothing pending here can be served any more (a forwarded write may still apply).
    this.requests.failAll("NotMember", "this peer left the cluster");
    this.barriers.rejectAll("NotMember", "this peer left the cluster");
  }

  /**
   * The Raft runtime failed for good (persistence failed: quota, an aborted transaction). The peer stops
   * ticking and stepping, reads as `stopped`, and every pending and later request fails at once with the
   * failure's code instead of waiting for its timeout. Never resumes: its persisted state is in doubt.
   */
  fail(error: HamokError): void {
    if (this.failure !== undefined || this.closed) return;
    const previousState = this.state;
    const previousLeader = this.leaderId;
    this.failure = error;
    this.reportError(error);
    this.stop();
    this.requests.failAll(error.code, `this peer stopped: ${error.message}`);
    this.barriers.rejectAll(error.code, `this peer stopped: ${error.message}`);
    this.events.emit("state-changed", "stopped", previousState);
    if (previousLeader !== undefined) this.events.emit("leader-changed", undefined, previousLeader);
  }

  /** Why this peer refuses every request, when it does (stopped by a failure, or out of the cluster). */
  private refusal(): HamokError | undefined {
    if (this.failure !== undefined) {
      return new HamokError(this.failure.code, `this peer stopped: ${this.failure.message}`);
    }
    if (this.lifecycle.state === "left") return new HamokError("NotMember", "this peer left the cluster");
    return undefined;
  }

  transferLeadership(peerId: string | undefined): Promise<void> {
    return transferLeadership(this.transferHost(), peerId);
  }

  /** What a leadership transfer needs: this peer's Raft view and the events it waits on. */
  transferHost(): TransferHost {
    return {
      isClosed: () => this.closed,
      peer: this.peer,
      localPeerId: this.localPeerId,
      clock: this.config.clock,
      patienceInMs: this.config.electionTimeoutInMs,
      events: this.events,
    };
  }

  /** See `Hamok.close`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const wasRunning = this.running;
    this.requests.rejectAll("Closed", "Hamok was closed");
    this.barriers.rejectAll("Closed", "Hamok was closed");
    this.peer?.close();
    if (wasRunning) this.events.emit("stopped");
    this.collections.closeAll();
    await this.health.close();
    await this.lifecycle.close();
    await this.config.raftLogs.close();
    this.events.emit("close");
    this.events.removeAllListeners();
  }

  addRemotePeerId(peerId: string): void {
    this.lifecycle.knownPeers.add(peerId);
  }

  removeRemotePeerId(peerId: string): void {
    this.lifecycle.peerLeft(peerId);
  }

  fetchRemotePeers(timeoutInMs: number): Promise<HamokFetchRemotePeersResponse> {
    this.assertOpen();
    return this.lifecycle.fetchRemotePeers(timeoutInMs);
  }

  /** See `Hamok.waitUntilLeader`. */
  waitUntilLeader(timeoutInMs: number): Promise<void> {
    if (this.closed) return Promise.reject(new HamokError("Closed", "Hamok is closed"));
    if (this.leaderId !== undefined) return Promise.resolve();
    const { clock } = this.config;
    const { events } = this;
    return new Promise<void>((resolve, reject) => {
      const done = (leaderId: string | undefined) => {
        if (leaderId === undefined) return;
        clock.clearTimeout(timer);
        events.off("leader-changed", done);
        resolve();
      };
      const timer = clock.setTimeout(() => {
        events.off("leader-changed", done);
        reject(new HamokError("Timeout", `no leader within ${timeoutInMs} ms`, { indeterminate: false }));
      }, timeoutInMs);
      events.on("leader-changed", done);
    });
  }

  /** See `Hamok.submit`. */
  submit(command: StorageCommand, timeoutInMs: number | undefined): Promise<unknown> {
    if (this.closed) return Promise.reject(new HamokError("Closed", "Hamok is closed"));
    const refusal = this.refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    // A command larger than what a receiver accepts would stall replication forever.
    const size = defaultSizeOf(command);
    if (size > this.config.maxMessageBytes / 4) {
      return Promise.reject(new HamokError("PayloadTooLarge", "the command exceeds a quarter of maxMessageBytes"));
    }
    return this.requests.submit(command, size, timeoutInMs ?? this.config.requestTimeoutInMs);
  }

  /** See `Hamok.sync`. */
  sync(timeoutInMs: number | undefined): Promise<void> {
    if (this.closed) return Promise.reject(new HamokError("Closed", "Hamok is closed"));
    const refusal = this.refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    return this.barriers.wait(timeoutInMs ?? this.config.requestTimeoutInMs);
  }

  /** See `Hamok.accept`. Never throws. */
  accept(message: unknown): void {
    this.router.accept(message);
  }

  /** Create the collection `id` of `type` with `build`. */
  createCollection<T extends HamokStorage>(
    type: StorageType,
    id: string,
    build: (connection: CollectionConnection) => T,
  ): T {
    return this.collections.create(type, id, build);
  }

  /** The collection `id` if it is a `kind`, else a new one from `create`; `callback(exists)` says which. */
  getOrCreateCollection<T extends HamokStorage>(
    id: string,
    kind: abstract new (...args: AnyType[]) => HamokStorage,
    create: () => T,
    callback: ((exists: boolean) => void) | undefined,
  ): T {
    return this.collections.getOrCreate(id, kind, create, callback);
  }

  /** Validated direct messages of a reserved channel go to `handler` (see `InboundRouter.onChannel`). */
  onChannel(storageId: string, handler: (message: StorageDirectEnvelope) => void): () => void {
    return this.router.onChannel(storageId, handler);
  }

  /** Emit an outbound message. */
  send(message: HamokMessage): void {
    if (this.closed) return;
    this.counters.sent++;
    this.events.emit("message", message);
  }

  /** Wrap and emit a Raft message. */
  sendRaft(raft: RaftMessage): void {
    const clusterId = this.lifecycle.clusterId;
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

  /** Report a problem that did not throw. */
  reportError(error: HamokError): void {
    this.events.emit("error", error);
  }

  /** The cluster configuration changed: tell the collections. */
  peersChanged(): void {
    for (const connection of this.connections()) connection.peersChanged();
  }

  /** The leader changed: tell the collections (a new leader takes over their duties). */
  leaderChanged(leaderId: string | undefined): void {
    for (const connection of this.connections()) connection.leaderChanged(leaderId);
  }
}
