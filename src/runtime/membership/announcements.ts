import { HAMOK_PROTOCOL, type HamokMessage, type PeerAnnouncement } from "../../messages/hamok-message.js";
import type { RaftPeer } from "../peer/raft-peer.js";
import type { Discovery } from "./discovery.js";
import type { PeerLifecycleState } from "./peer-lifecycle-state.js";

/** What this peer currently says about itself. */
export interface AnnouncedView {
  readonly joining: boolean;
  readonly term: number;
  readonly commit: number;
  readonly members: readonly string[];
  readonly leaderId: string | undefined;
}

/** What a peer in `state` announces, with its Raft peer (if any) and what discovery heard. */
export function announcedView(
  state: PeerLifecycleState,
  peer: RaftPeer | undefined,
  discovery: Discovery,
): AnnouncedView {
  const status = peer?.status();
  // A leaving peer still announces itself as a member while it has a Raft peer.
  const joining =
    state === "joining" || state === "joined" || state === "rejoining" || (state === "leaving" && peer !== undefined);
  if (status === undefined) {
    // No cluster yet: name the cluster-less joining peers we heard, so that all agree on who bootstraps.
    const members = [...discovery.heardPeers()]
      .filter(([, heard]) => heard.clusterId === undefined && heard.peer.joining && heard.peer.canLead)
      .map(([peerId]) => peerId);
    return { joining, term: 0, commit: 0, members, leaderId: undefined };
  }
  const { voters, learners } = status.confState;
  return {
    joining,
    term: status.term,
    commit: status.commit,
    members: [...voters, ...learners],
    leaderId: peer?.leaderId,
  };
}

/** What announcements need of their peer. */
export interface AnnouncementsHost {
  readonly localPeerId: string;
  readonly onlyFollower: boolean;
  readonly clusterId: string | undefined;
  /** The view to announce now. */
  view(): AnnouncedView;
  send(message: HamokMessage): void;
}

/**
 * The announcements a peer sends (hello, endpoint-state, join request) and what it learns from those of its
 * own cluster: who leads (a hint for the join request), the members that leader announced (how a leaving
 * peer learns its removal committed) and whether a leader's configuration lacks us (we were removed while
 * away and must ask to be added again).
 */
export class Announcements {
  /** The leader last named by our cluster's announcements (or by discovery). */
  leaderHint: string | undefined;
  /** The members the leader of our cluster last announced (to confirm our own removal). */
  leaderMembers: readonly string[] | undefined;
  /** A peer of our cluster that knows a leader announced a configuration without us: we were removed. */
  excluded = false;
  /** A bootstrapped cluster is announced to everyone once it has its leader. */
  private announceWhenLed = false;

  constructor(private readonly host: AnnouncementsHost) {}

  /** Announce the new cluster to everyone as soon as it has a leader. */
  announceOnceLed(): void {
    this.announceWhenLed = true;
  }

  /** After every Ready and tick: send the pending bootstrap announcement once a leader is known. */
  progress(leaderId: string | undefined): void {
    if (!this.announceWhenLed || leaderId === undefined) return;
    this.announceWhenLed = false;
    this.endpointState(undefined);
  }

  /** An announcement of `sourceId`, of our cluster, arrived. */
  observe(sourceId: string, peer: PeerAnnouncement): void {
    if (peer.leaderId !== undefined) {
      this.leaderHint = peer.leaderId;
      // A leader's (or its follower's) configuration without us: ask to be added again (a leader ignores
      // the request from a current member, so a stale view here costs one message).
      const self = this.host.localPeerId;
      if (peer.leaderId !== self) this.excluded = !peer.members.includes(self);
    }
    if (peer.leaderId === sourceId) this.leaderMembers = peer.members;
  }

  hello(destinationId: string | undefined): void {
    this.send("hello", destinationId);
  }

  /** Answer a hello (or announce a new cluster to everyone). */
  endpointState(destinationId: string | undefined): void {
    this.send("endpoint-state", destinationId);
  }

  /** Ask `leaderId` to add us to `clusterId`. */
  joinRequest(leaderId: string, clusterId: string): void {
    this.host.send({
      protocol: HAMOK_PROTOCOL,
      type: "join-request",
      sourceId: this.host.localPeerId,
      destinationId: leaderId,
      clusterId,
      onlyFollower: this.host.onlyFollower,
    });
  }

  private announcement(): PeerAnnouncement {
    const view = this.host.view();
    const base = {
      joining: view.joining,
      canLead: !this.host.onlyFollower,
      term: view.term,
      commit: view.commit,
      members: view.members,
    };
    return view.leaderId === undefined ? base : { ...base, leaderId: view.leaderId };
  }

  private send(type: "hello" | "endpoint-state", destinationId: string | undefined): void {
    const clusterId = this.host.clusterId;
    this.host.send({
      protocol: HAMOK_PROTOCOL,
      type,
      sourceId: this.host.localPeerId,
      peer: this.announcement(),
      ...(destinationId === undefined ? {} : { destinationId }),
      ...(clusterId === undefined ? {} : { clusterId }),
    });
  }
}
