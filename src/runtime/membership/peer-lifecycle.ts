import { HamokError } from "../../errors.js";
import type { PeerAnnouncement } from "../../messages/hamok-message.js";
import type { RaftMessage, RaftRestoreState } from "../../raft/types.js";
import type { HamokEvents } from "../peer/events.js";
import type { HamokFetchRemotePeersResponse, HamokJoinParams } from "../peer/public-types.js";
import { RaftPeer, type RaftPeerHost } from "../peer/raft-peer.js";
import { trustAnnouncement } from "./announcement-trust.js";
import { type AnnouncedView, Announcements, announcedView } from "./announcements.js";
import { Conditions } from "./conditions.js";
import { Discovery, type DiscoveryHost } from "./discovery.js";
import { forceNewCluster } from "./force-new-cluster.js";
import { type EntryHost, enterCluster, settledRole } from "./join.js";
import { JoinProgress, withJoinTimeout } from "./join-progress.js";
import { departGracefully } from "./leave.js";
import type { PeerLifecycleHost } from "./lifecycle-host.js";
import { PeerLifecycleStateMachine } from "./peer-lifecycle-state.js";
import { RejoinWatch } from "./rejoin.js";
import { TransportWiring, transportDefect } from "./transport-wiring.js";

/**
 * How a peer enters and leaves a cluster, driven by one explicit state machine (`peer-lifecycle-state.ts`):
 * discovery, bootstrap or join request, catching up (`join()`); rejoining after a long leaderless stretch
 * (`rejoin.ts`); the graceful `leave()` (`leave.ts`). The transport wiring and the announcements are their
 * own modules; this class owns the Raft peer and relays its events.
 */
export class PeerLifecycle {
  peer: RaftPeer | undefined;
  clusterId: string | undefined;
  /** Room members declared with `addRemotePeerId()`. */
  readonly knownPeers = new Set<string>();
  /** The dead members this peer stands in for. */
  private readonly standingIn = new Set<string>();
  /** Resolves at the first `joined`. */
  readonly joinedOnce: Promise<void>;
  private resolveJoinedOnce!: () => void;
  private readonly lifecycle = new PeerLifecycleStateMachine();
  private readonly discovery = new Discovery();
  private readonly wiring: TransportWiring;
  private readonly announcements: Announcements;
  private readonly rejoin: RejoinWatch;
  private readonly conditions: Conditions;
  /** Where `join()` stands (event `join-progress`). */
  readonly progressOfJoin: JoinProgress;
  private joinPromise: Promise<void> | undefined;
  private leavePromise: Promise<void> | undefined;
  private learnerSince: number | undefined;
  private ticks = 0;
  private joinRequestsSent = 0;

  constructor(private readonly host: PeerLifecycleHost) {
    const { config } = host;
    this.conditions = new Conditions(config.clock);
    this.rejoin = new RejoinWatch(config.clock, config.electionTimeoutInMs);
    this.wiring = new TransportWiring({
      localPeerId: host.localPeerId,
      events: host.events,
      accept: (message) => host.accept(message),
      reportError: (error) => host.reportError(error),
      peerLeft: (peerId) => this.peerLeft(peerId),
      peerJoined: (peerId) => this.peerJoined(peerId),
    });
    const self = this;
    this.announcements = new Announcements({
      localPeerId: host.localPeerId,
      onlyFollower: config.onlyFollower,
      get clusterId() {
        return self.clusterId;
      },
      view: () => this.announcedView(),
      send: (message) => host.send(message),
    });
    this.progressOfJoin = new JoinProgress((phase) => host.events.emit("join-progress", phase));
    this.joinedOnce = new Promise((resolve) => {
      this.resolveJoinedOnce = resolve;
    });
  }

  /** The lifecycle state (see `peer-lifecycle-state.ts`). */
  get state(): PeerLifecycleStateMachine["state"] {
    return this.lifecycle.state;
  }

