import { HamokError } from "../../errors.js";
import type { ConfState, RaftRestoreState } from "../../raft/types.js";
import type { PersistedState } from "../../storage/raft-logs.js";
import type { HamokConfig } from "../peer/config.js";
import type { HamokJoinParams } from "../peer/public-types.js";
import type { RaftPeer } from "../peer/raft-peer.js";
import type { ReplicatedState } from "../replicated/replicated-state.js";
import type { Discovery, DiscoveryHost } from "./discovery.js";

/** What entering a cluster needs of its peer. */
export interface EntryHost {
  readonly config: HamokConfig;
  readonly localPeerId: string;
  readonly replicated: ReplicatedState;
  readonly discovery: Discovery;
  discoveryHost(): DiscoveryHost;
  /** Create the Raft peer of `clusterId` from `restore`. */
  createPeer(clusterId: string, restore: RaftRestoreState): RaftPeer;
  /** A bootstrapped cluster is announced to everyone once it has its leader. */
  announceOnceLed(): void;
  /** Discovery named the leader to ask. */
  leaderFound(leaderId: string): void;
  /** `join()` entered a phase. */
  progress(phase: "discovering" | "restarting"): void;
  /** Whether anything carries this peer's messages (a transport, or an `on("message")` listener). */
  reachable(): boolean;
}

const EMPTY_HARD_STATE = { term: 0, vote: null, commit: 0 } as const;

const NO_TRANSPORT =
  "join() has no way to reach other peers: pass join({ transport }) (webrtcTransport, with " +
  "{ wrtc: (await import('@roamhq/wrtc')).default } in Node; or a MemoryHub transport), or wire " +
  "hamok.on('message') to your own channel and call hamok.accept() with what arrives; " +
  "join({ maxRetry: 0 }) starts a cluster of one on purpose";

/**
 * The first half of `join()`: a peer with persisted state restarts from it; otherwise discovery decides
 * whether it bootstraps a cluster of its own or asks a known leader to add it.
 */
export async function enterCluster(host: EntryHost, params: HamokJoinParams): Promise<void> {
  host.progress("restarting");
  const persisted = await host.config.raftLogs.load();
  if (typeof persisted.meta.clusterId === "string") {
    restart(host, persisted.meta.clusterId, persisted);
    return;
  }
  // Nothing carries our messages: discovery would wait out all its rounds, then bootstrap a cluster nobody can
  // reach. Say what to do at once instead; `maxRetry: 0` still starts a cluster of one on purpose.
  // (Malformed parameters are refused by discovery first.)
  const wellFormed = params.maxRetry === undefined || (Number.isInteger(params.maxRetry) && params.maxRetry >= -1);
  if (!host.reachable() && params.maxRetry !== 0 && wellFormed) throw new HamokError("JoinFailed", NO_TRANSPORT);
  host.progress("discovering");
  const decision = await host.discovery.decide(host.discoveryHost(), params);
  if (decision.kind === "bootstrap") await bootstrap(host);
  else await becomeJoiner(host, decision.clusterId, decision.leaderId);
}

function restart(host: EntryHost, clusterId: string, persisted: PersistedState): void {
  if (persisted.snapshot !== undefined) host.replicated.restore(persisted.snapshot.data);
  const initial = persisted.meta.initialConfState as ConfState | undefined;
  const restore: RaftRestoreState = {
    hardState: persisted.hardState,
    entries: persisted.entries,
    ...(persisted.snapshot === undefined ? {} : { snapshot: persisted.snapshot }),
    ...(initial === undefined ? {} : { initialConfState: initial }),
  };
  host.createPeer(clusterId, restore);
}

/** A single-node cluster of our own: we are its only voter and elect ourselves at once. */
async function bootstrap(host: EntryHost): Promise<void> {
  const clusterId = crypto.randomUUID();
  const initialConfState: ConfState = { voters: [host.localPeerId], learners: [] };
  await host.config.raftLogs.save({ meta: { clusterId, initialConfState } });
  const peer = host.createPeer(clusterId, { hardState: EMPTY_HARD_STATE, entries: [], initialConfState });
  host.announceOnceLed();
  peer.campaign();
}

/** Not a member yet: the leader adds us as a learner and replicates its log (or a snapshot) to us. */
async function becomeJoiner(host: EntryHost, clusterId: string, leaderId: string): Promise<void> {
  await host.config.raftLogs.save({ meta: { clusterId } });
  host.leaderFound(leaderId);
  host.createPeer(clusterId, { hardState: EMPTY_HARD_STATE, entries: [] });
}

/**
 * Whether a joiner has the role it will keep: a joiner that the leader will promote waits for it, so that
 * once `join()` resolved on every peer, each of them counts towards the quorum. It stays a learner when it
 * asked to (`onlyFollower`) or when the voters are full; and it stops waiting after `electionTimeoutInMs` as
 * a learner (a leader configured with fewer voters). `learnerSince` is when it was first seen waiting.
 */
export function settledRole(config: HamokConfig, peer: RaftPeer, learnerSince: number): boolean {
  const { voters } = peer.confState;
  if (voters.includes(config.peerId) || config.onlyFollower || voters.length >= config.maxVoters) return true;
  return config.clock.now() - learnerSince >= config.electionTimeoutInMs;
}
