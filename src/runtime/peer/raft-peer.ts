import { HamokError } from "../../errors.js";
import { createSeededRandom, defaultSizeOf, nextMembershipChange, RaftNode } from "../../raft/index.js";
import type {
  ConfChange,
  ConfState,
  DroppedMessage,
  Entry,
  NodeId,
  ProposeResult,
  RaftMessage,
  RaftRestoreState,
  RaftStatus,
  Ready,
} from "../../raft/types.js";
import type { RaftLogs } from "../../storage/raft-logs.js";
import { payloadSize } from "../replicated/log-payload.js";
import type { ReplicatedState } from "../replicated/replicated-state.js";
import type { ReadBarriers } from "../requests/read-barriers.js";
import type { RequestTable } from "../requests/request-table.js";
import type { HamokConfig, TickPlan } from "./config.js";
import type { HamokEvents, HamokState } from "./events.js";
import { RaftDriver } from "./raft-driver.js";

/**
 * One peer's membership in one cluster: the Raft node and its driver, turned
 * into Hamok's events (roles, leader, members, commits), plus the leader's
 * membership duties. Created by `join()` (or at start from persisted state).
 */

/** What a peer needs from Hamok. */
export interface RaftPeerHost {
  readonly config: HamokConfig;
  readonly plan: TickPlan;
  readonly logs: RaftLogs;
  readonly replicated: ReplicatedState;
  readonly requests: RequestTable;
  readonly barriers: ReadBarriers;
  emit<E extends keyof HamokEvents>(event: E, ...args: HamokEvents[E]): void;
  sendRaft(message: RaftMessage): void;
  /** Called on every tick (after the core's). */
  onTick(): void;
  /** Called after every processed Ready. */
  onReady(): void;
  onFatal(error: HamokError): void;
  /** A problem worth an `error` event that does not stop the peer. */
  reportError(error: HamokError): void;
}

/** Distinct (sender, reason) pairs of dropped Raft messages reported on `error`, at most. */
const MAX_REPORTED_DROPS = 256;

/** See the module comment. */
export class RaftPeer {
  private readonly driver: RaftDriver;
  state: HamokState = "follower";
  leaderId: string | undefined;
  readonly remotePeerIds = new Set<string>();
  /** Leader-side: peers asking to join, peers known gone. */
  readonly joinRequests = new Set<string>();
  readonly departed = new Set<string>();
  private readonly silent = new Set<string>();
  /** (sender, reason) pairs already reported: a removed peer that keeps campaigning is reported once. */
  private readonly reportedDrops = new Set<string>();
  private confSeq = 0;
  /** Ticks left before a proposed, not yet applied membership change is considered lost. */
  private confPendingTicks = 0;
  /** Peers that asked (in their join request) never to lead; recorded through the log before their addition. */
  private readonly onlyFollowerRequests = new Set<string>();
  private lastCommit = 0;
  /** When each peer last replicated to us (append, heartbeat or snapshot). */
  private readonly replicatedAt = new Map<string, number>();

  constructor(
    private readonly host: RaftPeerHost,
    restore: RaftRestoreState,
  ) {
    const { config, plan } = host;
    const node = new RaftNode(
      {
        id: config.peerId,
        electionTicks: plan.electionTicks,
        heartbeatTicks: plan.heartbeatTicks,
        random: createSeededRandom(config.seed),
        maxUncommittedEntries: config.maxUncommittedEntries,
        // Batches stay well under what a receiver accepts (the inbound cap counts the envelope too).
        maxMessageBytes: Math.floor(config.maxMessageBytes / 2),
        snapshotChunkBytes: Math.min(64 * 1024, Math.floor(config.maxMessageBytes / 4)),
        sizeOf: (data) => payloadSize(data, defaultSizeOf),
        // The driver sends a leader's appends while saving them (thesis §10.2.1).
        asyncStorageWrites: true,
      },
      restore,
    );
    this.driver = new RaftDriver(
      node,
      host.logs,
      {
        send: (message) => host.sendRaft(message),
        applySnapshot: (snapshot) => host.replicated.restore(snapshot.data),
        applyEntry: (entry) => this.applyEntry(entry),
        afterReady: (ready) => this.afterReady(ready),
        snapshotData: () => host.replicated.snapshotData(),
        onTick: () => this.onTick(),
        onFatal: (error) => host.onFatal(error),
      },
      {
        tickInMs: plan.tickInMs,
        snapshotThresholdEntries: config.snapshotThresholdEntries,
        logEntriesExpirationTimeInMs: config.logEntriesExpirationTimeInMs,
        sizeOf: (data) => payloadSize(data, defaultSizeOf),
        clock: config.clock,
      },
    );
    const status = node.status();
    this.state = status.role;
    this.leaderId = status.leaderId ?? undefined;
    this.lastCommit = status.applied;
    this.updateMembers(status.confState);
  }

