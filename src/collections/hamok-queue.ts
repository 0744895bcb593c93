/** HamokQueue: a FIFO queue replicated through the Raft log. */
import { HamokError } from "../errors.js";
import { createJsonCodec, type HamokCodec } from "./codec.js";
import { CollectionLink } from "./collection-link.js";
import type { ApplyOutcome, StorageConnection } from "./contract.js";
import { GuardedEmitter } from "./guarded-emitter.js";
import { type QueueChange, QueueStateMachine } from "./queue-state-machine.js";

/** Events of a queue, fired on every peer in log order. */
export type HamokQueueEvents<T> = {
  /** An item was pushed. */
  add: [item: T];
  /** An item was popped or cleared. */
  remove: [item: T];
  /** The queue became empty. */
  empty: [];
  /** The queue became non-empty. */
  "not-empty": [];
  /** The queue was closed (detached). */
  close: [];
};

/** Options of {@link HamokQueue}. */
export interface HamokQueueOptions<T> {
  /** The storage id (the connection's). */
  readonly queueId: string;
  /** Item codec. Default: JSON as UTF-8. */
  readonly codec?: HamokCodec<T>;
  /** Timeout of each request; default Hamok's. */
  readonly requestTimeoutInMs?: number;
}

/**
 * A replicated FIFO queue. `push` and `pop` go through the log, so the order is the same on every
 * peer and each item is popped by exactly one caller, whichever peer it is on. `peek`, `size`,
 * `empty` and iteration are local reads.
 */
export class HamokQueue<T> extends GuardedEmitter<HamokQueueEvents<T>> {
  /** The storage id. */
  readonly id: string;
  private readonly link: CollectionLink;
  private readonly codec: HamokCodec<T>;

  constructor(connection: StorageConnection, options: HamokQueueOptions<T>) {
    super((event, error) => connection.reportListenerError(event, error));
    this.id = options.queueId;
    this.codec = options.codec ?? createJsonCodec<T>();
    this.link = new CollectionLink(
      connection,
      { type: "queue", id: options.queueId, requestTimeoutInMs: options.requestTimeoutInMs },
      {
        onApplied: (_command, outcome) => this.announce(outcome),
        onRestored: () => this.emit(this.size === 0 ? "empty" : "not-empty"),
        onClosed: () => this.close(),
      },
    );
  }

  private get state(): QueueStateMachine {
    const sm = this.link.connection.stateMachine;
    if (!(sm instanceof QueueStateMachine))
      throw new HamokError("StorageTypeMismatch", `storage ${this.id} is no queue`);
    return sm;
  }

  /** Whether the queue is closed. */
  get closed(): boolean {
    return this.link.closed;
  }

  /** Resolves when Hamok has joined a cluster and caught up. */
  get ready(): Promise<void> {
    return this.link.connection.ready;
  }

  /** Number of items (local). */
  get size(): number {
    return this.state.size;
  }

  /** Whether the queue has no items (local). */
  get empty(): boolean {
    return this.state.size === 0;
  }

  /** Linearizable read barrier. */
  sync(): Promise<void> {
    return this.link.sync();
  }

  /** Appends items at the tail, in argument order, as one command. */
  async push(...items: T[]): Promise<void> {
    this.link.assertOpen();
    if (items.length === 0) return;
    const encoded = items.map((item) => {
      if (item === undefined) throw new HamokError("InvalidArgument", "a queue item cannot be undefined");
      return this.codec.encode(item);
    });
    await this.link.submit("push", { items: encoded });
  }

  /** Removes and returns the head item (`undefined` when the queue is empty when the pop applies). */
  async pop(): Promise<T | undefined> {
    const item = await this.link.submit("pop");
    return item instanceof Uint8Array ? this.codec.decode(item) : undefined;
  }

  /** The head item without removing it (local). */
  peek(): T | undefined {
    const item = this.state.peek();
    return item === undefined ? undefined : this.codec.decode(item);
  }

  /** Removes every item. */
  async clear(): Promise<void> {
    await this.link.submit("clear");
  }

  /** Items, head first (local). */
  *values(): IterableIterator<T> {
    for (const item of this.state.values()) yield this.codec.decode(item);
  }

  /** The items from head to tail, as this peer holds them (a local read: `sync()` first to make it linearizable). */
  [Symbol.iterator](): IterableIterator<T> {
    return this.values();
  }

  /** Detaches the queue; later mutations reject with `Closed`. */
  close(): void {
    if (this.link.close()) this.emit("close");
  }

  private announce(outcome: ApplyOutcome): void {
    for (const change of outcome.changes as readonly QueueChange[]) {
      switch (change.type) {
        case "add":
          if (this.listenerCount("add") > 0) this.emit("add", this.codec.decode(change.item));
          break;
        case "remove":
          if (this.listenerCount("remove") > 0) this.emit("remove", this.codec.decode(change.item));
          break;
        case "empty":
          this.emit("empty");
          break;
        case "not-empty":
          this.emit("not-empty");
          break;
      }
    }
  }
}