  /** See `Hamok.join`. */
  join(params: HamokJoinParams): Promise<void> {
    if (this.host.isClosed()) return Promise.reject(new HamokError("Closed", "Hamok is closed"));
    if (this.lifecycle.isLeavingOrLeft) {
      return Promise.reject(
        new HamokError("JoinFailed", "this peer left its cluster; create a new Hamok to join again"),
      );
    }
    if (this.lifecycle.isJoined) return Promise.resolve();
    if (typeof params !== "object" || params === null) {
      return Promise.reject(new HamokError("InvalidArgument", "join() takes an object: join({ transport })"));
    }
    if (params.transport !== undefined) {
      const defect = transportDefect(params.transport);
      if (defect !== undefined) return Promise.reject(new HamokError("InvalidArgument", `join(): ${defect}`));
    }
    this.joinPromise ??= this.runJoin(params).finally(() => {
      this.joinPromise = undefined;
    });
    return withJoinTimeout(
      this.joinPromise,
      params.timeoutInMs,
      this.host.config.clock,
      () => this.progressOfJoin.phase,
    );
  }

  private async runJoin(params: HamokJoinParams): Promise<void> {
    const { host } = this;
    this.lifecycle.transition("joining");
    let attached = false;
    try {
      if (params.transport !== undefined) {
        this.progressOfJoin.set("opening-transport");
        await this.wiring.attach(params.transport);
        attached = true;
      }
      if (this.peer === undefined) await enterCluster(this.entryHost(), params);
      host.start();
      this.sendJoinRequestIfNeeded();
      await this.until(() => {
        const caughtUp = this.caughtUp();
        const settled = caughtUp && this.settledRole();
        const peer = this.peer;
        this.progressOfJoin.waiting({
          member: peer?.isMember() ?? false,
          leaderKnown: peer?.leaderId !== undefined,
          caughtUp,
          settledRole: settled,
        });
        return settled;
      });
      // leave() may have started meanwhile: then the peer is on its way out, not joined.
      if (this.lifecycle.state !== "joining") return;
      this.progressOfJoin.set("joined");
      this.lifecycle.transition("joined");
      host.events.emit("joined");
      this.resolveJoinedOnce();
    } catch (error) {
      // A failed join leaves no half-open room behind: the caller may try again with a new transport.
      if (attached && this.peer === undefined) await this.wiring.close();
      if (this.lifecycle.state === "joining") this.lifecycle.transition("idle");
      this.progressOfJoin.set("idle");
      throw error;
    }
  }

  private discoveryHost(): DiscoveryHost {
    const { host } = this;
    return {
      localPeerId: host.localPeerId,
      canLead: !host.config.onlyFollower,
      authoritative: this.wiring.attached,
      settleInMs: 2 * host.config.heartbeatInMs,
      clock: host.config.clock,
      roomMembers: () => this.roomMembers(),
      sendHello: () => this.announcements.hello(undefined),
      assertOpen: () => host.assertOpen(),
    };
  }

  private roomMembers(): ReadonlySet<string> {
    const members = new Set(this.knownPeers);
    for (const peerId of this.wiring.members()) members.add(peerId);
    members.delete(this.host.localPeerId);
    return members;
  }

  private entryHost(): EntryHost {
    return {
      config: this.host.config,
      localPeerId: this.host.localPeerId,
      replicated: this.host.replicated,
      discovery: this.discovery,
      discoveryHost: () => this.discoveryHost(),
      createPeer: (clusterId, restore) => this.createPeer(clusterId, restore),
      announceOnceLed: () => this.announcements.announceOnceLed(),
      leaderFound: (leaderId) => {
        this.announcements.leaderHint = leaderId;
      },
      progress: (phase) => this.progressOfJoin.set(phase),
      reachable: () => this.wiring.attached || this.host.events.listenerCount("message") > 0,
    };
  }

  private createPeer(clusterId: string, restore: RaftRestoreState): RaftPeer {
    const { host } = this;
    this.clusterId = clusterId;
    const peerHost: RaftPeerHost = {
      config: host.config,
      plan: host.plan,
      logs: host.config.raftLogs,
      replicated: host.replicated,
      requests: host.requests,
      barriers: host.barriers,
      reportError: (error) => host.reportError(error),
      emit: <E extends keyof HamokEvents>(event: E, ...args: HamokEvents[E]) => this.relay(event, args),
      sendRaft: (message) => host.sendRaft(message),
      onTick: () => this.onTick(),
      onReady: () => this.progress(),
      onFatal: (error) => host.fail(error),
    };
    const peer = new RaftPeer(peerHost, restore);
    this.peer = peer;
    // From idle to the core's first role.
    const state = peer.state;
    host.events.emit("state-changed", state, "idle");
    if (state === "leader") host.events.emit("leader");
    else if (state === "follower") host.events.emit("follower");
    else host.events.emit("candidate");
    return peer;
  }

