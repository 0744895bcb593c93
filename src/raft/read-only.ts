import type { NodeId } from "./types";

/** One ReadIndex request waiting for its heartbeat round (thesis §6.4). */
export interface ReadRequest {
  readonly context: string;
  /** The leader's commit index when the request arrived: the read is linearizable once applied reaches it. */
  readonly index: number;
  /** Who asked: the leader itself or a follower that forwarded the request. */
  readonly from: NodeId;
  readonly acks: Set<NodeId>;
}

/**
 * Pending ReadIndex requests at the leader (etcd's readOnly, safe mode). A
 * request is served once a quorum answered a heartbeat that carried its
 * context; since heartbeats are answered in order, that also confirms every
 * earlier request, so requests are released in arrival order.
 */
export class ReadOnly {
  readonly #pending = new Map<string, ReadRequest>();
  #queue: string[] = [];

  get size(): number {
    return this.#queue.length;
  }

  /** Records a request; returns false when one with the same context is already pending. */
  add(index: number, context: string, from: NodeId): boolean {
    if (this.#pending.has(context)) return false;
    this.#pending.set(context, { context, index, from, acks: new Set() });
    this.#queue.push(context);
    return true;
  }

  /** Records that `from` answered a heartbeat carrying `context`; returns the acks so far, if pending. */
  recvAck(from: NodeId, context: string): ReadonlySet<NodeId> | undefined {
    const req = this.#pending.get(context);
    if (!req) return undefined;
    req.acks.add(from);
    return req.acks;
  }

  /** Releases the request for `context` and every request queued before it. */
  advance(context: string): ReadRequest[] {
    const at = this.#queue.indexOf(context);
    if (at < 0) return [];
    const released = this.#queue.slice(0, at + 1).map((c) => this.#pending.get(c)!);
    for (const r of released) this.#pending.delete(r.context);
    this.#queue = this.#queue.slice(at + 1);
    return released;
  }

  lastPendingContext(): string | undefined {
    return this.#queue[this.#queue.length - 1];
  }

  /** Drops every pending request (the leader stepped down) and returns them so they can be refused. */
  reset(): ReadRequest[] {
    const all = this.#queue.map((c) => this.#pending.get(c)!);
    this.#pending.clear();
    this.#queue = [];
    return all;
  }
}
