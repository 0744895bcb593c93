import type { ClockTimer, HamokClock } from "../../clock.js";
import { HamokError } from "../../errors";
import type { RaftNode } from "../../raft/index";
import type { ConfState, Entry, RaftMessage, Ready, Snapshot } from "../../raft/types";
import type { RaftLogs, SaveBatch } from "../../storage/raft-logs";

/**
 * Drives a {@link RaftNode}: a timer calls `tick()`; every input schedules one
 * flush in a microtask, so everything that happens in one turn of the event
 * loop (say 10,000 proposals) shares one Ready and one `save()`. A flush obeys
 * the persistence rule of Raft (§5, Figure 2: "respond to RPCs only after
 * updating stable storage"): save the Ready's hard state, entries and snapshot,
 * then send its messages, then apply, then `advance()`; and loops while the core
 * has more. Messages are sent as soon as they are produced, so a write commits
 * in one network round trip instead of waiting for the next heartbeat.
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
  /** Counters for `hamok.stats`. */
  readonly counters = { readies: 0, saves: 0, snapshots: 0, appliedEntries: 0 };

  constructor(
    readonly node: RaftNode,
    private readonly logs: RaftLogs,
    private readonly hooks: RaftDriverHooks,
    private readonly options: RaftDriverOptions,
  ) {
    const status = node.status();
    this.applied = status.applied;
    this.snapshotIndex = status.snapshotIndex;
    this.confState = status.confState;
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

  private async flush(): Promise<void> {
    if (this.flushing || this.stopped) return;
    this.flushing = true;
    try {
      while (!this.stopped && this.node.hasReady()) {
        const ready = this.node.ready();
        await this.persist(ready);
        if (this.stopped) return;
        for (const message of ready.messages) this.hooks.send(message);
        this.apply(ready);
        this.node.advance(ready);
        this.counters.readies++;
        this.hooks.afterReady(ready);
        await this.maybeSnapshot();
      }
    } catch (error) {
      this.close();
      const fatal =
        error instanceof HamokError ? error : new HamokError("StorageFailure", "raft runtime failed", { cause: error });
      this.hooks.onFatal(fatal);
    } finally {
      this.flushing = false;
    }
  }

  private async persist(ready: Ready): Promise<void> {
    if (ready.hardState === undefined && ready.entries.length === 0 && ready.snapshot === undefined) return;
    const batch: { -readonly [K in keyof SaveBatch]: SaveBatch[K] } = {};
    if (ready.hardState !== undefined) batch.hardState = ready.hardState;
    if (ready.entries.length > 0) batch.entries = ready.entries;
    if (ready.snapshot !== undefined) batch.snapshot = ready.snapshot;
    this.counters.saves++;
    await this.logs.save(batch);
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

  private maybeCompactExpired(): void {
    const pending = this.pendingSnapshot;
    if (pending === undefined || this.flushing) return;
    if (this.options.clock.now() - pending.capturedAt < this.options.logEntriesExpirationTimeInMs) return;
    this.pendingSnapshot = undefined;
    this.flushing = true;
    this.compact(pending)
      .catch((error: unknown) => {
        this.close();
        this.hooks.onFatal(new HamokError("StorageFailure", "compaction failed", { cause: error }));
      })
      .finally(() => {
        this.flushing = false;
        this.schedule();
      });
  }

  private async compact(captured: PendingSnapshot): Promise<void> {
    if (captured.index <= this.snapshotIndex) return;
    // Log compaction (Raft §7): the snapshot replaces every entry up to its index.
    const snapshot = this.node.compact(captured.index, captured.data);
    this.snapshotIndex = snapshot.meta.index;
    this.counters.snapshots++;
    await this.logs.save({ snapshot, compactTo: snapshot.meta.index });
  }
}
