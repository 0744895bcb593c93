import type { DemoCluster } from "./cluster";

/** One member of the cluster as this tab sees it. */
export interface PeerView {
  readonly peerId: string;
  readonly role: "leader" | "voter" | "learner";
  /** Whether this tab has an open data channel to it (always true for itself). */
  readonly connected: boolean;
  readonly self: boolean;
}

/** A plain, serialisable picture of this tab's peer: what the inspector shows and the tests read. */
export interface ClusterView {
  readonly peerId: string;
  readonly room: string;
  readonly phase: DemoCluster["phase"];
  readonly role: string;
  readonly term: number;
  readonly leaderId: string | undefined;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  /** Entries in the in-memory log (after the snapshot). */
  readonly logSize: number;
  readonly snapshotIndex: number;
  /** Entries and snapshot index in IndexedDB. */
  readonly storedEntries: number;
  readonly storedSnapshotIndex: number;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
  readonly peers: readonly PeerView[];
  /** Peers with an open data channel. */
  readonly channels: readonly string[];
  readonly adoptedPeerId: boolean;
  readonly reusedPeerId: boolean;
  /** Entries this page applied since it loaded (a snapshot install is not counted: see `snapshotChunksReceived`). */
  readonly appliedEntries: number;
  readonly snapshotChunksReceived: number;
  readonly messagesSent: number;
  readonly messagesReceived: number;
  readonly lastError: string | undefined;
}

/** Read the current state of this tab's peer. */
export function inspectCluster(cluster: DemoCluster): ClusterView {
  const { hamok, transport, traffic } = cluster;
  const raft = hamok.raft;
  const stored = cluster.storage.stats();
  const channels = [...transport.members()].sort();
  const open = new Set(channels);
  const peerIds = new Set([...raft.voters, ...raft.learners, ...channels]);
  const peers: PeerView[] = [...peerIds].sort().map((peerId) => ({
    peerId,
    role: peerId === raft.leaderId ? "leader" : raft.learners.includes(peerId) ? "learner" : "voter",
    connected: peerId === hamok.localPeerId || open.has(peerId),
    self: peerId === hamok.localPeerId,
  }));
  const totals = traffic.totals();
  return {
    peerId: hamok.localPeerId,
    room: cluster.config.room,
    phase: cluster.phase,
    role: raft.state,
    term: raft.term,
    leaderId: raft.leaderId,
    commitIndex: raft.commitIndex,
    appliedIndex: raft.appliedIndex,
    firstIndex: raft.firstIndex,
    lastIndex: raft.lastIndex,
    logSize: Math.max(0, raft.lastIndex - raft.firstIndex + 1),
    snapshotIndex: raft.snapshotIndex,
    storedEntries: stored.entries,
    storedSnapshotIndex: stored.snapshotIndex,
    voters: [...raft.voters].sort(),
    learners: [...raft.learners].sort(),
    peers,
    channels,
    adoptedPeerId: cluster.adoptedPeerId,
    reusedPeerId: cluster.identity.reused,
    appliedEntries: hamok.stats.appliedEntries,
    snapshotChunksReceived: traffic.received("raft/snapshot"),
    messagesSent: totals.sent,
    messagesReceived: totals.received,
    lastError: cluster.lastError,
  };
}
