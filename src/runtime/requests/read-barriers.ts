import type { ClockTimer, HamokClock } from "../../clock.js";
import { HamokError, type HamokErrorCode } from "../../errors.js";
import type { ReadState } from "../../raft/types.js";

/**
 * Linearizable read barriers (ReadIndex, Raft thesis §6.4): the leader confirms
 * it still leads and answers with its commit index; the barrier resolves once
 * this peer has applied up to that index. Refused requests (no leader, leader
 * stepped down) are retried when a leader is known, until the timeout.
 */

interface Barrier {
  readonly resolve: () => void;
  readonly reject: (error: HamokError) => void;
  readonly timer: ClockTimer;
  /** Set once the leader answered. */
  index: number | undefined;
  waiting: boolean;
  /** When the latest request for it went out. */
  requestedAt: number;
}

/** See the module comment. */
export class ReadBarriers {
  private readonly barriers = new Map<string, Barrier>();
  private next = 1;
  /** Contexts must be unique across peers: the leader tracks every peer's requests by context. */
  private readonly prefix = crypto.randomUUID();

  constructor(
    private readonly request: (context: string) => void,
    private readonly applied: () => number,
    private readonly clock: HamokClock,
  ) {}

  get size(): number {
    return this.barriers.size;
  }

  /** Resolve once everything committed now is applied here. */
  wait(timeoutInMs: number): Promise<void> {
    const context = `${this.prefix}:${this.next++}`;
    return new Promise<void>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.barriers.delete(context);
        // Like every timeout, indeterminate: the read point may still have been reached.
        reject(new HamokError("Timeout", `read barrier timed out after ${timeoutInMs} ms`, { indeterminate: true }));
      }, timeoutInMs);
      const requestedAt = this.clock.now();
      this.barriers.set(context, { resolve, reject, timer, index: undefined, waiting: false, requestedAt });
      this.request(context);
    });
  }

  /** The leader answered some barriers. */
  onReadStates(states: readonly ReadState[]): void {
    for (const state of states) {
      const barrier = this.barriers.get(state.context);
      if (barrier !== undefined) barrier.index = state.index;
    }
    this.onApplied();
  }

  /** Some barriers were refused: retry them when a leader is known. */
  onRejected(contexts: readonly { readonly context: string }[]): void {
    for (const { context } of contexts) {
      const barrier = this.barriers.get(context);
      if (barrier !== undefined && barrier.index === undefined) barrier.waiting = true;
    }
  }

  /** Resolve barriers whose index is applied. */
  onApplied(): void {
    if (this.barriers.size === 0) return;
    const applied = this.applied();
    for (const [context, barrier] of this.barriers) {
      if (barrier.index !== undefined && barrier.index <= applied) {
        this.barriers.delete(context);
        this.clock.clearTimeout(barrier.timer);
        barrier.resolve();
      }
    }
  }

  /**
   * A leader is known: ask again for refused barriers and, with `includeUnanswered`, for
   * unanswered ones whose last request is at least `minAgeInMs` old (the request or its
   * answer may be lost; the leader merges a repeated request that is still pending).
   */
  retry(includeUnanswered: boolean, minAgeInMs = 0): void {
    const now = this.clock.now();
    for (const [context, barrier] of this.barriers) {
      const unanswered = includeUnanswered && barrier.index === undefined && now - barrier.requestedAt >= minAgeInMs;
      if (barrier.waiting || unanswered) {
        barrier.waiting = false;
        barrier.requestedAt = now;
        this.request(context);
      }
    }
  }

  /** Fail every barrier at once: a read barrier never changes anything, so none is indeterminate. */
  rejectAll(code: HamokErrorCode, message: string): void {
    for (const barrier of this.barriers.values()) {
      this.clock.clearTimeout(barrier.timer);
      barrier.reject(new HamokError(code, message));
    }
    this.barriers.clear();
  }
}
