import {
  Hamok,
  type HamokEmitter,
  HamokError,
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
  /** The WebRTC transport of the current (or last) join attempt: a failed attempt's transport is replaced. */
  transport: HamokTransport<HamokMessage>;
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
    ...(config.pageLifecycle === undefined ? {} : { pageLifecycle: config.pageLifecycle }),
    // A closed or crashed tab of this browser is stood in for until its removal commits (issue 10).
    standIns: {
      room: config.room,
      transport: () => webrtcTransport<HamokMessage>({ url: config.signalUrl, room: config.room }),
    },
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

/** How {@link joinCluster} waits between attempts while the signaling server is unreachable. */
export interface JoinRetry {
  /** First wait, in ms; doubles up to {@link maxDelayMs}. */
  readonly delayMs: number;
  readonly maxDelayMs: number;
}

/** Retry after 1 s, then 2 s, 4 s, up to every 8 s: a server that comes back is found within seconds. */
export const DEFAULT_JOIN_RETRY: JoinRetry = { delayMs: 1_000, maxDelayMs: 8_000 };

/**
 * Enter the room and join (or bootstrap) the cluster. Resolves once caught up. While the signaling server cannot
 * be reached (down at page open, or not started yet), every attempt fails with `TransportFailure` after the
 * transport's open timeout; the tab then waits and tries again with a new transport (a failed `join()` leaves no
 * half-open room behind), for as long as the page lives, showing `connecting` and the last error meanwhile. Any
 * other failure (`PeerIdInUse`, a refused token, ...) is final: retrying would not change the answer.
 */
export async function joinCluster(cluster: DemoCluster, retry: JoinRetry = DEFAULT_JOIN_RETRY): Promise<void> {
  let delay = retry.delayMs;
  for (let attempt = 0; ; attempt++) {
    cluster.phase = attempt === 0 ? "joining" : "connecting";
    try {
      await cluster.hamok.join({ transport: cluster.transport });
      return;
    } catch (error) {
      cluster.lastError = error instanceof Error ? error.message : String(error);
      if (!(error instanceof HamokError) || error.code !== "TransportFailure") {
        cluster.phase = "failed";
        throw error;
      }
      cluster.phase = "connecting";
      cluster.lastError = `${cluster.lastError} (retrying in ${Math.round(delay / 1000)} s)`;
      console.warn(`demo: join failed (${error.message}); retrying in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, retry.maxDelayMs);
      cluster.transport = webrtcTransport<HamokMessage>({ url: cluster.config.signalUrl, room: cluster.config.room });
      cluster.traffic.watchTransport(cluster.transport);
    }
  }
}