  private get node(): RaftNode {
    return this.driver.node;
  }

  /** The core's view: role, term, log bounds, configuration, (leader) progress. */
  status(): RaftStatus {
    return this.node.status();
  }

  /** The current configuration. */
  get confState(): ConfState {
    return this.node.status().confState;
  }

  /**
   * Whether the leader this peer knows is in contact: it is this peer, or it replicated to this
   * peer within `withinMs`. A learner never campaigns (thesis §4.2.1), so its `leaderId` outlives a leader that
   * stopped replicating to it (removed it, or left): only this tells it that it lost its leader.
   */
  leaderInContact(withinMs: number): boolean {
    const leaderId = this.leaderId;
    if (leaderId === undefined) return false;
    if (leaderId === this.host.config.peerId) return true;
    const heard = this.replicatedAt.get(leaderId);
    return heard !== undefined && this.host.config.clock.now() - heard < withinMs;
  }

  /** Whether the tick timer runs. */
  get running(): boolean {
    return this.driver.running;
  }

  /** Counters of the driver, for `hamok.stats`. */
  get counters(): Readonly<RaftDriver["counters"]> {
    return this.driver.counters;
  }

  /** Start ticking. */
  start(): void {
    this.driver.start();
  }

  /** Stop ticking; inbound traffic is ignored by the router meanwhile (as if frozen). */
  pause(): void {
    this.driver.pause();
  }

  /** Stop for good. */
  close(): void {
    this.driver.close();
  }

  /** Propose a normal entry (a request or a batch of them). */
  propose(proposalId: string, data: unknown): ProposeResult {
    return this.driver.input((node) => node.propose(proposalId, data));
  }

  /** Ask the leader for a read index (ReadIndex, Raft thesis §6.4). */
  readIndex(context: string): void {
    this.driver.input((node) => node.readIndex(context));
  }

  /** Start an election now (a bootstrapping single voter elects itself at once). */
  campaign(): void {
    this.driver.input((node) => node.campaign());
  }

  /** (Leader) hand leadership to `target` (Raft thesis §3.10). */
  transferLeader(target: NodeId): void {
    this.driver.input((node) => node.transferLeader(target));
  }

  /** Whether this peer has applied everything it knows to be committed. */
  caughtUp(): boolean {
    const status = this.node.status();
    return status.applied >= status.commit;
  }

  /**
   * Whether `peerId` is outside the configuration, once there is one (false while this peer has none, so a
   * joiner still hears everyone). Cheap on the inbound path: the configuration's other members are a set.
   */
  isOutsider(peerId: string): boolean {
    if (this.remotePeerIds.has(peerId) || peerId === this.host.config.peerId) return false;
    if (this.remotePeerIds.size > 0) return true;
    const { voters, learners } = this.confState;
    return voters.length + learners.length > 0;
  }

  /** Whether this peer is in the configuration (voter or learner). */
  isMember(): boolean {
    const { voters, learners } = this.confState;
    return voters.includes(this.host.config.peerId) || learners.includes(this.host.config.peerId);
  }

