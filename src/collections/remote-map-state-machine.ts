/**
 * The replicated state machine of a remote map: a map state machine that also remembers, per key,
 * the log index of the last change not yet acknowledged as written to the remote store ("dirty"
 * keys). The leader writes dirty keys through and then proposes `flushed` with the indexes it wrote;
 * a new leader rewrites only keys still dirty, so a write is repeated only when leadership changed
 * between the write and the commit of its acknowledgement.
 */
import { bytesKey, isBytes, keyBytes } from "./bytes.js";
import type { ApplyContext, ApplyOutcome, StorageCommand } from "./contract.js";
import { MapStateMachine, type PackedMapState } from "./map-state-machine.js";

/** A key whose latest change (at log `index`) is not yet acknowledged as written to the remote store. */
export interface DirtyKey {
  readonly key: Uint8Array;
  readonly index: number;
}

/** The exported state of a remote map. */
export interface RemoteMapSnapshot extends PackedMapState {
  readonly dirty: readonly (readonly [key: Uint8Array, index: number])[];
}

function isFlushList(value: unknown): value is [Uint8Array, number][] {
  return (
    Array.isArray(value) &&
    value.every((item) => Array.isArray(item) && item.length === 2 && isBytes(item[0]) && Number.isSafeInteger(item[1]))
  );
}

/**
 * Map operations plus `flushed` `{keys: [key, index][]}`: the remote store holds the value each key
 * had at `index`; the key stops being dirty unless a later change touched it.
 */
export class RemoteMapStateMachine extends MapStateMachine {
  private readonly dirtyKeys = new Map<string, DirtyKey>();

  constructor() {
    super("remote-map");
  }

  /** Keys to write to the remote store, with the index of their latest change, in change order. */
  dirty(): IterableIterator<[id: string, dirty: DirtyKey]> {
    return this.dirtyKeys.entries();
  }

  /** The pending change of a key (by {@link bytesKey} identity), if it awaits a remote write. */
  dirtyOf(id: string): DirtyKey | undefined {
    return this.dirtyKeys.get(id);
  }

  /** How many keys await a remote write. */
  get dirtyCount(): number {
    return this.dirtyKeys.size;
  }

  override export(): unknown {
    const base = super.export() as PackedMapState;
    const snapshot: RemoteMapSnapshot = {
      packed: base.packed,
      dirty: [...this.dirtyKeys.values()].map((d) => [d.key, d.index] as const),
    };
    return snapshot;
  }

  override import(state: unknown): void {
    super.import(state);
    this.dirtyKeys.clear();
    const dirty = typeof state === "object" && state !== null ? (state as { dirty?: unknown }).dirty : undefined;
    if (!isFlushList(dirty)) return;
    for (const [key, index] of dirty) this.dirtyKeys.set(bytesKey(key), { key, index });
  }

  protected override applyOther(command: StorageCommand, _context: ApplyContext): ApplyOutcome {
    if (command.op !== "flushed") return { result: null, changes: [] };
    const keys =
      typeof command.args === "object" && command.args !== null ? (command.args as { keys?: unknown }).keys : undefined;
    if (!isFlushList(keys)) return { result: null, changes: [] };
    let cleared = 0;
    for (const [key, index] of keys) {
      const id = bytesKey(key);
      const dirty = this.dirtyKeys.get(id);
      // A later change keeps the key dirty: the remote store does not hold its value yet.
      if (dirty !== undefined && dirty.index <= index) {
        this.dirtyKeys.delete(id);
        cleared++;
      }
    }
    return { result: cleared, changes: [] };
  }

  protected override touched(id: string, index: number): void {
    // Delete first so iteration order follows the latest change.
    this.dirtyKeys.delete(id);
    this.dirtyKeys.set(id, { key: keyBytes(id), index });
  }
}
