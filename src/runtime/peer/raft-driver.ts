import type { ClockTimer, HamokClock } from "../../clock.js";
import { HamokError } from "../../errors.js";
import type { RaftNode } from "../../raft/index.js";
import type { ConfState, Entry, HardState, RaftMessage, Ready, Snapshot } from "../../raft/types.js";
import type { RaftLogs, SaveBatch } from "../../storage/raft-logs.js";
import { SaveQueue } from "./save-queue.js";

/**
 * Drives a {@link RaftNode}: a timer calls `tick()`; every input schedules one
 * flush in a microtask, so everything that happens in one turn of the event
 * loop (say 10,000 proposals) shares one Ready and one `save()`. Messages are
 * sent as soon as the persistence rule allows, so a write commits in about one
 * network round trip instead of waiting for the next heartbeat.
 *
 * The persistence rule (§5, Figure 2: "respond to RPCs only after updating
 * stable storage") with asynchronous storage writes (thesis §10.2.1, etcd's
 * AsyncStorageWrites): the saves of successive Readies run one after another,
 * in order, while the core goes on producing Readies; those queued behind a
 * save in flight are merged into one (see {@link SaveQueue}). A Ready whose messages
 * acknowledge something (entries, a term, a vote, a snapshot) sends them only
 * once its save is durable; so does every follower. A leader's Ready that
 * changes neither term nor vote sends its appends at once, while its own save
 * of the same entries runs; the core counts the leader's copy toward the
 * quorum only when `advance()` reports that save done. A Ready that needs no
 * durability at all (only a new commit index) is sent and applied without
 * waiting, and its hard state is not saved on its own: it rides along with
 * the next save, or is saved on the next tick if nothing else is (the commit
 * index is learned again from the leader after a restart, so a late one loses
 * nothing). Applying, `advance()` and the hooks run per Ready in Ready order.
 */

/** What the driver calls back into. */
export interface RaftDriverHooks {
  send(message: RaftMessage): void;
  /** Install a snapshot's data into the state machines. */
  applySnapshot(snapshot: Snapshot): void;
  /** Apply one committed entry (normal, noop or conf); returns how many requests it carried (at least 1). */
  applyEntry(entry: Entry): number;
  /** After the Ready's persistence and application: the Ready itself, for soft state, reads and refusals. */
  afterReady(ready: Ready): void;
  /** The state machines as bytes, for a snapshot at the current applied index. */
  snapshotData(): Uint8Array;
  /** Every timer tick, after `tick()`. */
  onTick(): void;
  /** A failure that stops the driver (persistence failed). */
  onFatal(error: HamokError): void;
}

/** Snapshot and timing settings. */
export interface RaftDriverOptions {
  readonly tickInMs: number;
  readonly snapshotThresholdEntries: number;
  readonly logEntriesExpirationTimeInMs: number;
  /** Estimated size of an entry's data in bytes. */
  readonly sizeOf: (data: unknown) => number;
  /** The source of ticks and of snapshot ages. */
  readonly clock: HamokClock;
}

interface PendingSnapshot {
  readonly index: number;
  readonly data: Uint8Array;
  readonly capturedAt: number;
}

/** See the module comment. */
export class RaftDriver {
  private timer: ClockTimer | undefined;
  private scheduled = false;
  private flushing = false;
  private stopped = false;
  /** Each save starts once the previous one is durable; saves waiting meanwhile merge. */
  private readonly saves: SaveQueue;
  /** The last Ready's completion (send if held, apply, advance): completions run in Ready order. */
  private tail: Promise<void> = Promise.resolve();
  /** Readies whose messages wait for their save: while any does, later messages wait too (send order). */
  private held = 0;
  /** A hard state that changed only its commit index and is not saved yet (see the module comment). */
  private unsavedHardState: HardState | undefined;
  /** Role and hard state as of the last Ready handed out. */
  private role: string;
  private term: number;
  private vote: string | null;
  private pendingSnapshot: PendingSnapshot | undefined;
  private applied = 0;
  private snapshotIndex = 0;
  /** Requests applied since the last snapshot (a batched entry counts each of its requests). */
  private sinceSnapshot = 0;
  /** Estimated bytes of the entries applied since the last snapshot, and the size of that snapshot. */
  private bytesSinceSnapshot = 0;
  private lastSnapshotBytes = 0;
  /** The configuration as of the latest Ready that changed it. */
  confState: ConfState | undefined;
  /** Counters for `hamok.stats` (`saves`: saves handed to the storage, a merged one counting once). */
  readonly counters = { readies: 0, saves: 0, snapshots: 0, appliedEntries: 0 };

