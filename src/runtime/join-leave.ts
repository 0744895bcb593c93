import { HamokError } from "../errors";
import type { Hamok, HamokFetchRemotePeersResponse, HamokJoinParams } from "../hamok";
import { HAMOK_PROTOCOL, type HamokMessage, type PeerAnnouncement } from "../messages/hamok-message";
import type { ConfState, RaftRestoreState } from "../raft/types";
import type { PersistedState } from "../storage/raft-logs";
import type { HamokTransport } from "../transport/transport";
import { Conditions } from "./conditions";
import { Discovery, type DiscoveryHost } from "./discovery";
import type { HamokEvents } from "./events";
import { mostCaughtUpVoter } from "./leadership-transfer";
import { RaftPeer, type RaftPeerHost } from "./raft-peer";

/**
 * How a peer enters and leaves a cluster: transport wiring, discovery, bootstrap
 * or join request, catching up, rejoining after a long leaderless stretch, and
 * the graceful `leave()` (leadership transfer, removal through the log, stop).
 */

const EMPTY_HARD_STATE = { term: 0, vote: null, commit: 0 } as const;

/** See the module comment. */
export class Membership {
  peer: RaftPeer | undefined;
  clusterId: string | undefined;
  /** Room members declared with `addRemotePeerId()`. */
  readonly knownPeers = new Set<string>();
  /** Resolves at the first `joined`. */
  readonly joinedOnce: Promise<void>;
  private resolveJoinedOnce!: () => void;
  private readonly discovery = new Discovery();
  private transport: HamokTransport<HamokMessage> | undefined;
  private detachTransport: (() => void) | undefined;
  private joinPromise: Promise<void> | undefined;
  private joining = false;
  private joined = false;
  private rejoining = false;
  private leaving = false;
  private left = false;
  private announceWhenLed = false;
  private leaderHint: string | undefined;
  /** The members the leader of our cluster last announced (to confirm our own removal). */
  private leaderMembers: readonly string[] | undefined;
  private leaderlessSince: number | undefined;
  /** A peer of our cluster that knows a leader announced a configuration without us: we were removed. */
  private excluded = false;
  private learnerSince: number | undefined;
  private ticks = 0;
  private joinRequestsSent = 0;
  private readonly conditions: Conditions;

  constructor(private readonly hamok: Hamok) {
    this.conditions = new Conditions(hamok.config.clock);
    this.joinedOnce = new Promise((resolve) => {
      this.resolveJoinedOnce = resolve;
    });
  }

  /** See `Hamok.join`. */
  join(params: HamokJoinParams): Promise<void> {
    if (this.hamok.closed) return Promise.reject(new HamokError("Closed", "Hamok is closed"));
    if (this.left || this.leaving) {
      return Promise.reject(
        new HamokError("JoinFailed", "this peer left its cluster; create a new Hamok to join again"),
      );
    }
    if (this.joined) return Promise.resolve();
    this.joinPromise ??= this.runJoin(params).finally(() => {
      this.joinPromise = undefined;
    });
    return this.joinPromise;
  }

  private async runJoin(params: HamokJoinParams): Promise<void> {
    const { hamok } = this;
    this.joining = true;
    let attached = false;
    try {
      if (params.transport !== undefined) {
        await this.attach(params.transport);
        attached = true;
      }
      if (this.peer === undefined) {
        const persisted = await hamok.config.raftLogs.load();
        if (typeof persisted.meta.clusterId === "string") {
          this.restart(persisted.meta.clusterId, persisted);
        } else {
          const decision = await this.discovery.decide(this.discoveryHost(), params);
          if (decision.kind === "bootstrap") await this.bootstrap();
          else await this.becomeJoiner(decision.clusterId, decision.leaderId);
        }
      }
      hamok.start();
      this.sendJoinRequestIfNeeded();
      await this.until(() => this.caughtUp() && this.settledRole());
      this.joined = true;
      hamok.emit("joined");
      this.resolveJoinedOnce();
    } catch (error) {
      // A failed join leaves no half-open room behind: the caller may try again with a new transport.
      if (attached && this.peer === undefined) await this.closeTransport();
      throw error;
    } finally {
      this.joining = false;
    }
  }