  private relay<E extends keyof HamokEvents>(event: E, args: HamokEvents[E]): void {
    const { host } = this;
    (host.events.emit as (event: E, ...rest: HamokEvents[E]) => boolean)(event, ...args);
    if (event === "remote-peer-joined" || event === "remote-peer-left") host.peersChanged();
    if (event === "leader-changed") {
      if (args[0] !== undefined) this.rejoin.leaderSeen();
      host.leaderChanged(args[0] as string | undefined);
    }
    // Tell a removed peer at once: a leaving peer waits for exactly this confirmation.
    if (event === "remote-peer-left" && this.peer?.state === "leader") {
      this.announcements.endpointState(args[0] as string);
    }
    if (event === "remote-peer-left" && host.config.autoStopOnNoRemotePeers && host.remotePeerIds.size === 0) {
      host.stop();
    }
  }

  private caughtUp(): boolean {
    const peer = this.peer;
    if (peer === undefined || !peer.isMember() || peer.leaderId === undefined) return false;
    return peer.caughtUp();
  }

  private settledRole(): boolean {
    const peer = this.peer;
    if (peer === undefined) return false;
    this.learnerSince ??= this.host.config.clock.now();
    return settledRole(this.host.config, peer, this.learnerSince);
  }

  /** Resolve when `check()` holds (re-checked after every Ready and tick); rejects `Closed` on close. */
  until(check: () => boolean, timeoutInMs?: number): Promise<void> {
    return this.conditions.until(check, timeoutInMs);
  }

  private progress(): void {
    this.announcements.progress(this.peer?.leaderId);
    this.conditions.recheck();
  }

  private onTick(): void {
    this.ticks++;
    const peer = this.peer;
    this.progress();
    if (peer === undefined || this.lifecycle.isLeavingOrLeft) return;
    const { host } = this;
    // Requests whose forward (or its answer) may be lost are re-proposed after two heartbeats (then
    // backing off), unless our log holds them already; the log applies each once (session, seq).
    // Unanswered read barriers are asked again every heartbeat: the leader merges a repeat of a
    // pending one, and a lost request or answer costs one heartbeat, not the whole timeout.
    if (peer.leaderId !== undefined) {
      host.requests.retry(2 * host.config.heartbeatInMs);
      host.barriers.retry(true, host.config.heartbeatInMs);
    }
    // Only members hear from a leader (it replicates to nobody else), so a leader in contact means we are back.
    // In contact, not merely known: a learner never campaigns, so it never forgets a leader that stopped
    // replicating to it (removed it, or left), and would otherwise wait for it forever.
    const led = peer.isMember() && peer.leaderInContact(host.config.electionTimeoutInMs);
    if (led) this.announcements.excluded = false;
    if (this.ticks % 3 === 0) this.sendJoinRequestIfNeeded();
    if (!this.lifecycle.isJoined) return;
    const verdict = this.rejoin.tick(led);
    if (verdict === "led") {
      if (this.lifecycle.state === "rejoining" && this.caughtUp()) {
        this.lifecycle.transition("joined");
        host.events.emit("joined");
      }
      return;
    }
    if (verdict === "waiting") return;
    // A long stretch without a leader (or out of the configuration): look around again.
    if (this.lifecycle.state === "joined") {
      this.lifecycle.transition("rejoining");
      host.events.emit("rejoining");
    }
    this.announcements.hello(undefined);
  }

