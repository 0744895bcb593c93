import type { Entry, NodeId, RaftStatus, Snapshot } from "../../src/raft/types";
import type { MemoryStorage } from "../raft/harness";

/** What one entry is, for comparisons across nodes. */
export function entryKey(e: Entry): string {
  return `${e.term}|${e.type}|${JSON.stringify(e.data)}`;
}

/**
 * The Raft safety properties (Figure 3 of the Raft paper), checked after every
 * step of the simulation. Each violation is recorded with the tick it was seen at.
 */
export class SafetyChecker {
  readonly violations: string[] = [];
  /** Election Safety: term -> the one leader of that term. */
  readonly #leaderOfTerm = new Map<number, NodeId>();
  /** Log Matching: "index:term" -> the entry and the term of its predecessor. */
  readonly #logged = new Map<string, { key: string; prevTerm: number | undefined }>();
  /** State Machine Safety: index -> the entry applied there (by anyone). */
  readonly #applied = new Map<number, string>();
  /** index -> application hash after applying up to index (compares snapshots with replays). */
  readonly #hashAt = new Map<number, number>();
  #maxApplied = 0;
  now = 0;

  get maxApplied(): number {
    return this.#maxApplied;
  }

  violation(text: string): void {
    if (this.violations.length < 20) this.violations.push(`tick ${this.now}: ${text}`);
  }

  /** Election Safety: at most one leader per term. */
  checkLeader(status: RaftStatus): void {
    if (status.role !== "leader") return;
    const known = this.#leaderOfTerm.get(status.term);
    if (known === undefined) this.#leaderOfTerm.set(status.term, status.id);
    else if (known !== status.id) this.violation(`two leaders in term ${status.term}: ${known} and ${status.id}`);
  }

  isNewLeader(status: RaftStatus): boolean {
    return status.role === "leader" && !this.#leaderOfTerm.has(status.term);
  }

  /** Log Matching: entries with the same index and term are identical and have identical predecessors. */
  checkPersisted(id: NodeId, storage: MemoryStorage, entries: readonly Entry[]): void {
    for (const e of entries) {
      const prevTerm = storage.term(e.index - 1);
      const slot = `${e.index}:${e.term}`;
      const key = entryKey(e);
      const seen = this.#logged.get(slot);
      if (!seen) {
        this.#logged.set(slot, { key, prevTerm });
        continue;
      }
      if (seen.key !== key) this.violation(`log matching: ${id} has ${key} at ${slot}, another node ${seen.key}`);
      if (seen.prevTerm !== undefined && prevTerm !== undefined && seen.prevTerm !== prevTerm) {
        this.violation(`log matching: ${id} has prev term ${prevTerm} before ${slot}, another node ${seen.prevTerm}`);
      }
    }
  }

  /** Leader Completeness: a new leader's log holds every entry committed before its term. */
  checkLeaderCompleteness(id: NodeId, term: number, storage: MemoryStorage): void {
    const base = storage.snapshot?.meta.index ?? 0;
    const byIndex = new Map(storage.entries.map((e) => [e.index, e] as const));
    for (const [index, key] of this.#applied) {
      if (index <= base) continue;
      const e = byIndex.get(index);
      if (!e || entryKey(e) !== key) {
        this.violation(`leader completeness: leader ${id} of term ${term} lacks committed entry ${index} (${key})`);
        return;
      }
    }
  }

  /** State Machine Safety: no two nodes apply different entries at one index. */
  checkApplied(id: NodeId, e: Entry, hashAfter: number): void {
    const key = entryKey(e);
    const known = this.#applied.get(e.index);
    if (known === undefined) this.#applied.set(e.index, key);
    else if (known !== key)
      this.violation(`state machine safety: ${id} applied ${key} at ${e.index}, another ${known}`);
    this.#checkHash(id, e.index, hashAfter);
    if (e.index > this.#maxApplied) this.#maxApplied = e.index;
  }

  checkSnapshotInstalled(id: NodeId, s: Snapshot, hash: number): void {
    this.#checkHash(id, s.meta.index, hash);
  }

  #checkHash(id: NodeId, index: number, hash: number): void {
    const known = this.#hashAt.get(index);
    if (known === undefined) this.#hashAt.set(index, hash);
    else if (known !== hash)
      this.violation(`state machine safety: ${id} state at ${index} differs from another node's`);
  }
}