  private discoveryHost(): DiscoveryHost {
    const { hamok } = this;
    return {
      localPeerId: hamok.localPeerId,
      canLead: !hamok.config.onlyFollower,
      authoritative: this.transport !== undefined,
      settleInMs: 2 * hamok.config.heartbeatInMs,
      clock: hamok.config.clock,
      roomMembers: () => this.roomMembers(),
      sendHello: () => this.sendHello(undefined),
      assertOpen: () => hamok.assertOpen(),
    };
  }

  private roomMembers(): ReadonlySet<string> {
    const members = new Set(this.knownPeers);
    for (const peerId of this.transport?.members() ?? []) members.add(peerId);
    members.delete(this.hamok.localPeerId);
    return members;
  }

  private async attach(transport: HamokTransport<HamokMessage>): Promise<void> {
    if (this.transport !== undefined) throw new HamokError("InvalidArgument", "this Hamok already has a transport");
    const { hamok } = this;
    this.transport = transport;
    const onMessage = (message: HamokMessage) => hamok.accept(message);
    const onLeft = (peerId: string) => this.peerLeft(peerId);
    const onError = (error: Error) =>
      hamok.reportError(
        error instanceof HamokError ? error : new HamokError("TransportFailure", error.message, { cause: error }),
      );
    const forward = (message: HamokMessage) => transport.send(message);
    transport.on("message", onMessage);
    transport.on("peer-left", onLeft);
    transport.on("error", onError);
    hamok.on("message", forward);
    this.detachTransport = () => {
      transport.off("message", onMessage);
      transport.off("peer-left", onLeft);
      transport.off("error", onError);
      hamok.off("message", forward);
    };
    try {
      await transport.open(hamok.localPeerId);
    } catch (error) {
      await this.closeTransport();
      throw error instanceof HamokError
        ? error
        : new HamokError("TransportFailure", "the transport failed to open", { cause: error });
    }
  }

  private createPeer(clusterId: string, restore: RaftRestoreState): void {
    const { hamok } = this;
    this.clusterId = clusterId;
    const host: RaftPeerHost = {
      config: hamok.config as RaftPeerHost["config"],
      plan: hamok.plan,
      logs: hamok.config.raftLogs,
      replicated: hamok.replicated,
      requests: hamok.requests,
      barriers: hamok.barriers,
      emit: <E extends keyof HamokEvents>(event: E, ...args: HamokEvents[E]) => this.relay(event, args),
      sendRaft: (message) => hamok.sendRaft(message),
      onTick: () => this.onTick(),
      onReady: () => this.progress(),
      onFatal: (error) => {
        hamok.reportError(error);
        hamok.stop();
      },
    };
    this.peer = new RaftPeer(host, restore);
    // From idle to the core's first role.
    const state = this.peer.state;
    hamok.emit("state-changed", state, "idle");
    if (state === "leader") hamok.emit("leader");
    else if (state === "follower") hamok.emit("follower");
    else hamok.emit("candidate");
  }

  private relay<E extends keyof HamokEvents>(event: E, args: HamokEvents[E]): void {
    const { hamok } = this;
    (hamok.emit as (event: E, ...rest: HamokEvents[E]) => boolean)(event, ...args);
    if (event === "remote-peer-joined" || event === "remote-peer-left") hamok.peersChanged();
    if (event === "leader-changed") {
      if (args[0] !== undefined) this.leaderlessSince = undefined;
      hamok.leaderChanged(args[0] as string | undefined);
    }
    // Tell a removed peer at once: a leaving peer waits for exactly this confirmation.
    if (event === "remote-peer-left" && this.peer?.state === "leader") this.sendEndpointState(args[0] as string);
    if (event === "remote-peer-left" && hamok.config.autoStopOnNoRemotePeers && hamok.remotePeerIds.size === 0) {
      hamok.stop();
    }
  }

