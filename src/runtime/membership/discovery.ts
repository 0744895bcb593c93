import type { ClockTimer, HamokClock } from "../../clock.js";
import { HamokError } from "../../errors.js";
import type { PeerAnnouncement } from "../../messages/hamok-message.js";

/**
 * Deciding how `join()` enters a cluster. Peers announce themselves (hello,
 * endpoint-state) with their cluster, leader and whether they are joining.
 * The decision, re-evaluated on every announcement:
 *
 * - a cluster with a known leader was heard: ask that leader to add us;
 * - nobody is in the room (an authoritative transport said so), or nobody
 *   answered any round: bootstrap a single-node cluster (a first tab works alone);
 * - only cluster-less joining peers answered: the lowest id among them (and us,
 *   and the joining peers they heard) that may lead bootstraps; the others wait
 *   for its announcement. So two peers that start at once never form two clusters.
 * - an authoritative transport named a room member we have not heard yet (its
 *   channel opens later): nobody bootstraps until it is heard or leaves the
 *   room, since it may already lead a cluster. Such rounds do not count against
 *   `maxRetry`: the transport says the member is there, only late.
 */

/** The parameters of `join()`. */
export interface JoinParams {
  /** How long one discovery round waits for answers, in ms. Default 5000. */
  readonly fetchRemotePeerTimeoutInMs?: number;
  /**
   * Further rounds after the first when nothing decides (-1: unlimited, 0: none). Default 3.
   * Rounds spent waiting for a room member that an authoritative transport named but that has
   * not answered yet do not count: such a peer waits until it is heard or leaves the room.
   */
  readonly maxRetry?: number;
}

/** What discovery decided. */
export type JoinDecision =
  | { readonly kind: "bootstrap" }
  | { readonly kind: "join"; readonly clusterId: string; readonly leaderId: string };

interface Heard {
  readonly clusterId: string | undefined;
  readonly peer: PeerAnnouncement;
}

/** What discovery needs from its peer. */
export interface DiscoveryHost {
  readonly localPeerId: string;
  /** Whether this peer may lead (not `onlyFollower`). */
  readonly canLead: boolean;
  /** Known room members: from an authoritative transport and `addRemotePeerId()`. */
  roomMembers(): ReadonlySet<string>;
  /** Whether `roomMembers()` is authoritative (a transport that knows the room). */
  readonly authoritative: boolean;
  /** Broadcast a hello. */
  sendHello(): void;
  /** Throws `Closed` if the peer was closed meanwhile. */
  assertOpen(): void;
  /** Quiet time after the last new answer that ends a round early, in ms. */
  readonly settleInMs: number;
  /** Round deadlines and settle timers. */
  readonly clock: HamokClock;
}

/** Announcements heard by one peer, and the decision procedure. */
export class Discovery {
  private readonly heard = new Map<string, Heard>();
  private wake: (() => void) | undefined;

  /** Record an announcement (hello or endpoint-state) from `sourceId`. */
  onAnnouncement(sourceId: string, clusterId: string | undefined, peer: PeerAnnouncement): void {
    const known = this.heard.has(sourceId);
    this.heard.set(sourceId, { clusterId, peer });
    if (!known || (clusterId !== undefined && peer.leaderId !== undefined)) this.wake?.();
  }

  /** Forget a peer that left the room. */
  forget(peerId: string): void {
    this.heard.delete(peerId);
    // The room shrank: an unheard member we waited for may be the one that left.
    this.wake?.();
  }

  /** Peers heard so far (answers to `fetchRemotePeers()`). */
  heardPeers(): Map<string, Heard> {
    return new Map(this.heard);
  }

