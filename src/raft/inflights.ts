/**
 * The in-flight window of one follower in replicate state (etcd's
 * tracker.Inflights): the last index of every append message sent and not yet
 * acknowledged. When it is full the leader pauses replication to that follower,
 * bounding both memory and the retransmission burst after a loss.
 */
export class Inflights {
  readonly #capacity: number;
  #buffer: number[] = [];

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
  }

  get count(): number {
    return this.#buffer.length;
  }

  full(): boolean {
    return this.#buffer.length >= this.#capacity;
  }

  add(lastIndex: number): void {
    this.#buffer.push(lastIndex);
  }

  /** Frees every in-flight message whose last index is <= `index` (acknowledged). */
  freeLE(index: number): void {
    let n = 0;
    while (n < this.#buffer.length && this.#buffer[n]! <= index) n++;
    if (n > 0) this.#buffer.splice(0, n);
  }

  /** Frees the oldest slot: a heartbeat response proves the follower is alive, so allow one more message. */
  freeFirstOne(): void {
    this.#buffer.shift();
  }

  reset(): void {
    this.#buffer = [];
  }
}
