import type { RaftMessage, Random } from "../../src/raft/types";

/* Small pure helpers of the simulation. */

/** One line of a run's trace: the message, with its entries and snapshot summarised. */
export function describeMessage(m: RaftMessage): string {
  const { entries, snapshotChunk, snapshotMeta, ...rest } = m;
  const extra = [
    entries
      ? `entries=${entries.length > 0 ? `${entries[0]!.index}..${entries[entries.length - 1]!.index}` : "[]"}`
      : "",
    snapshotMeta ? `snap=${snapshotMeta.index}/${snapshotMeta.term}` : "",
    snapshotChunk ? `chunk=${snapshotChunk.byteLength}` : "",
  ].join(" ");
  return `${JSON.stringify(rest)} ${extra}`;
}

/** A copy of `xs` in a seeded random order (Fisher-Yates). */
export function shuffle<T>(xs: readonly T[], r: Random): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A 32-bit string hash, to derive per-node seeds. */
export function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h >>> 0;
}