  constructor(
    readonly node: RaftNode,
    private readonly logs: RaftLogs,
    private readonly hooks: RaftDriverHooks,
    private readonly options: RaftDriverOptions,
  ) {
    const status = node.status();
    this.role = status.role;
    this.term = status.term;
    this.vote = status.vote;
    this.applied = status.applied;
    this.snapshotIndex = status.snapshotIndex;
    this.confState = status.confState;
    this.saves = new SaveQueue(
      (batch) => {
        this.counters.saves++;
        return this.logs.save(batch);
      },
      () => this.stopped,
    );
  }

  /** Whether the tick timer runs. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Start ticking. */
  start(): void {
    if (this.timer !== undefined || this.stopped) return;
    // Not unref'd: like an open socket, a running peer keeps a Node process alive until stop()/close().
    this.timer = this.options.clock.setInterval(() => this.tick(), this.options.tickInMs);
  }

  /** Stop ticking (inputs are still processed). */
  pause(): void {
    this.options.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stop for good: no tick, no flush. */
  close(): void {
    this.pause();
    this.stopped = true;
  }

  /** Run `action` on the core, then flush. */
  input<T>(action: (node: RaftNode) => T): T {
    const result = action(this.node);
    this.schedule();
    return result;
  }

  /** Feed a message to the core. */
  step(message: RaftMessage): void {
    if (this.stopped) return;
    this.node.step(message);
    this.schedule();
  }

  private tick(): void {
    if (this.stopped) return;
    this.node.tick();
    this.saveDeferredHardState();
    this.maybeCompactExpired();
    this.hooks.onTick();
    this.schedule();
  }

  /** Schedule one flush in a microtask (coalescing every input of this turn). */
  schedule(): void {
    if (this.scheduled || this.flushing || this.stopped) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  /** Take every Ready the core has and start its save; send what may go at once; queue the rest in order. */
  private flush(): void {
    if (this.flushing || this.stopped) return;
    this.flushing = true;
    try {
      while (!this.stopped && this.node.hasReady()) this.handle(this.node.ready());
    } catch (error) {
      this.fail(error);
    } finally {
      this.flushing = false;
    }
  }

  private handle(ready: Ready): void {
    const termOrVote =
      ready.hardState !== undefined && (ready.hardState.term !== this.term || ready.hardState.vote !== this.vote);
    if (ready.softState !== undefined) this.role = ready.softState.role;
    if (ready.hardState !== undefined) {
      this.term = ready.hardState.term;
      this.vote = ready.hardState.vote;
    }
    const mustSync = termOrVote || ready.entries.length > 0 || ready.snapshot !== undefined;
    // Leader appends go out before its own save starts (§10.2.1): the followers' saves, which the commit waits
    // for as much as the leader's, begin sooner. Nothing overtakes messages still held.
    const sendNow = !termOrVote && ready.snapshot === undefined && this.role === "leader" && this.held === 0;
    if (sendNow) for (const message of ready.messages) this.hooks.send(message);
    else this.held++;
    const saved = mustSync ? this.persist(ready) : undefined;
    if (!mustSync) this.deferHardState(ready);
    const gate = saved === undefined ? this.tail : Promise.all([this.tail, saved]);
    this.tail = gate.then(() => this.complete(ready, !sendNow)).catch((error: unknown) => this.fail(error));
  }

  /** After the Ready's save (when it needed one) and every earlier Ready's completion. */
  private async complete(ready: Ready, heldMessages: boolean): Promise<void> {
    if (this.stopped) return;
    if (heldMessages) {
      this.held--;
      for (const message of ready.messages) this.hooks.send(message);
    }
    this.apply(ready);
    this.node.advance(ready);
    this.counters.readies++;
    this.hooks.afterReady(ready);
    await this.maybeSnapshot();
    // advance() may have let the leader commit (its own copy now counts): take that Ready.
    this.schedule();
  }

  private fail(error: unknown): void {
    if (this.stopped) return;
    this.close();
    const fatal =
      error instanceof HamokError ? error : new HamokError("StorageFailure", "raft runtime failed", { cause: error });
    this.hooks.onFatal(fatal);
  }

  /** A Ready that needs no durability: keep its new commit index for the next save. */
  private deferHardState(ready: Ready): void {
    if (ready.hardState !== undefined) this.unsavedHardState = ready.hardState;
  }

  /** Queue the Ready's save behind the previous one; resolves once it is durable. */
  private persist(ready: Ready): Promise<void> {
    const batch: { -readonly [K in keyof SaveBatch]: SaveBatch[K] } = {};
    // The newest hard state: this Ready's, else a deferred commit-only one.
    const hardState = ready.hardState ?? this.unsavedHardState;
    this.unsavedHardState = undefined;
    if (hardState !== undefined) batch.hardState = hardState;
    if (ready.entries.length > 0) batch.entries = ready.entries;
    if (ready.snapshot !== undefined) batch.snapshot = ready.snapshot;
    return this.saves.enqueue(batch);
  }

  private apply(ready: Ready): void {
    if (ready.confState !== undefined) this.confState = ready.confState;
    if (ready.snapshot !== undefined) {
      this.hooks.applySnapshot(ready.snapshot);
      this.applied = ready.snapshot.meta.index;
      this.snapshotIndex = ready.snapshot.meta.index;
      this.pendingSnapshot = undefined;
      this.sinceSnapshot = 0;
      this.bytesSinceSnapshot = 0;
      this.lastSnapshotBytes = ready.snapshot.data.byteLength;
    }
    for (const entry of ready.committedEntries) {
      if (entry.index <= this.applied) continue;
      this.sinceSnapshot += this.hooks.applyEntry(entry);
      this.bytesSinceSnapshot += this.options.sizeOf(entry.data);
      this.applied = entry.index;
      this.counters.appliedEntries++;
    }
  }

  /**
   * Take a snapshot when `snapshotThresholdEntries` requests were applied since the last one
   * (counting requests, not entries: one entry may batch thousands, and the log's memory is in them)
   * and the log since then outweighs the previous snapshot.
   * With `logEntriesExpirationTimeInMs` > 0 the snapshot is captured now but used for
   * compaction only once it is that old: every entry it covers was appended before it was
   * captured, so each entry stays in the log at least that long.
   */
  private async maybeSnapshot(): Promise<void> {
    if (this.pendingSnapshot !== undefined) return;
    if (this.sinceSnapshot < this.options.snapshotThresholdEntries) return;
    // Amortised cost: a snapshot serialises the whole state, so take one only once the log it
    // replaces is at least as large as the previous snapshot (cost per request stays O(1)).
    if (this.bytesSinceSnapshot < this.lastSnapshotBytes) return;
    this.sinceSnapshot = 0;
    this.bytesSinceSnapshot = 0;
    const captured = { index: this.applied, data: this.hooks.snapshotData(), capturedAt: this.options.clock.now() };
    this.lastSnapshotBytes = captured.data.byteLength;
    if (this.options.logEntriesExpirationTimeInMs > 0) {
      this.pendingSnapshot = captured;
      return;
    }
    await this.compact(captured);
  }

  /** Nothing else saved since a commit-only Ready: save its hard state now (at most one tick late). */
  private saveDeferredHardState(): void {
    const hardState = this.unsavedHardState;
    if (hardState === undefined) return;
    this.unsavedHardState = undefined;
    this.saves.enqueue({ hardState }).catch((error: unknown) => this.fail(error));
  }

  private maybeCompactExpired(): void {
    const pending = this.pendingSnapshot;
    if (pending === undefined) return;
    if (this.options.clock.now() - pending.capturedAt < this.options.logEntriesExpirationTimeInMs) return;
    this.pendingSnapshot = undefined;
    // In line with the Readies: the snapshot covers only what was applied, and its save follows theirs.
    this.tail = this.tail
      .then(() => this.compact(pending))
      .catch((error: unknown) => this.fail(new HamokError("StorageFailure", "compaction failed", { cause: error })))
      .finally(() => this.schedule());
  }

  private async compact(captured: PendingSnapshot): Promise<void> {
    if (captured.index <= this.snapshotIndex) return;
    // Log compaction (Raft §7): the snapshot replaces every entry up to its index.
    const snapshot = this.node.compact(captured.index, captured.data);
    this.snapshotIndex = snapshot.meta.index;
    this.counters.snapshots++;
    await this.saves.enqueue({ snapshot, compactTo: snapshot.meta.index });
  }
}
