import { HamokError } from "../../errors.js";
import { applyConfChange } from "../../raft/index.js";
import type { ConfChange, ConfState, Entry, RaftRestoreState } from "../../raft/types.js";
import type { RaftLogs } from "../../storage/raft-logs.js";
import type { RaftPeer } from "../peer/raft-peer.js";
import type { ReplicatedState } from "../replicated/replicated-state.js";

/**
 * The explicit, **unsafe** recovery of a cluster whose majority is gone for good (etcd's `--force-new-cluster`):
 * this peer re-forms the cluster from its own persisted state, alone.
 *
 * Raft cannot decide without a quorum, and a cluster spread over browsers whose majority's browser is gone (closed
 * for good, another device that will not come back) has none; nobody can prove those members dead, so nobody may
 * stand in for them (`stand-ins.ts`). An application that knows better may call this. What it does: it appends,
 * to this peer's own log, the removal of every other member (and this peer's promotion if it was a learner),
 * commits its whole log locally (entries that never reached a quorum included), restarts the Raft node from that
 * state, and elects itself. Others can then join it as new members.
 *
 * Why unsafe: the members it removes may still be running somewhere, with a quorum of their own and writes this
 * peer never saw (two clusters under one id, diverging); and entries this peer had but never committed become
 * committed here although the others may have replaced them. Use it only when the others are gone for good.
 */

/** What the recovery needs of its peer. */
export interface ForceNewClusterHost {
  readonly localPeerId: string;
  readonly logs: RaftLogs;
  readonly replicated: ReplicatedState;
  readonly peer: RaftPeer | undefined;
  readonly clusterId: string | undefined;
  /** Replace the Raft peer by one created from `restore`. */
  createPeer(clusterId: string, restore: RaftRestoreState): RaftPeer;
}

const EMPTY_CONF: ConfState = { voters: [], learners: [] };

/** See the module comment. Rejects `NotMember` when this peer has no cluster or is not in its configuration. */
export async function forceNewCluster(host: ForceNewClusterHost): Promise<void> {
  const old = host.peer;
  const clusterId = host.clusterId;
  if (old === undefined || clusterId === undefined || !old.isMember()) {
    throw new HamokError("NotMember", "only a member of a cluster can re-form it");
  }
  const self = host.localPeerId;
  old.close();
  const persisted = await host.logs.load();
  const initial = persisted.meta.initialConfState as ConfState | undefined;
  const snapshotIndex = persisted.snapshot?.meta.index ?? 0;
  const lastStored = persisted.entries.at(-1);
  const lastIndex = lastStored?.index ?? snapshotIndex;
  const term = Math.max(persisted.hardState.term, lastStored?.term ?? persisted.snapshot?.meta.term ?? 0);
  let conf = configurationOf(persisted.snapshot?.meta.confState, persisted.entries, initial);
  const changes: ConfChange[] = [];
  if (!conf.voters.includes(self)) changes.push({ type: "addVoter", nodeId: self });
  for (const nodeId of [...conf.voters, ...conf.learners]) {
    if (nodeId !== self) changes.push({ type: "remove", nodeId });
  }
  const appended: Entry[] = [];
  for (const change of changes) {
    conf = applyConfChange(conf, change);
    appended.push({ term, index: lastIndex + appended.length + 1, type: "conf", data: change });
  }
  const hardState = { term, vote: persisted.hardState.vote, commit: lastIndex + appended.length };
  await host.logs.save({ hardState, entries: appended });
  // The state machines restart from the snapshot (or empty) and re-apply the whole log, now committed.
  host.replicated.restore(persisted.snapshot?.data ?? new Uint8Array(0));
  const peer = host.createPeer(clusterId, {
    hardState,
    entries: [...persisted.entries, ...appended],
    ...(persisted.snapshot === undefined ? {} : { snapshot: persisted.snapshot }),
    ...(initial === undefined ? {} : { initialConfState: initial }),
  });
  const voters = peer.confState.voters;
  if (voters.length !== 1 || voters[0] !== self) {
    throw new HamokError("StorageFailure", `the re-formed configuration is ${voters.join(",")}, not ${self} alone`);
  }
  peer.start();
  peer.campaign();
}

/** The configuration the log describes, as the core derives it at restart. */
function configurationOf(base: ConfState | undefined, entries: readonly Entry[], initial: ConfState | undefined) {
  const hasConf = entries.some((entry) => entry.type === "conf");
  if (base === undefined && !hasConf) return initial ?? EMPTY_CONF;
  let conf = base ?? EMPTY_CONF;
  for (const entry of entries) if (entry.type === "conf") conf = applyConfChange(conf, entry.data as ConfChange);
  return conf;
}
