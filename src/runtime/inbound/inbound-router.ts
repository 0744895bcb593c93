import { HamokError } from "../../errors.js";
import {
  HAMOK_PROTOCOL,
  type HamokMessage,
  type PeerAnnouncement,
  type StorageDirectEnvelope,
} from "../../messages/hamok-message.js";
import { validateHamokMessage } from "../../messages/validate.js";
import type { RaftMessage } from "../../raft/types.js";
import type { CollectionConnection } from "../collections/collection-connection.js";
import type { HamokConfig } from "../peer/config.js";

/** What the router needs of its peer. */
export interface RouterHost {
  readonly config: HamokConfig;
  readonly localPeerId: string;
  readonly counters: { received: number; dropped: number };
  isClosed(): boolean;
  reportError(error: HamokError): void;
  send(message: HamokMessage): void;
}

/** The membership side of inbound traffic: announcements, join requests, Raft messages. */
export interface RouterMembership {
  readonly clusterId: string | undefined;
  onAnnouncement(sourceId: string, clusterId: string | undefined, peer: PeerAnnouncement): void;
  sendEndpointState(destinationId: string | undefined): void;
  onJoinRequest(sourceId: string, clusterId: string, onlyFollower: boolean): void;
  /** Feed a Raft message to the running core (dropped when none runs). */
  stepRaft(message: RaftMessage): void;
  /** Whether `peerId` is outside the configuration, once this peer has one. */
  isOutsider(peerId: string): boolean;
}

/** Distinct senders reported per kind of refusal; beyond it refusals are only counted. */
const MAX_REPORTED = 1024;

/**
 * Where every inbound message goes after validation: discovery answers, join
 * requests, Raft traffic, collection direct messages. Foreign clusters are
 * refused here, so nothing of another cluster reaches the core.
 */
export class InboundRouter {
  /** Foreign (cluster, peer) pairs already reported, so one stray peer does not flood `error`. */
  private readonly reportedForeign = new Set<string>();
  /** Outsiders whose collection messages were already reported (bounded: a flood of ids reports once each). */
  private readonly reportedOutsiders = new Set<string>();
  /** Reserved direct-message channels of runtime modules (no collection uses their ids). */
  private readonly channels = new Map<string, (message: StorageDirectEnvelope) => void>();

  constructor(
    private readonly hamok: RouterHost,
    private readonly membership: RouterMembership,
    private readonly connections: ReadonlyMap<string, CollectionConnection>,
  ) {}

  /** See `Hamok.accept`. Never throws. */
  accept(raw: unknown): void {
    const { hamok } = this;
    if (hamok.isClosed()) return;
    try {
      hamok.counters.received++;
      const verdict = validateHamokMessage(raw, { maxMessageBytes: hamok.config.maxMessageBytes });
      if (!verdict.ok) {
        hamok.counters.dropped++;
        hamok.reportError(new HamokError(verdict.code, `dropped an inbound message: ${verdict.reason}`));
        return;
      }
      this.route(verdict.message);
    } catch (error) {
      hamok.counters.dropped++;
      hamok.reportError(new HamokError("InvalidMessage", "failed to process an inbound message", { cause: error }));
    }
  }

  private route(message: HamokMessage): void {
    const { hamok, membership } = this;
    if (message.sourceId === hamok.localPeerId) return;
    if (message.destinationId !== undefined && message.destinationId !== hamok.localPeerId) return;
    const ours = membership.clusterId;
    if (message.clusterId !== undefined && ours !== undefined && message.clusterId !== ours) {
      hamok.counters.dropped++;
      const key = `${message.clusterId}/${message.sourceId}`;
      if (!this.reportedForeign.has(key)) {
        this.reportedForeign.add(key);
        hamok.reportError(
          new HamokError(
            "ForeignCluster",
            `peer ${message.sourceId} belongs to cluster ${message.clusterId}, not ${ours}`,
          ),
        );
      }
      return;
    }
    switch (message.type) {
      case "hello":
        membership.onAnnouncement(message.sourceId, message.clusterId, message.peer);
        membership.sendEndpointState(message.sourceId);
        return;
      case "endpoint-state":
        membership.onAnnouncement(message.sourceId, message.clusterId, message.peer);
        return;
      case "join-request":
        membership.onJoinRequest(message.sourceId, message.clusterId, message.onlyFollower);
        return;
      case "raft":
        if (ours === undefined || message.raft.to !== hamok.localPeerId) return;
        membership.stepRaft(message.raft);
        return;
      case "storage": {
        // Collections talk only among members (DESIGN.md section 4, threat model): a stranger in the room or a
        // same-origin script must not reach an app's emitter listeners nor draw answers.
        if (membership.isOutsider(message.sourceId)) {
          this.dropOutsider(message.sourceId);
          return;
        }
        const channel = this.channels.get(message.storageId);
        if (channel !== undefined) channel(message);
        else this.connections.get(message.storageId)?.direct(message.payload, message.sourceId);
        return;
      }
    }
  }

  private dropOutsider(sourceId: string): void {
    this.hamok.counters.dropped++;
    if (this.reportedOutsiders.has(sourceId) || this.reportedOutsiders.size >= MAX_REPORTED) return;
    this.reportedOutsiders.add(sourceId);
    this.hamok.reportError(
      new HamokError("NotMember", `dropped collection messages from ${sourceId}: it is not in the configuration`),
    );
  }

  /**
   * Deliver the validated direct messages of the reserved channel `storageId` to `handler` (a runtime module's
   * own traffic, such as page visibility), so that every inbound message takes this one validated path.
   * Returns the unsubscribe function.
   */
  onChannel(storageId: string, handler: (message: StorageDirectEnvelope) => void): () => void {
    this.channels.set(storageId, handler);
    return () => {
      if (this.channels.get(storageId) === handler) this.channels.delete(storageId);
    };
  }

  /** Send a collection's direct message to one peer or all. */
  sendDirect(storageId: string, payload: unknown, destinationId: string | undefined): void {
    const clusterId = this.membership.clusterId;
    const base = {
      protocol: HAMOK_PROTOCOL,
      type: "storage",
      sourceId: this.hamok.localPeerId,
      storageId,
      payload,
    } as const;
    const withCluster = clusterId === undefined ? base : { ...base, clusterId };
    this.hamok.send(destinationId === undefined ? withCluster : { ...withCluster, destinationId });
  }
}