  private sendJoinRequestIfNeeded(): void {
    const peer = this.peer;
    if (peer === undefined || this.clusterId === undefined || this.lifecycle.isLeavingOrLeft) return;
    // A restarted member may have been removed while it was away (its own log cannot know):
    // until it hears a leader it asks too; a leader ignores requests from current members.
    // A member removed while cut off (or while it was down) only learns it from the others' announcements.
    const unsure = !this.lifecycle.isJoined && peer.leaderId === undefined;
    if (peer.isMember() && !unsure && !this.announcements.excluded) return;
    // A leader out of contact may be stale (a learner never drops it): the latest announcement knows better.
    const inContact = peer.leaderInContact(this.host.config.electionTimeoutInMs);
    const target = inContact ? peer.leaderId : (this.announcements.leaderHint ?? peer.leaderId);
    // Every few unanswered requests, ask the room again: the target may have left or lost the lead since
    // we heard of it (a silent crash tells nobody), and only a fresh announcement names the current leader.
    if (target === undefined || ++this.joinRequestsSent % 5 === 0) this.announcements.hello(undefined);
    if (target !== undefined) this.announcements.joinRequest(target, this.clusterId);
  }

  private announcedView(): AnnouncedView {
    return announcedView(this.lifecycle.state, this.peer, this.discovery);
  }

  /** Answer a hello (or announce a new cluster to everyone). */
  sendEndpointState(destinationId: string | undefined): void {
    this.announcements.endpointState(destinationId);
  }

  /** A hello or endpoint-state arrived. */
  onAnnouncement(sourceId: string, clusterId: string | undefined, peer: PeerAnnouncement): void {
    this.discovery.onAnnouncement(sourceId, clusterId, peer);
    if (clusterId === undefined || clusterId !== this.clusterId) return;
    this.announcements.observe(sourceId, peer);
    if (this.peer !== undefined) {
      const room = this.wiring.attached ? this.wiring.members() : undefined;
      trustAnnouncement(this.peer, this.host.localPeerId, sourceId, peer, room);
    }
    this.progress();
  }

  /** Whether `peerId` is outside our configuration, once we have one. */
  isOutsider(peerId: string): boolean {
    return this.peer?.isOutsider(peerId) ?? false;
  }

  /** A Raft message for us: a stopped peer behaves as a frozen one and hears nothing. */
  stepRaft(message: RaftMessage): void {
    const peer = this.peer;
    if (peer === undefined || !peer.running) return;
    peer.step(message);
  }

  /** A peer asks to join our cluster. */
  onJoinRequest(sourceId: string, clusterId: string, onlyFollower: boolean): void {
    const peer = this.peer;
    if (peer === undefined || clusterId !== this.clusterId) return;
    if (peer.state === "leader") peer.onJoinRequest(sourceId, onlyFollower);
    // Not the leader: say who is, so the joiner can ask again there.
    else this.announcements.endpointState(sourceId);
  }

  /** A room member left (transport) or was removed by the user. */
  peerLeft(peerId: string): void {
    this.knownPeers.delete(peerId);
    this.discovery.forget(peerId);
    // A leader that left the room can no longer add us: discover who leads now.
    if (this.announcements.leaderHint === peerId) this.announcements.leaderHint = undefined;
    const peer = this.peer;
    if (peer === undefined) return;
    peer.departed.add(peerId);
    if (peer.state === "leader") peer.runMembership();
  }

  /**
   * A room member appeared: if we saw it leave, it is back (a reloaded tab, or a new tab that adopted its database):
   * it is no longer departed, so a leader does not remove a live member for a departure it outlived.
   */
  peerJoined(peerId: string): void {
    // A stand-in of ours appearing is not the member coming back.
    if (this.standingIn.has(peerId)) return;
    this.peer?.departed.delete(peerId);
    // A link that comes (back) up is where a member removed meanwhile can first hear so: a thawed tab re-dials the
    // room after its channels died in the freeze, and the hello it sent on `resume` went nowhere. Ask at once (the
    // answer names the configuration, see `checkMembership`) rather than at the next periodic look (issue 10 case 4).
    if (this.peer?.running === true && this.lifecycle.isJoined && !this.lifecycle.isLeavingOrLeft) {
      this.announcements.hello(peerId);
    }
  }

