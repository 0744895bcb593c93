/**
 * The replicated state machine of a FIFO queue of encoded items. `pop` goes through the log, so
 * concurrent pops from several peers are ordered by the log and each item is handed (as the
 * command's result) to exactly one popper (Raft §5.3: every peer applies the same commands in order).
 */
import { isBytes } from "./bytes.js";
import type { ApplyContext, ApplyOutcome, ReplicatedStateMachine, StorageCommand } from "./contract.js";

/** A change applied to a queue, delivered to the user-facing class on every peer. */
export type QueueChange =
  | { readonly type: "add"; readonly item: Uint8Array }
  | { readonly type: "remove"; readonly item: Uint8Array }
  | { readonly type: "empty" }
  | { readonly type: "not-empty" };

/** The exported state of a queue: its items, head first. */
export interface QueueSnapshot {
  readonly items: readonly Uint8Array[];
}

/**
 * Operations: `push` `{items}` → the size after; `pop` → the head item or `null` if empty;
 * `clear` → how many items were removed. A malformed command changes nothing and results in `null`.
 */
export type QueueOp = "push" | "pop" | "clear";

/** A FIFO queue of bytes replicated through the log. */
export class QueueStateMachine implements ReplicatedStateMachine {
  readonly type = "queue" as const;
  private items: Uint8Array[] = [];
  /** Index of the head in `items`; popped slots before it are dropped in batches (amortised O(1) pop). */
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  /** The head item. Do not mutate it: it is the replicated state. */
  peek(): Uint8Array | undefined {
    return this.items[this.head];
  }

  /** Items, head first. Do not mutate them. */
  *values(): IterableIterator<Uint8Array> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
  }

  apply(command: StorageCommand, _context: ApplyContext): ApplyOutcome {
    switch (command.op as QueueOp) {
      case "push": {
        const items =
          typeof command.args === "object" && command.args !== null
            ? (command.args as { items?: unknown }).items
            : undefined;
        if (!Array.isArray(items) || !items.every(isBytes)) return { result: null, changes: [] };
        const wasEmpty = this.size === 0;
        const changes: QueueChange[] = [];
        for (const item of items) {
          this.items.push(item);
          changes.push({ type: "add", item });
        }
        if (wasEmpty && items.length > 0) changes.push({ type: "not-empty" });
        return { result: this.size, changes };
      }
      case "pop": {
        const item = this.items[this.head];
        if (item === undefined) return { result: null, changes: [] };
        this.head++;
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        const changes: QueueChange[] = [{ type: "remove", item }];
        if (this.size === 0) changes.push({ type: "empty" });
        return { result: item, changes };
      }
      case "clear": {
        const removed = [...this.values()];
        this.items = [];
        this.head = 0;
        const changes: QueueChange[] = removed.map((item) => ({ type: "remove", item }));
        if (removed.length > 0) changes.push({ type: "empty" });
        return { result: removed.length, changes };
      }
      default:
        return { result: null, changes: [] };
    }
  }

  export(): unknown {
    const snapshot: QueueSnapshot = { items: [...this.values()] };
    return snapshot;
  }

  import(state: unknown): void {
    const items = typeof state === "object" && state !== null ? (state as { items?: unknown }).items : undefined;
    this.items = Array.isArray(items) ? items.filter(isBytes) : [];
    this.head = 0;
  }
}
