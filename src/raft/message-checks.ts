import type { RaftMessage } from "./types.js";

/**
 * Requests to a leader and its answers, rather than Raft RPCs: they carry the
 * sender's term for information only and never move terms (etcd sends them
 * with term 0 for the same reason).
 */
export const FORWARDING_TYPES: ReadonlySet<string> = new Set([
  "propose",
  "propose-response",
  "read-index",
  "read-index-response",
]);

/**
 * Cheap structural checks on a message from the network, so that `step`
 * never throws: impossible values (negative or fractional indexes, entries
 * that do not follow the previous index, entries from a future term) are dropped.
 */
export function isWellFormed(m: RaftMessage): boolean {
  if (typeof m !== "object" || m === null) return false;
  if (typeof m.from !== "string" || typeof m.to !== "string" || typeof m.type !== "string") return false;
  if (!Number.isSafeInteger(m.term) || m.term < 0) return false;
  if (m.index !== undefined && (!Number.isSafeInteger(m.index) || m.index < 0)) return false;
  if (m.commit !== undefined && (!Number.isSafeInteger(m.commit) || m.commit < 0)) return false;
  if (m.type === "snapshot") {
    const meta = m.snapshotMeta;
    if (meta === undefined || !Number.isSafeInteger(meta.index) || !Number.isSafeInteger(meta.term)) return false;
    if (!Array.isArray(meta.confState?.voters) || !Array.isArray(meta.confState?.learners)) return false;
  }
  if (m.entries !== undefined) {
    if (!Array.isArray(m.entries)) return false;
    if (m.type === "append") {
      const base = m.index ?? 0;
      for (let i = 0; i < m.entries.length; i++) {
        const e = m.entries[i]!;
        if (e.index !== base + 1 + i || !Number.isSafeInteger(e.term) || e.term < 1 || e.term > m.term) return false;
      }
    }
  }
  return true;
}
