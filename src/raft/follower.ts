import { normalizeConf } from "./configuration.js";
import type { Raft } from "./raft.js";
import { COMMIT_NOTICE_CONTEXT, type RaftMessage, type Snapshot } from "./types.js";

/**
 * The receiving side of replication (AppendEntries, heartbeats,
 * InstallSnapshot chunks): what a follower does with a message from the
 * leader of its current term.
 */

/** AppendEntries receiver (§5.3). */
export function handleAppend(r: Raft, m: RaftMessage): void {
  const index = m.index ?? 0;
  if (index < r.log.committed) {
    // Everything up to our commit index matches the leader already (§5.4 Leader Completeness).
    r.send({ type: "append-response", to: m.from, index: r.log.committed });
    return;
  }
  const entries = m.entries ?? [];
  r.log.truncated = false;
  const lastNew = r.log.maybeAppend(index, m.logTerm ?? 0, m.commit ?? 0, entries);
  if (lastNew !== undefined) {
    // Configuration follows the log (thesis §4.1): new conf entries take effect, truncated ones are undone.
    if (r.log.truncated || entries.some((e) => e.type === "conf")) r.recomputeConf();
    r.log.truncated = false;
    // An accepted commit notice moved nothing the leader tracks (it is anchored at our match): no answer.
    if (m.context === COMMIT_NOTICE_CONTEXT && entries.length === 0) return;
    r.send({ type: "append-response", to: m.from, index: lastNew });
    return;
  }
  // Reject, with a hint that lets the leader skip a whole term per round trip (fast backtracking).
  const hint = r.log.findConflictByTerm(Math.min(index, r.log.lastIndex()), m.logTerm ?? 0);
  r.send({ type: "append-response", to: m.from, index, reject: true, rejectHint: hint.index, logTerm: hint.term });
}

/** A heartbeat: learn the commit index (never beyond our log) and echo the ReadIndex context. */
export function handleHeartbeat(r: Raft, m: RaftMessage): void {
  r.log.commitTo(m.commit ?? 0);
  r.send({ type: "heartbeat-response", to: m.from, ...(m.context !== undefined ? { context: m.context } : {}) });
}

/** One InstallSnapshot chunk (§7): reassemble, acknowledge, and install once complete. */
export function handleSnapshotChunk(r: Raft, m: RaftMessage): void {
  const meta = m.snapshotMeta!;
  if (meta.index <= r.log.committed) {
    // A snapshot older than our commit index brings nothing: say where we are instead.
    r.receiver.clear();
    r.send({ type: "append-response", to: m.from, index: r.log.committed });
    return;
  }
  const result = r.receiver.receive(m);
  if (result.kind === "progress") {
    r.send({
      type: "snapshot-response",
      to: m.from,
      index: meta.index,
      logTerm: meta.term,
      snapshotOffset: result.received,
    });
    return;
  }
  const installed = restore(r, result.snapshot);
  r.send({ type: "append-response", to: m.from, index: installed ? r.log.lastIndex() : r.log.committed });
}

/** Installs a complete snapshot; returns false when it brings nothing new. */
function restore(r: Raft, s: Snapshot): boolean {
  if (s.meta.index <= r.log.committed) return false;
  if (r.log.matchTerm(s.meta.index, s.meta.term)) {
    // We already hold the snapshot's last entry, so the prefix matches: just commit it.
    r.log.commitTo(s.meta.index);
    return false;
  }
  r.log.restore(s);
  r.setConf(normalizeConf(s.meta.confState), s.meta.index);
  return true;
}