  /** Propose a membership change; refusals are retried by the policy on later ticks. */
  proposeConfChange(change: ConfChange): boolean {
    const ok = this.driver.input((node) => node.proposeConfChange(`conf:${++this.confSeq}`, change)).ok;
    // One change at a time (thesis §4.1): wait for it to apply before proposing the next;
    // after a refusal, try again on the next tick rather than in a tight loop.
    this.confPendingTicks = ok ? 2 * this.host.plan.electionTicks : 1;
    return ok;
  }

  /** (Leader) a peer asks to join. */
  onJoinRequest(peerId: string, onlyFollower: boolean): void {
    this.departed.delete(peerId);
    if (this.remotePeerIds.has(peerId)) return;
    if (onlyFollower && !this.onlyFollowerRequests.has(peerId)) {
      this.onlyFollowerRequests.add(peerId);
      const payload = { kind: "member", nodeId: peerId, onlyFollower: true };
      this.propose(`member:${peerId}:${++this.confSeq}`, payload);
    }
    this.joinRequests.add(peerId);
    this.runMembership();
  }

  private applyEntry(entry: Entry): number {
    if (entry.type === "normal") return this.host.replicated.applyEntry(entry, this.state === "leader");
    if (entry.type === "conf") {
      this.confPendingTicks = 0;
      const change = entry.data as ConfChange;
      // Deterministic cleanup at the committed removal: every peer drops the same sessions.
      if (change.type === "remove") this.host.replicated.forgetPeer(change.nodeId);
      // Our own session closed at this entry: our pending requests go on in a new one (see `removedInOrder`).
      if (change.type === "remove" && change.nodeId === this.host.config.peerId) this.host.requests.removedInOrder();
    }
    return 1;
  }

  private afterReady(ready: Ready): void {
    const { host } = this;
    if (ready.confState !== undefined) this.updateMembers(ready.confState);
    if (ready.softState !== undefined) {
      const previousState = this.state;
      const previousLeader = this.leaderId;
      this.state = ready.softState.role;
      this.leaderId = ready.softState.leaderId ?? undefined;
      if (this.state !== previousState) {
        host.emit("state-changed", this.state, previousState);
        if (this.state === "leader") host.emit("leader");
        else if (this.state === "follower") host.emit("follower");
        else if (previousState !== "pre-candidate" && previousState !== "candidate") host.emit("candidate");
      }
      if (this.leaderId !== previousLeader) {
        this.confPendingTicks = 0;
        host.emit("leader-changed", this.leaderId, previousLeader);
        if (this.leaderId !== undefined) {
          // A new leader: re-propose what the old one may have lost (deduplicated by the log).
          host.requests.retry(0);
          host.barriers.retry(true);
        }
      }
    }
    if (ready.entries.length > 0) host.requests.appended(ready.entries);
    for (const dropped of ready.droppedMessages) this.reportDrop(dropped);
    for (const { id, reason } of ready.rejectedProposals) host.requests.refused(id, reason);
    if (ready.rejectedReads.length > 0) host.barriers.onRejected(ready.rejectedReads);
    if (ready.readStates.length > 0) host.barriers.onReadStates(ready.readStates);
    const applied = this.node.status().applied;
    if (applied > this.lastCommit) {
      this.lastCommit = applied;
      host.barriers.onApplied();
      host.emit("commit", applied);
    }
    if (this.state === "leader" && this.confPendingTicks === 0) this.runMembership();
    host.onReady();
  }

  private updateMembers(conf: ConfState): void {
    const self = this.host.config.peerId;
    const next = new Set([...conf.voters, ...conf.learners].filter((peerId) => peerId !== self));
    for (const peerId of next) {
      if (this.remotePeerIds.has(peerId)) continue;
      this.remotePeerIds.add(peerId);
      this.joinRequests.delete(peerId);
      this.host.emit("remote-peer-joined", peerId);
    }
    for (const peerId of [...this.remotePeerIds]) {
      if (next.has(peerId)) continue;
      this.remotePeerIds.delete(peerId);
      this.departed.delete(peerId);
      this.silent.delete(peerId);
      this.host.emit("remote-peer-left", peerId);
    }
  }