  private restart(clusterId: string, persisted: PersistedState): void {
    if (persisted.snapshot !== undefined) this.hamok.replicated.restore(persisted.snapshot.data);
    const initial = persisted.meta.initialConfState as ConfState | undefined;
    const restore: RaftRestoreState = {
      hardState: persisted.hardState,
      entries: persisted.entries,
      ...(persisted.snapshot === undefined ? {} : { snapshot: persisted.snapshot }),
      ...(initial === undefined ? {} : { initialConfState: initial }),
    };
    this.createPeer(clusterId, restore);
  }

  /** A single-node cluster of our own: we are its only voter and elect ourselves at once. */
  private async bootstrap(): Promise<void> {
    const clusterId = crypto.randomUUID();
    const initialConfState: ConfState = { voters: [this.hamok.localPeerId], learners: [] };
    await this.hamok.config.raftLogs.save({ meta: { clusterId, initialConfState } });
    this.createPeer(clusterId, { hardState: EMPTY_HARD_STATE, entries: [], initialConfState });
    this.announceWhenLed = true;
    this.peer!.driver.input((node) => node.campaign());
  }

  /** Not a member yet: the leader adds us as a learner and replicates its log (or a snapshot) to us. */
  private async becomeJoiner(clusterId: string, leaderId: string): Promise<void> {
    await this.hamok.config.raftLogs.save({ meta: { clusterId } });
    this.leaderHint = leaderId;
    this.createPeer(clusterId, { hardState: EMPTY_HARD_STATE, entries: [] });
  }

  private caughtUp(): boolean {
    const peer = this.peer;
    if (peer === undefined || !peer.isMember() || peer.leaderId === undefined) return false;
    const status = peer.node.status();
    return status.applied >= status.commit;
  }

  /**
   * A joiner that the leader will promote waits for it, so that once `join()` resolved on
   * every peer, each of them counts towards the quorum. It stays a learner when it asked to
   * (`onlyFollower`) or when the voters are full; and it stops waiting after
   * `electionTimeoutInMs` as a learner (a leader configured with fewer voters).
   */
  private settledRole(): boolean {
    const peer = this.peer;
    if (peer === undefined) return false;
    const { voters } = peer.confState;
    const self = this.hamok.localPeerId;
    if (voters.includes(self) || this.hamok.config.onlyFollower || voters.length >= this.hamok.config.maxVoters) {
      return true;
    }
    const now = this.hamok.config.clock.now();
    this.learnerSince ??= now;
    return now - this.learnerSince >= this.hamok.config.electionTimeoutInMs;
  }

  /** Resolve when `check()` holds (re-checked after every Ready and tick); rejects `Closed` on close. */
  until(check: () => boolean, timeoutInMs?: number): Promise<void> {
    return this.conditions.until(check, timeoutInMs);
  }

  private progress(): void {
    const peer = this.peer;
    if (this.announceWhenLed && peer?.leaderId !== undefined) {
      this.announceWhenLed = false;
      this.sendEndpointState(undefined);
    }
    this.conditions.recheck();
  }

  private onTick(): void {
    this.ticks++;
    const peer = this.peer;
    this.progress();
    if (peer === undefined || this.leaving) return;
    // Requests whose forward (or whose leader) may be lost are re-proposed; dedup keeps them single.
    if (peer.leaderId !== undefined) {
      this.hamok.requests.retry(this.hamok.config.followerMaxIdleInMs);
      this.hamok.barriers.retry(false);
    }
    // Only members hear from a leader (it replicates to nobody else), so a leader in contact means we are back.
    const inContact = peer.isMember() && peer.leaderInContact(this.hamok.config.electionTimeoutInMs);
    if (inContact) this.excluded = false;
    if (this.ticks % 3 === 0) this.sendJoinRequestIfNeeded();
    if (!this.joined) return;
    const now = this.hamok.config.clock.now();
    if (inContact) {
      this.leaderlessSince = undefined;
      if (this.rejoining && this.caughtUp()) {
        this.rejoining = false;
        this.hamok.emit("joined");
      }
      return;
    }
    this.leaderlessSince ??= now;
    if (now - this.leaderlessSince < this.hamok.config.electionTimeoutInMs) return;
    // A long stretch without a leader (or out of the configuration): look around again.
    this.leaderlessSince = now;
    if (!this.rejoining) {
      this.rejoining = true;
      this.hamok.emit("rejoining");
    }
    this.sendHello(undefined);
  }

