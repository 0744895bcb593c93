import { ENTRY_OVERHEAD_BYTES } from "./size.js";
import type { Entry, Snapshot } from "./types.js";

/**
 * The in-memory Raft log (etcd's raftLog + unstable): a snapshot followed by
 * contiguous entries. `stabled` is the last index handed to the runtime for
 * persistence; `persisted` the last index the runtime confirmed durable via
 * `advance`; `applying` the last index handed out for applying; `applied`
 * the last index the runtime confirmed via `advance`.
 *
 * Invariant: applied <= applying <= committed <= lastIndex, and
 * entries[i].index === snapshot.meta.index + 1 + i.
 */
export class RaftLog {
  snapshot: Snapshot;
  /** A snapshot installed from the leader that has not yet been handed out in a Ready. */
  pendingSnapshot: Snapshot | undefined;
  entries: Entry[];
  stabled: number;
  /** The last index confirmed durable (a truncation lowers it: the replaced entries no longer count). */
  persisted: number;
  committed: number;
  applying: number;
  applied: number;
  /** Set when an append replaced existing entries (the owner re-derives what depended on them). */
  truncated = false;

  constructor(snapshot: Snapshot, entries: readonly Entry[], committed: number) {
    this.snapshot = snapshot;
    this.pendingSnapshot = undefined;
    const first = snapshot.meta.index + 1;
    // Keep only the contiguous run starting right after the snapshot (defensive against bad restores).
    const kept: Entry[] = [];
    for (const e of entries) {
      if (e.index < first) continue;
      if (e.index !== first + kept.length) break;
      kept.push(e);
    }
    this.entries = kept;
    this.stabled = this.lastIndex();
    this.persisted = this.stabled;
    this.committed = Math.min(Math.max(committed, snapshot.meta.index), this.lastIndex());
    this.applied = snapshot.meta.index;
    this.applying = snapshot.meta.index;
  }

  snapshotIndex(): number {
    return this.snapshot.meta.index;
  }

  firstIndex(): number {
    return this.snapshot.meta.index + 1;
  }

  lastIndex(): number {
    return this.snapshot.meta.index + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** The term of the entry at `index`, or undefined when it is compacted or beyond the end. */
  term(index: number): number | undefined {
    const snap = this.snapshot.meta;
    if (index === snap.index) return snap.term;
    if (index < snap.index) return undefined;
    return this.entries[index - snap.index - 1]?.term;
  }

  entry(index: number): Entry | undefined {
    return this.entries[index - this.snapshot.meta.index - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** §5.4.1: a candidate's log is at least as up-to-date as ours (last term first, then last index). */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Entries [lo, hi] limited to `maxBytes` (at least one entry is always returned),
   * or undefined when `lo` is compacted away (the caller must send a snapshot).
   */
  slice(lo: number, hi: number, maxBytes: number, sizeOf: (data: unknown) => number): Entry[] | undefined {
    if (lo < this.firstIndex()) return undefined;
    const out: Entry[] = [];
    let bytes = 0;
    const last = Math.min(hi, this.lastIndex());
    for (let i = lo; i <= last; i++) {
      const e = this.entry(i)!;
      const size = sizeOf(e.data) + ENTRY_OVERHEAD_BYTES;
      if (out.length > 0 && bytes + size > maxBytes) break;
      bytes += size;
      out.push(e);
    }
    return out;
  }

  /**
   * The first index at which `ents` disagree with our log (different term, or
   * beyond our last index), or 0 when every entry is already present (§5.3).
   */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * Fast log backtracking: the largest index <= `index` whose term is <= `term`,
   * with that term. Entries between it and `index` cannot match a log whose
   * entry at `index` has `term`, so the leader can skip them in one round.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = Math.min(index, this.lastIndex());
    for (;;) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
      i--;
    }
  }

  /**
   * AppendEntries receiver rules (§5.3): if our entry at `index` has `logTerm`,
   * drop conflicting entries, append the new ones and advance the commit index.
   * Returns the index of the last new entry, or undefined when the log does not match.
   */
  maybeAppend(index: number, logTerm: number, commit: number, ents: readonly Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const conflict = this.findConflict(ents);
    if (conflict !== 0) {
      // A committed entry can never conflict with the leader's log (Leader Completeness);
      // refuse rather than corrupt the log if a buggy or stale message says otherwise.
      if (conflict <= this.committed) return undefined;
      const from = conflict - index - 1;
      this.append(ents.slice(from));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /** Appends entries, truncating any suffix that starts at the first new index. Returns the new last index. */
  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const first = ents[0]!.index;
    const keep = first - this.firstIndex();
    if (keep < this.entries.length) {
      this.entries.length = Math.max(0, keep);
      this.truncated = true;
      if (this.stabled >= first) this.stabled = first - 1;
      if (this.persisted >= first) this.persisted = first - 1;
    }
    for (const e of ents) this.entries.push(e);
    return this.lastIndex();
  }

  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    if (index > this.lastIndex()) return false;
    this.committed = index;
    return true;
  }

  /** Entries not yet handed out for persistence. */
  unstableEntries(): Entry[] {
    if (this.stabled >= this.lastIndex()) return [];
    return this.entries.slice(Math.max(this.stabled, this.snapshotIndex()) - this.snapshotIndex());
  }

  /** Committed entries not yet handed out for applying. */
  nextCommittedEntries(): Entry[] {
    const from = Math.max(this.applying, this.snapshotIndex()) + 1;
    if (from > this.committed) return [];
    return this.entries.slice(from - this.firstIndex(), this.committed - this.snapshotIndex());
  }

  hasNextCommittedEntries(): boolean {
    return Math.max(this.applying, this.snapshotIndex()) < this.committed;
  }

  /** Replaces the whole log with a snapshot received from the leader. */
  restore(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.pendingSnapshot = snapshot;
    this.entries = [];
    this.committed = snapshot.meta.index;
    this.stabled = snapshot.meta.index;
    // Durable once the runtime saved it (advance); the entries it replaced no longer count.
    this.persisted = Math.min(this.persisted, snapshot.meta.index);
    this.applying = snapshot.meta.index;
  }

  /** Records a local snapshot at an applied index and drops the entries it covers. */
  compact(snapshot: Snapshot): void {
    const drop = snapshot.meta.index - this.snapshotIndex();
    this.entries = this.entries.slice(drop);
    this.snapshot = snapshot;
  }
}