  /** Run hello rounds until a decision. Rejects `JoinFailed` when rounds run out while waiting for a lower peer. */
  async decide(host: DiscoveryHost, params: JoinParams): Promise<JoinDecision> {
    const timeout = params.fetchRemotePeerTimeoutInMs ?? 5000;
    const maxRetry = params.maxRetry ?? 3;
    if (!(timeout > 0) || !Number.isInteger(maxRetry) || maxRetry < -1) {
      throw new HamokError("InvalidArgument", "fetchRemotePeerTimeoutInMs must be > 0 and maxRetry an integer >= -1");
    }
    for (let round = 0; maxRetry === -1 || round <= maxRetry; ) {
      host.assertOpen();
      const early = this.evaluate(host, false);
      if (early !== undefined) return early;
      host.sendHello();
      const decision = await this.round(host, timeout);
      if (decision !== undefined) return decision;
      if (this.unheardMembers(host).length === 0) round++;
    }
    host.assertOpen();
    if (this.heard.size === 0 && host.canLead) return { kind: "bootstrap" };
    throw new HamokError("JoinFailed", "no cluster was found and another peer is expected to bootstrap it");
  }

  private round(host: DiscoveryHost, timeout: number): Promise<JoinDecision | undefined> {
    return new Promise((resolve) => {
      const { clock } = host;
      const started = clock.now();
      let settleTimer: ClockTimer | undefined;
      const finish = (decision: JoinDecision | undefined) => {
        clock.clearTimeout(deadline);
        clock.clearTimeout(settleTimer);
        this.wake = undefined;
        resolve(decision);
      };
      const deadline = clock.setTimeout(() => finish(this.evaluate(host, true)), timeout);
      this.wake = () => {
        const decision = this.evaluate(host, false);
        if (decision !== undefined) return finish(decision);
        // Answers came: end the round once they stop coming (no need to wait out the timeout).
        clock.clearTimeout(settleTimer);
        const left = timeout - (clock.now() - started);
        settleTimer = clock.setTimeout(() => finish(this.evaluate(host, true)), Math.min(host.settleInMs, left));
      };
    });
  }

  /** The decision now, or `undefined` to keep listening. `final`: the round is over. */
  private evaluate(host: DiscoveryHost, final: boolean): JoinDecision | undefined {
    const cluster = this.bestCluster();
    if (cluster !== undefined) return cluster;
    const room = host.roomMembers();
    if (host.authoritative && room.size === 0 && this.heard.size === 0 && host.canLead) return { kind: "bootstrap" };
    const roomHeard = room.size > 0 && [...room].every((peerId) => this.heard.has(peerId));
    if (!final && !roomHeard) return undefined;
    // An authoritative member not heard yet may lead a cluster already: never bootstrap past it.
    if (this.unheardMembers(host).length > 0) return undefined;
    // Someone belongs to a cluster whose leader is unknown yet: wait for it rather than split.
    for (const heard of this.heard.values()) if (heard.clusterId !== undefined) return undefined;
    const candidates = this.bootstrapCandidates(host);
    if (candidates.length === 0) return undefined;
    const lowest = candidates.sort()[0];
    return lowest === host.localPeerId && this.heard.size > 0 ? { kind: "bootstrap" } : undefined;
  }

  private bestCluster(): JoinDecision | undefined {
    let best: { clusterId: string; leaderId: string; size: number } | undefined;
    for (const { clusterId, peer } of this.heard.values()) {
      if (clusterId === undefined || peer.leaderId === undefined) continue;
      const size = peer.members.length;
      if (best === undefined || size > best.size || (size === best.size && clusterId < best.clusterId)) {
        best = { clusterId, leaderId: peer.leaderId, size };
      }
    }
    return best && { kind: "join", clusterId: best.clusterId, leaderId: best.leaderId };
  }

  /** Members an authoritative transport named that have not answered yet. */
  private unheardMembers(host: DiscoveryHost): string[] {
    if (!host.authoritative) return [];
    return [...host.roomMembers()].filter((peerId) => !this.heard.has(peerId));
  }

  /** Cluster-less joining peers that may lead: us, those we heard, and the joining peers they heard. */
  private bootstrapCandidates(host: DiscoveryHost): string[] {
    const candidates = new Set<string>();
    if (host.canLead) candidates.add(host.localPeerId);
    for (const [peerId, { peer }] of this.heard) {
      if (!peer.joining) continue;
      if (peer.canLead) candidates.add(peerId);
      for (const member of peer.members) if (member !== host.localPeerId) candidates.add(member);
    }
    return [...candidates];
  }
}
