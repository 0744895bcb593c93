/**
 * Per-target flood control: one token bucket per (room, target peer), shared by every sender on this instance.
 * The per-socket limit alone lets many sockets together aim many times one socket's allowance at a single peer
 * (50 sockets × a burst of 450 = 22,500 signals); this bounds what one peer receives whoever sends it.
 *
 * The defaults leave room for honest traffic: a peer joining a full room of 64 gets an offer or answer and a
 * dozen ICE candidates from each of 63 others within a second or two (about 800 signals).
 */

/** Options of {@link TargetLimiter}. */
export interface TargetLimiterOptions {
  /** Sustained signals per second to one peer, from all senders together. */
  ratePerSecond: number;
  /** Signals to one peer accepted in a burst. */
  burst: number;
  /** The clock in milliseconds; injectable for tests. */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  lastRefill: number;
}

/** Buckets idle long enough to be full again are forgotten once there are this many. */
const PRUNE_AT = 4096;

/** Token buckets keyed by target. One instance per server. */
export class TargetLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: TargetLimiterOptions) {
    this.#rate = options.ratePerSecond;
    this.#burst = options.burst;
    this.#now = options.now ?? Date.now;
  }

  /** Takes one token for a signal to `room`/`peerId`; false when that peer's allowance is spent. */
  take(room: string, peerId: string): boolean {
    const now = this.#now();
    const key = `${room}\u0000${peerId}`;
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= PRUNE_AT) this.#prune(now);
      bucket = { tokens: this.#burst, lastRefill: now };
      this.#buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.lastRefill) / 1000) * this.#rate);
      bucket.lastRefill = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Number of buckets held (for tests: memory stays bounded). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Forget buckets that have refilled completely: a fresh bucket for them would be identical. */
  #prune(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.lastRefill) / 1000) * this.#rate >= this.#burst) this.#buckets.delete(key);
    }
  }
}
