/**
 * Per-socket flood control: a token bucket for events, plus a count of refusals that decides when a socket that
 * keeps sending after being refused is disconnected.
 */

/** What the limiter decided about one inbound event. */
export type RateDecision = "accept" | "refuse" | "disconnect";

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Sustained events per second. */
  ratePerSecond: number;
  /** Events accepted in a burst (the bucket's capacity). */
  burst: number;
  /** Refusals tolerated within one second before the socket is disconnected. */
  maxRefusalsPerSecond: number;
  /** The clock in milliseconds; injectable for tests. */
  now?: () => number;
}

/** A token bucket with flood detection. One instance per socket. */
export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #maxRefusals: number;
  readonly #now: () => number;
  #tokens: number;
  #lastRefill: number;
  #refusals = 0;
  #refusalWindowStart = 0;

  constructor(options: RateLimiterOptions) {
    this.#rate = options.ratePerSecond;
    this.#burst = options.burst;
    this.#maxRefusals = options.maxRefusalsPerSecond;
    this.#now = options.now ?? Date.now;
    this.#tokens = options.burst;
    this.#lastRefill = this.#now();
  }

  /** Takes one token for an inbound event. */
  take(): RateDecision {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#lastRefill) / 1000) * this.#rate);
    this.#lastRefill = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return "accept";
    }
    // A client that slightly exceeds the rate only sees refusals; one that ignores them and keeps sending many times
    // faster than allowed is a flood and loses its connection.
    if (now - this.#refusalWindowStart >= 1000) {
      this.#refusalWindowStart = now;
      this.#refusals = 0;
    }
    this.#refusals += 1;
    return this.#refusals > this.#maxRefusals ? "disconnect" : "refuse";
  }
}
