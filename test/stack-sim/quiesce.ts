import type { PersistedState, RaftLogs, RaftLogsStats, SaveBatch } from "../../src/storage/raft-logs.js";

/**
 * Between two virtual events the simulation lets everything that is not time run to its end:
 * microtasks, and fake-indexeddb's work, which it schedules with the platform's `setImmediate`.
 * Every storage call goes through a {@link TrackedRaftLogs}, so "nothing in flight" is known
 * exactly; `setImmediate` callbacks run in FIFO order, so the interleaving is the same every run.
 */
export class Quiescence {
  /** Storage calls in flight (all peers). */
  inFlight = 0;

  /** Resolves once no microtask is queued and no storage call is in flight. */
  async settle(): Promise<void> {
    do {
      await new Promise<void>((resolve) => setImmediate(resolve));
    } while (this.inFlight > 0);
  }

  /** `logs`, counted. */
  track(logs: RaftLogs): TrackedRaftLogs {
    return new TrackedRaftLogs(logs, this);
  }
}

/** A {@link RaftLogs} whose calls in flight are counted by a {@link Quiescence}. */
export class TrackedRaftLogs implements RaftLogs {
  constructor(
    readonly inner: RaftLogs,
    private readonly quiescence: Quiescence,
  ) {}

  load(): Promise<PersistedState> {
    return this.counted(() => this.inner.load());
  }

  save(batch: SaveBatch): Promise<void> {
    return this.counted(() => this.inner.save(batch));
  }

  stats(): RaftLogsStats {
    return this.inner.stats();
  }

  close(): Promise<void> {
    return this.counted(() => this.inner.close());
  }

  private async counted<T>(call: () => Promise<T>): Promise<T> {
    this.quiescence.inFlight++;
    try {
      return await call();
    } finally {
      this.quiescence.inFlight--;
    }
  }
}

/**
 * Replace `crypto.randomUUID` (request sessions, read-barrier contexts, cluster ids) with a seeded
 * one for the duration of a run, so that a run is the same byte for byte. Returns the restore function.
 */
export function seedRandomUuid(random: () => number): () => void {
  const target = globalThis.crypto as Crypto & { randomUUID: () => string };
  const own = Object.getOwnPropertyDescriptor(target, "randomUUID");
  const hex = () =>
    Math.floor(random() * 2 ** 32)
      .toString(16)
      .padStart(8, "0");
  Object.defineProperty(target, "randomUUID", {
    configurable: true,
    writable: true,
    value: () => {
      const h = hex() + hex() + hex() + hex();
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
  });
  return () => {
    if (own === undefined) delete (target as { randomUUID?: unknown }).randomUUID;
    else Object.defineProperty(target, "randomUUID", own);
  };
}