  private sendJoinRequestIfNeeded(): void {
    const peer = this.peer;
    if (peer === undefined || this.clusterId === undefined || this.leaving) return;
    // A restarted member may have been removed while it was away (its own log cannot know):
    // until it hears a leader it asks too; a leader ignores requests from current members.
    // A member removed while cut off (or while it was down) only learns it from the others' announcements.
    const unsure = !this.joined && peer.leaderId === undefined;
    if (peer.isMember() && !unsure && !this.excluded) return;
    // A leader out of contact may be stale (a learner never drops it): the latest announcement knows better.
    const inContact = peer.leaderInContact(this.hamok.config.electionTimeoutInMs);
    const target = inContact ? peer.leaderId : (this.leaderHint ?? peer.leaderId);
    // Every few unanswered requests, ask the room again: the target may have left or lost the lead since
    // we heard of it, and only a fresh announcement names the current leader.
    if (target === undefined || ++this.joinRequestsSent % 5 === 0) {
      this.sendHello(undefined);
      if (target === undefined) return;
    }
    this.hamok.send({
      protocol: HAMOK_PROTOCOL,
      type: "join-request",
      sourceId: this.hamok.localPeerId,
      destinationId: target,
      clusterId: this.clusterId,
      onlyFollower: this.hamok.config.onlyFollower,
    });
  }

  private announcement(): PeerAnnouncement {
    const peer = this.peer;
    const status = peer?.node.status();
    const members = status
      ? [...status.confState.voters, ...status.confState.learners]
      : [...this.discovery.heardPeers()]
          .filter(([, heard]) => heard.clusterId === undefined && heard.peer.joining && heard.peer.canLead)
          .map(([peerId]) => peerId);
    const base = {
      joining: this.joining || this.joined,
      canLead: !this.hamok.config.onlyFollower,
      term: status?.term ?? 0,
      commit: status?.commit ?? 0,
      members,
    };
    return peer?.leaderId === undefined ? base : { ...base, leaderId: peer.leaderId };
  }

  private sendHello(destinationId: string | undefined): void {
    this.sendAnnouncement("hello", destinationId);
  }

  /** Answer a hello (or announce a new cluster to everyone). */
  sendEndpointState(destinationId: string | undefined): void {
    this.sendAnnouncement("endpoint-state", destinationId);
  }

  private sendAnnouncement(type: "hello" | "endpoint-state", destinationId: string | undefined): void {
    const message: HamokMessage = {
      protocol: HAMOK_PROTOCOL,
      type,
      sourceId: this.hamok.localPeerId,
      peer: this.announcement(),
      ...(destinationId === undefined ? {} : { destinationId }),
      ...(this.clusterId === undefined ? {} : { clusterId: this.clusterId }),
    };
    this.hamok.send(message);
  }

  /** A hello or endpoint-state arrived. */
  onAnnouncement(sourceId: string, clusterId: string | undefined, peer: PeerAnnouncement): void {
    this.discovery.onAnnouncement(sourceId, clusterId, peer);
    if (clusterId === undefined || clusterId !== this.clusterId) return;
    if (peer.leaderId !== undefined) {
      this.leaderHint = peer.leaderId;
      // A leader's (or its follower's) configuration without us: ask to be added again (a leader ignores
      // the request from a current member, so a stale view here costs one message).
      const self = this.hamok.localPeerId;
      if (peer.leaderId !== self) this.excluded = !peer.members.includes(self);
    }
    if (peer.leaderId === sourceId) this.leaderMembers = peer.members;
    this.progress();
  }

