/**
 * What every user-facing collection shares: its connection, its closed state and its request
 * options. Kept apart so each collection class holds only its own semantics.
 */
import { HamokError } from "../errors.js";
import type { StorageConnection, StorageConnectionListener, StorageType, SubmitOptions } from "./contract.js";

/** Checks an optional positive integer option; `InvalidArgument` otherwise. */
export function positiveIntegerOption(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new HamokError("InvalidArgument", `${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** A collection's hold on its connection. */
export class CollectionLink {
  private isClosed = false;
  private readonly submitOptions: SubmitOptions;

  constructor(
    readonly connection: StorageConnection,
    expected: { readonly type: StorageType; readonly id: string; readonly requestTimeoutInMs: number | undefined },
    listener: StorageConnectionListener,
  ) {
    if (typeof expected.id !== "string" || expected.id.length === 0) {
      throw new HamokError("InvalidArgument", "a collection id must be a non-empty string");
    }
    if (connection.storageId !== expected.id) {
      throw new HamokError(
        "InvalidArgument",
        `the connection is for storage ${connection.storageId}, not ${expected.id}`,
      );
    }
    if (connection.storageType !== expected.type || connection.stateMachine.type !== expected.type) {
      throw new HamokError(
        "StorageTypeMismatch",
        `storage ${expected.id} is a ${connection.stateMachine.type}, not a ${expected.type}`,
      );
    }
    const timeout = positiveIntegerOption("requestTimeoutInMs", expected.requestTimeoutInMs);
    this.submitOptions = timeout === undefined ? {} : { timeoutInMs: timeout };
    connection.attach(listener);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The collection's request timeout, if it set one. */
  get timeoutInMs(): number | undefined {
    return this.submitOptions.timeoutInMs;
  }

  /** Rejects with `Closed` once the collection is closed. */
  assertOpen(): void {
    if (this.isClosed) throw new HamokError("Closed", `storage ${this.connection.storageId} is closed`);
  }

  /** Proposes a command with the collection's timeout. Rejects with `Closed` once closed. */
  submit(op: string, args?: unknown): Promise<unknown> {
    // Not `async`: one promise less per write on the hot path.
    if (this.isClosed)
      return Promise.reject(new HamokError("Closed", `storage ${this.connection.storageId} is closed`));
    return this.connection.submit(op, args, this.submitOptions);
  }

  /** Linearizable read barrier (ReadIndex, Raft §6.4). */
  async sync(): Promise<void> {
    this.assertOpen();
    return this.connection.sync(this.submitOptions);
  }

  /** Marks the collection closed and detaches it; `false` if it already was. */
  close(): boolean {
    if (this.isClosed) return false;
    this.isClosed = true;
    this.connection.close();
    return true;
  }
}

/** Splits a list into chunks of at most `size` items (one chunk when `size` is undefined, none when empty). */
export function chunks<T>(items: readonly T[], size: number | undefined): T[][] {
  if (items.length === 0) return [];
  if (size === undefined || items.length <= size) return [items.slice()];
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
