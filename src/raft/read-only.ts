import { committedIndex } from "./quorum.js";
import type { NodeId } from "./types.js";

/** One ReadIndex request waiting for its heartbeat round (thesis §6.4). */
export interface ReadRequest {
  readonly context: string;
  /** The leader's commit index when the request arrived: the read is linearizable once applied reaches it. */
  readonly index: number;
  /** Who asked: the leader itself or a follower that forwarded the request. */
  readonly from: NodeId;
  /** The heartbeat round started for this request: only acknowledgements of it (or a later round) release it. */
  readonly round: number;
}

/** The context a heartbeat of round `round` carries (followers echo it back unchanged). */
export function roundContext(round: number): string {
  return String(round);
}

/** The round a heartbeat-response's context names, or undefined when it names none. */
export function parseRoundContext(context: string | undefined): number | undefined {
  if (context === undefined || !/^[1-9][0-9]{0,15}$/.test(context)) return undefined;
  const round = Number(context);
  return Number.isSafeInteger(round) ? round : undefined;
}

/**
 * Pending ReadIndex requests at the leader (etcd's readOnly, safe mode).
 *
 * Each request starts its own heartbeat round, numbered in sequence; the
 * heartbeats carry the round number, not the caller's context. A follower's
 * acknowledgement of round n proves that it still took us for leader after
 * round n started, so it confirms every request of round <= n (thesis §6.4:
 * "the leader [...] exchanges heartbeats with a majority *after* the read
 * arrived"). A request is released once a quorum of voters acknowledged its
 * round or a later one. Contexts are the callers' names for their reads and
 * may repeat (a barrier re-sent to a new leader, a duplicated message): keying
 * acknowledgements by context would let a late answer to an earlier round
 * release a newer read with a stale commit index.
 */
export class ReadOnly {
  #queue: ReadRequest[] = [];
  #round = 0;
  /** The highest round each peer acknowledged. */
  readonly #acked = new Map<NodeId, number>();

  get size(): number {
    return this.#queue.length;
  }

  /**
   * Queues a request and starts its round; returns the round, or undefined when
   * the same sender's request with the same context is already pending (a
   * re-sent read: the pending one answers it, and no later than a new one would).
   */
  add(index: number, context: string, from: NodeId): number | undefined {
    if (this.#queue.some((r) => r.context === context && r.from === from)) return undefined;
    const round = ++this.#round;
    this.#queue.push({ context, index, from, round });
    return round;
  }

  /** The round the next heartbeat must carry (the latest one) while requests wait, else undefined. */
  pendingRound(): number | undefined {
    return this.#queue.length > 0 ? this.#round : undefined;
  }

  /** Records that `from` acknowledged a heartbeat of `round`; rounds never started are ignored. */
  recvAck(from: NodeId, round: number): void {
    if (round > this.#round) return;
    if (round > (this.#acked.get(from) ?? 0)) this.#acked.set(from, round);
  }

  /**
   * Releases, in arrival order, every request whose round a quorum of `voters`
   * acknowledged; `self` (the leader, when it is a voter) counts as having
   * acknowledged every round it started.
   */
  release(voters: readonly NodeId[], self: NodeId): ReadRequest[] {
    const confirmed = committedIndex(voters, (id) => (id === self ? this.#round : (this.#acked.get(id) ?? 0)));
    let n = 0;
    while (n < this.#queue.length && this.#queue[n]!.round <= confirmed) n++;
    if (n === 0) return [];
    const released = this.#queue.slice(0, n);
    this.#queue = this.#queue.slice(n);
    return released;
  }

  /** Drops every pending request (the leader stepped down) and returns them so they can be refused. */
  reset(): ReadRequest[] {
    const all = this.#queue;
    this.#queue = [];
    return all;
  }
}