  /** A peer asks to join our cluster. */
  onJoinRequest(sourceId: string, clusterId: string, onlyFollower: boolean): void {
    const peer = this.peer;
    if (peer === undefined || clusterId !== this.clusterId) return;
    if (peer.state === "leader") peer.onJoinRequest(sourceId, onlyFollower);
    // Not the leader: say who is, so the joiner can ask again there.
    else this.sendEndpointState(sourceId);
  }

  /** A room member left (transport) or was removed by the user. */
  peerLeft(peerId: string): void {
    this.knownPeers.delete(peerId);
    this.discovery.forget(peerId);
    // A leader that left the room can no longer add us: discover who leads now.
    if (this.leaderHint === peerId) this.leaderHint = undefined;
    const peer = this.peer;
    if (peer === undefined) return;
    peer.departed.add(peerId);
    if (peer.state === "leader") peer.runMembership();
  }

  /** See `Hamok.fetchRemotePeers`. */
  async fetchRemotePeers(timeoutInMs: number): Promise<HamokFetchRemotePeersResponse> {
    const room = this.roomMembers();
    this.sendHello(undefined);
    const heardAll = () => room.size > 0 && [...room].every((peerId) => this.discovery.heardPeers().has(peerId));
    await this.until(heardAll, timeoutInMs).catch(() => undefined);
    const heard = this.discovery.heardPeers();
    let clusterId: string | undefined;
    let leaderId: string | undefined;
    for (const entry of heard.values()) {
      clusterId ??= entry.clusterId;
      leaderId ??= entry.peer.leaderId;
    }
    return { remotePeers: [...heard.keys()], clusterId, leaderId };
  }

  /** See `Hamok.leave`. */
  async leave(): Promise<void> {
    const { hamok } = this;
    if (hamok.closed) throw new HamokError("Closed", "Hamok is closed");
    if (this.left) return;
    this.leaving = true;
    const peer = this.peer;
    const self = hamok.localPeerId;
    const patience = hamok.config.electionTimeoutInMs;
    if (peer?.isMember()) {
      if (peer.state === "leader") {
        const target = mostCaughtUpVoter(this.hamok);
        if (target !== undefined) {
          // Leadership transfer (thesis §3.10): the target campaigns at once, so failover takes a round trip.
          peer.driver.input((node) => node.transferLeader(target));
          await this.until(() => peer.leaderId !== undefined && peer.leaderId !== self, patience).catch(
            () => undefined,
          );
        }
      }
      if (peer.remotePeerIds.size > 0) await this.removeSelf(peer, patience);
    }
    hamok.stop();
    peer?.driver.close();
    this.left = true;
    this.joined = false;
    await this.closeTransport();
    hamok.emit("left");
  }

  /** Propose our removal (forwarded to the leader) until the leader confirms it, or patience runs out. */
  private async removeSelf(peer: RaftPeer, patience: number): Promise<void> {
    const self = this.hamok.localPeerId;
    this.leaderMembers = undefined;
    const removed = () => !peer.isMember() || (this.leaderMembers !== undefined && !this.leaderMembers.includes(self));
    const ask = () => {
      peer.proposeConfChange({ type: "remove", nodeId: self });
      if (peer.leaderId !== undefined && peer.leaderId !== self) this.sendHello(peer.leaderId);
    };
    ask();
    const { clock } = this.hamok.config;
    const timer = clock.setInterval(ask, this.hamok.config.heartbeatInMs);
    try {
      await this.until(removed, patience).catch(() => undefined);
    } finally {
      clock.clearInterval(timer);
    }
  }

  private async closeTransport(): Promise<void> {
    const transport = this.transport;
    this.detachTransport?.();
    this.detachTransport = undefined;
    this.transport = undefined;
    await transport?.close();
  }

  /** Hamok is closing: fail waiters, release the transport. */
  async close(): Promise<void> {
    this.conditions.rejectAll(new HamokError("Closed", "Hamok was closed"));
    await this.closeTransport();
  }
}