  private onTick(): void {
    this.host.emit("heartbeat");
    if (this.confPendingTicks > 0) this.confPendingTicks--;
    if (this.state === "leader") {
      this.reportSilentPeers();
      if (this.confPendingTicks === 0) this.runMembership();
    }
    this.host.onTick();
  }

  /** (Leader) report members silent for a whole election timeout, once per silence. */
  private reportSilentPeers(): void {
    const progress = this.node.status().progress ?? {};
    for (const [peerId, pr] of Object.entries(progress)) {
      if (peerId === this.host.config.peerId) continue;
      if (pr.ticksSinceHeard >= this.host.plan.electionTicks) {
        if (!this.silent.has(peerId)) {
          this.silent.add(peerId);
          this.host.emit("no-heartbeat-from", peerId);
        }
      } else {
        this.silent.delete(peerId);
      }
    }
  }

  /** Feed a message to the core; a leader then reconsiders membership (a learner may just have caught up). */
  step(message: RaftMessage): void {
    // Only replication shows that the sender still counts us in its configuration (a leader answers
    // anyone's forwarded proposals and reads, but replicates only to members).
    if (message.type === "append" || message.type === "heartbeat" || message.type === "snapshot") {
      this.replicatedAt.set(message.from, this.host.config.clock.now());
    }
    this.driver.step(message);
    if (this.state !== "leader" || this.confPendingTicks > 0) return;
    const learners = this.driver.confState?.learners.length ?? 0;
    if (learners > 0 || this.joinRequests.size > 0 || this.departed.size > 0) this.runMembership();
  }

  /** (Leader) propose the next membership change, if any. */
  runMembership(): void {
    if (this.confPendingTicks > 0) return;
    const onlyFollowers = new Set([...this.host.replicated.onlyFollowers, ...this.onlyFollowerRequests]);
    // The one membership policy (src/raft/membership-policy.ts), the same the simulations run.
    const change = nextMembershipChange(this.node.status(), {
      joinRequests: this.joinRequests,
      departed: this.departed,
      onlyFollowers,
      maxVoters: this.host.config.maxVoters,
      activeWithinTicks: this.host.plan.electionTicks,
      removeUnreachableAfterTicks: this.host.plan.removeUnreachableAfterTicks,
    });
    if (change !== null) this.proposeConfChange(change);
  }

  /** The core refused a Raft message (term above the ceiling, a non-member sender, a stray timeout-now). */
  private reportDrop(dropped: DroppedMessage): void {
    const key = `${dropped.from}\u0000${dropped.reason}`;
    if (this.reportedDrops.has(key) || this.reportedDrops.size >= MAX_REPORTED_DROPS) return;
    this.reportedDrops.add(key);
    this.host.reportError(
      new HamokError(
        "InvalidMessage",
        `dropped a raft ${dropped.type} from ${dropped.from} (term ${dropped.term}): ${dropped.reason}`,
      ),
    );
  }

  /**
   * Member `by` announced `peerIds` as members (or as the leader it follows): those not in our
   * configuration (our log lags behind their addition) are heard as members, so we can vote for
   * them and catch up from them (see `RaftNode.vouch`).
   */
  vouchAll(peerIds: readonly string[], by: string): void {
    if (peerIds.length === 0) return;
    this.driver.input((node) => {
      for (const peerId of peerIds) node.vouch(peerId, by);
    });
  }

  /** No member of our configuration is left to vouch: hear `peerIds` on the runtime's word (see `RaftNode.acceptMember`). */
  acceptMembers(peerIds: readonly string[]): void {
    if (peerIds.length === 0) return;
    this.driver.input((node) => {
      for (const peerId of peerIds) node.acceptMember(peerId);
    });
  }
}
