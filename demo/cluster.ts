import {
  Hamok,
  type HamokEmitter,
  type HamokMap,
  type HamokMessage,
  type HamokQueue,
  type HamokRecord,
  type HamokTransport,
} from "../src/index";
import { claimPeerId } from "../src/storage/claim-peer-id";
import { createIndexedDbRaftLogs, type IndexedDbRaftLogs } from "../src/storage/indexeddb/index";
import type { PeerIdentity } from "../src/storage/peer-identity";
import { webrtcTransport } from "../src/transport/webrtc/index";
import type { DemoConfig } from "./config";
import { type Activity, type BoardSettings, COLLECTION_IDS, type PresenceEvents, type Task } from "./model";
import { TrafficCounters } from "./traffic";

/** Where this tab stands in the cluster, as the inspector shows it. */
export type ConnectionPhase = "connecting" | "joining" | "joined" | "rejoining" | "left" | "failed";

/** Everything the demo runs on: one Hamok peer, its storage, transport and collections. */
export interface DemoCluster {
  readonly config: DemoConfig;
  readonly hamok: Hamok;
  readonly identity: PeerIdentity;
  /** True when this new tab took over the database of a closed one (see `claimPeerId`). */
  readonly adoptedPeerId: boolean;
  readonly storage: IndexedDbRaftLogs;
  readonly transport: HamokTransport<HamokMessage>;
  readonly traffic: TrafficCounters;
  readonly tasks: HamokMap<string, Task>;
  readonly board: HamokRecord<BoardSettings>;
  readonly activity: HamokQueue<Activity>;
  readonly presence: HamokEmitter<PresenceEvents>;
  /** The current phase; `phaseChanged` listeners hear every change. */
  phase: ConnectionPhase;
  /** The last error reported by Hamok or the storage, for the inspector. */
  lastError: string | undefined;
}

/**
 * Build the peer of this tab: claim a peer id, open its IndexedDB storage, create the collections (before
 * joining, so that they show the persisted state as soon as the log is restored). Call {@link joinCluster} next.
 */
export async function createDemoCluster(config: DemoConfig): Promise<DemoCluster> {
  const { identity, adopted } = await claimPeerId({ room: config.room });
  const storage = createIndexedDbRaftLogs({ room: config.room, peerId: identity.peerId });
  const hamok = new Hamok({
    peerId: identity.peerId,
    raftLogs: storage,
    snapshotThresholdEntries: config.snapshotEvery,
    // A hidden tab hands leadership to a visible one; pagehide leaves the cluster gracefully (DESIGN §5).
    pageLifecycle: true,
  });
  const transport = webrtcTransport<HamokMessage>({ url: config.signalUrl, room: config.room });
  const traffic = new TrafficCounters();
  traffic.watch(hamok, transport);
  const cluster: DemoCluster = {
    config,
    hamok,
    identity,
    adoptedPeerId: adopted,
    storage,
    transport,
    traffic,
    tasks: hamok.createMap<string, Task>({ mapId: COLLECTION_IDS.tasks }),
    board: hamok.createRecord<BoardSettings>({ recordId: COLLECTION_IDS.board }),
    activity: hamok.createQueue<Activity>({ queueId: COLLECTION_IDS.activity }),
    presence: hamok.createEmitter<PresenceEvents>({ emitterId: COLLECTION_IDS.presence }),
    phase: "connecting",
    lastError: undefined,
  };
  const report = (error: Error) => {
    cluster.lastError = error.message;
  };
  hamok.on("error", report);
  hamok.on("error", (error) => console.warn(`hamok: ${error.code}: ${error.message}`));
  hamok.on("state-changed", (state) => console.info(`hamok: ${state}, term ${hamok.raft.term}`));
  storage.on("error", report);
  hamok.on("joined", () => {
    cluster.phase = "joined";
  });
  hamok.on("rejoining", () => {
    cluster.phase = "rejoining";
  });
  hamok.on("left", () => {
    cluster.phase = "left";
  });
  return cluster;
}

/** Enter the room and join (or bootstrap) the cluster. Resolves once caught up. */
export async function joinCluster(cluster: DemoCluster): Promise<void> {
  cluster.phase = "joining";
  try {
    await cluster.hamok.join({ transport: cluster.transport });
  } catch (error) {
    cluster.phase = "failed";
    cluster.lastError = error instanceof Error ? error.message : String(error);
    throw error;
  }
}