  /**
   * The dead members this peer stands in for (`stand-ins.ts`) changed. They count as departed here: when this peer
   * leads it removes them itself, without waiting for a stand-in's own request (which a failed channel may lose).
   */
  standInsChanged(peerIds: readonly string[]): void {
    this.standingIn.clear();
    for (const peerId of peerIds) this.standingIn.add(peerId);
    const peer = this.peer;
    if (peer === undefined) return;
    for (const peerId of peerIds) peer.departed.add(peerId);
    if (peer.state === "leader") peer.runMembership();
  }

  /** See `Hamok.fetchRemotePeers`. */
  async fetchRemotePeers(timeoutInMs: number): Promise<HamokFetchRemotePeersResponse> {
    const room = this.roomMembers();
    this.announcements.hello(undefined);
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

  /**
   * Whether this peer can learn its requests' outcomes now: joined (not rejoining), a member as far as the others
   * say too (not excluded by the announcements), with a leader, caught up; with `sinceMs`, that leader also
   * replicated to it since then (a thawed page's own view of its leader and membership is from before the freeze).
   */
  inSync(sinceMs?: number): boolean {
    const peer = this.peer;
    if (peer === undefined || this.lifecycle.state !== "joined" || this.announcements.excluded) return false;
    if (!peer.isMember() || peer.leaderId === undefined || !peer.caughtUp()) return false;
    return (
      sinceMs === undefined || !Number.isFinite(sinceMs) || peer.leaderInContact(this.host.config.clock.now() - sinceMs)
    );
  }

  /**
   * The page runs again after a freeze or a back/forward cache stay (issue 10 case 4): everyone answers a hello
   * with the leader's configuration, so a member removed meanwhile learns it at once (`announcements.excluded`)
   * and asks to be re-added, instead of campaigning against a cluster that moved on (PreVote keeps such a
   * campaign from disrupting the leader, but the member would stay out until its next periodic check).
   */
  checkMembership(): void {
    if (this.peer === undefined || this.lifecycle.isLeavingOrLeft) return;
    this.announcements.hello(undefined);
    this.sendJoinRequestIfNeeded();
  }

  /** See `Hamok.unsafeForceNewCluster` (`force-new-cluster.ts`). */
  async forceNewCluster(): Promise<void> {
    const { host } = this;
    host.assertOpen();
    if (this.lifecycle.isLeavingOrLeft) throw new HamokError("NotMember", "this peer left its cluster");
    await forceNewCluster({
      localPeerId: host.localPeerId,
      logs: host.config.raftLogs,
      replicated: host.replicated,
      peer: this.peer,
      clusterId: this.clusterId,
      createPeer: (clusterId, restore) => this.createPeer(clusterId, restore),
    });
    this.progress();
  }

  /** See `Hamok.leave`. */
  leave(): Promise<void> {
    if (this.host.isClosed()) return Promise.reject(new HamokError("Closed", "Hamok is closed"));
    if (this.lifecycle.state === "left") return Promise.resolve();
    this.leavePromise ??= this.runLeave();
    return this.leavePromise;
  }

  private async runLeave(): Promise<void> {
    const { host } = this;
    this.lifecycle.transition("leaving");
    const peer = this.peer;
    if (peer !== undefined) {
      await departGracefully(
        {
          localPeerId: host.localPeerId,
          clock: host.config.clock,
          patienceInMs: host.config.electionTimeoutInMs,
          retryInMs: host.config.heartbeatInMs,
          activeWithinTicks: host.plan.electionTicks,
          until: (check, timeoutInMs) => this.until(check, timeoutInMs),
          leaderMembers: () => this.announcements.leaderMembers,
          forgetLeaderMembers: () => {
            this.announcements.leaderMembers = undefined;
          },
          hello: (peerId) => this.announcements.hello(peerId),
        },
        peer,
      );
    }
    host.stop();
    peer?.close();
    // close() may have run meanwhile: then the peer is stopped, which is final.
    if (this.lifecycle.state === "leaving") this.lifecycle.transition("left");
    await this.wiring.close();
    host.events.emit("left");
  }

  /** Hamok is closing: fail waiters, release the transport. */
  async close(): Promise<void> {
    if (this.lifecycle.state !== "stopped") this.lifecycle.transition("stopped");
    this.conditions.rejectAll(new HamokError("Closed", "Hamok was closed"));
    await this.wiring.close();
  }
}
