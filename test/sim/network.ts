import type { NodeId, RaftMessage, Random } from "../../src/raft/types";

export interface NetworkFaults {
  /** Probability that a message is lost. */
  loss: number;
  /** Probability that a message is delivered twice. */
  duplicate: number;
  /** Delivery delay in ticks, uniform in [minDelay, maxDelay] (different delays reorder messages). */
  minDelay: number;
  maxDelay: number;
}

interface InFlight {
  readonly seq: number;
  readonly message: RaftMessage;
}

/**
 * A seeded, lossy, reordering, duplicating network with partitions. Messages
 * are queued with a delivery tick; a partition or a down node at delivery time
 * drops them.
 */
export class SimNetwork {
  faults: NetworkFaults = { loss: 0, duplicate: 0, minDelay: 1, maxDelay: 1 };
  /** Delivery tick -> messages due then. */
  #queue = new Map<number, InFlight[]>();
  #size = 0;
  #seq = 0;
  /** Node -> partition group; nodes in different groups cannot talk. Empty: fully connected. */
  #group = new Map<NodeId, number>();
  readonly #random: Random;
  sent = 0;
  dropped = 0;

  constructor(random: Random) {
    this.#random = random;
  }

  send(m: RaftMessage, now: number): void {
    this.sent++;
    if (this.#random() < this.faults.loss) {
      this.dropped++;
      return;
    }
    this.#enqueue(m, now);
    if (this.#random() < this.faults.duplicate) this.#enqueue(m, now);
  }

  #enqueue(m: RaftMessage, now: number): void {
    const { minDelay, maxDelay } = this.faults;
    const at = now + minDelay + Math.floor(this.#random() * (maxDelay - minDelay + 1));
    // The random sequence number shuffles messages due at the same tick.
    const item = { seq: this.#random() * 1e9 + this.#seq++, message: m };
    const bucket = this.#queue.get(at);
    if (bucket) bucket.push(item);
    else this.#queue.set(at, [item]);
    this.#size++;
  }

  /** Messages due at or before `now`, in delivery order, minus those a partition blocks. */
  due(now: number): RaftMessage[] {
    const ready: InFlight[] = [];
    for (const [at, bucket] of this.#queue) {
      if (at > now) continue;
      // Earlier ticks first: they were due before.
      for (const f of bucket) ready.push({ seq: f.seq - at * 1e12, message: f.message });
      this.#queue.delete(at);
    }
    this.#size -= ready.length;
    ready.sort((a, b) => a.seq - b.seq);
    const out: RaftMessage[] = [];
    for (const f of ready) {
      if (this.connected(f.message.from, f.message.to)) out.push(f.message);
      else this.dropped++;
    }
    return out;
  }

  connected(a: NodeId, b: NodeId): boolean {
    if (this.#group.size === 0) return true;
    return (this.#group.get(a) ?? 0) === (this.#group.get(b) ?? 0);
  }

  /** Splits the nodes into groups; nodes not listed stay in group 0. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    this.#group.clear();
    groups.forEach((g, i) => {
      for (const id of g) this.#group.set(id, i + 1);
    });
  }

  heal(): void {
    this.#group.clear();
  }

  partitioned(): boolean {
    return this.#group.size > 0;
  }

  pending(): number {
    return this.#size;
  }
}
