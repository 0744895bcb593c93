/**
 * The replicated state machine of a map (and of a record, whose keys are field names). It holds
 * encoded keys and values only and applies commands in log order, so every peer that applies the
 * same log holds the same entries in the same (insertion) order (Raft §5.3: state machine safety).
 */
import { bytesEqual, bytesKey, isBytes } from "./bytes.js";
import type { ApplyContext, ApplyOutcome, ReplicatedStateMachine, StorageCommand } from "./contract.js";

/** A change applied to a map, as delivered to the user-facing class on every peer. */
export type MapChange =
  | { readonly type: "insert"; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: "update"; readonly key: Uint8Array; readonly oldValue: Uint8Array; readonly value: Uint8Array }
  | { readonly type: "remove"; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: "clear" };

/** An encoded entry. */
export type EncodedEntry = readonly [key: Uint8Array, value: Uint8Array];

/** The exported state of a map: its entries in insertion order. */
export interface MapSnapshot {
  readonly entries: readonly EncodedEntry[];
}

/**
 * The state machine's own export (inside Raft snapshots): every entry packed into one byte array,
 * `(varint keyLength, key, varint valueLength, value)*` in insertion order. One array instead of
 * two per entry keeps a snapshot of a large map cheap to take and to encode. `import()` also
 * accepts the {@link MapSnapshot} form.
 */
export interface PackedMapState {
  readonly packed: Uint8Array;
}

function varintLength(value: number): number {
  let length = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) length++;
  return length;
}

/** Write `bytes` with its varint length at `pos`; returns the position after it. */
function put(out: Uint8Array, pos: number, bytes: Uint8Array): number {
  let p = pos;
  let v = bytes.length;
  while (v >= 0x80) {
    out[p++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[p++] = v;
  const length = bytes.length;
  // Small arrays (the usual keys and values) copy faster by hand than through `set`.
  if (length > 32) out.set(bytes, p);
  else for (let i = 0; i < length; i++) out[p + i] = bytes[i] as number;
  return p + length;
}

function pack(slots: ReadonlyMap<string, Slot>): Uint8Array {
  let total = 0;
  for (const slot of slots.values()) {
    total += varintLength(slot.key.length) + slot.key.length + varintLength(slot.value.length) + slot.value.length;
  }
  const out = new Uint8Array(total);
  let pos = 0;
  for (const slot of slots.values()) {
    pos = put(out, pos, slot.key);
    pos = put(out, pos, slot.value);
  }
  return out;
}

/** The entries of a packed state (copies), or `undefined` if it is malformed. */
function unpack(packed: Uint8Array): EncodedEntry[] | undefined {
  const entries: EncodedEntry[] = [];
  let pos = 0;
  const take = (): Uint8Array | undefined => {
    let length = 0;
    let scale = 1;
    for (;;) {
      if (pos >= packed.length || scale > 2 ** 49) return undefined;
      const byte = packed[pos++]!;
      length += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 0x80;
    }
    if (pos + length > packed.length) return undefined;
    const bytes = packed.slice(pos, pos + length);
    pos += length;
    return bytes;
  };
  while (pos < packed.length) {
    const key = take();
    const value = key === undefined ? undefined : take();
    if (key === undefined || value === undefined) return undefined;
    entries.push([key, value]);
  }
  return entries;
}

/**
 * Operations of the map state machine, with their arguments and results:
 * - `set` `{entries}` → previous value per entry (`null` if absent);
 * - `insert` `{entries}` → existing value per entry (`null` if it was inserted);
 * - `set`/`insert` `{key, value}`: the same for one entry (a list of one as result); the log keeps two
 *   objects less per write than with `{entries: [[key, value]]}`, and receivers validate less;
 * - `delete` `{keys}` → removed value per key (`null` if absent);
 * - `updateIf` `{key, value, oldValue}` → whether the current bytes equalled `oldValue` and were replaced;
 * - `removeIf` `{key, oldValue}` → whether the current bytes equalled `oldValue` and were removed;
 * - `clear` → `null`;
 * - `import` `{entries}` → `null` (replaces every entry).
 * A malformed command changes nothing and results in `null`.
 */
export type MapOp = "set" | "insert" | "delete" | "updateIf" | "removeIf" | "clear" | "import";

interface Slot {
  readonly key: Uint8Array;
  value: Uint8Array;
}

const NOTHING: ApplyOutcome = { result: null, changes: [] };

/**
 * The result of a one-entry `set`/`insert` of an absent key, shared: it is the most common write,
 * and every peer keeps each result until its submitter acknowledges it. Frozen, so sharing is safe.
 */
const ONE_ABSENT: readonly null[] = Object.freeze([null]);

function isEntryList(value: unknown): value is EncodedEntry[] {
  if (!Array.isArray(value)) return false;
  // A loop, not `every`: this runs for every applied write on every peer.
  for (let i = 0; i < value.length; i++) {
    const entry: unknown = value[i];
    if (!Array.isArray(entry) || entry.length !== 2 || !isBytes(entry[0]) || !isBytes(entry[1])) return false;
  }
  return true;
}

function isKeyList(value: unknown): value is Uint8Array[] {
  return Array.isArray(value) && value.every(isBytes);
}

function field(args: unknown, name: string): unknown {
  return typeof args === "object" && args !== null ? (args as Record<string, unknown>)[name] : undefined;
}

/** A map of bytes to bytes, replicated through the log. */
export class MapStateMachine implements ReplicatedStateMachine {
  readonly type: "map" | "record" | "remote-map";
  private readonly slots = new Map<string, Slot>();
  /**
   * The last export, kept until the next command or import: a snapshot serialises every storage,
   * and most of them have not changed since the previous one, so they are not packed again.
   */
  private exported: PackedMapState | undefined;

  constructor(type: "map" | "record" | "remote-map" = "map") {
    this.type = type;
  }

  /** Number of entries. */
  get size(): number {
    return this.slots.size;
  }

  /** The encoded value of an encoded key. Do not mutate it: it is the replicated state. */
  get(key: Uint8Array): Uint8Array | undefined {
    return this.slots.get(bytesKey(key))?.value;
  }

  /** Whether an encoded key is present. */
  has(key: Uint8Array): boolean {
    return this.slots.has(bytesKey(key));
  }

  /** The entry stored under a {@link bytesKey} identity. */
  getSlot(id: string): EncodedEntry | undefined {
    const slot = this.slots.get(id);
    return slot === undefined ? undefined : [slot.key, slot.value];
  }

  /** Encoded entries in insertion order. Do not mutate them. */
  *entries(): IterableIterator<EncodedEntry> {
    for (const slot of this.slots.values()) yield [slot.key, slot.value];
  }

  apply(command: StorageCommand, context: ApplyContext): ApplyOutcome {
    // Every change goes through here or `import()`: dropping the cached export on each keeps it exact.
    this.exported = undefined;
    const args = command.args;
    switch (command.op as MapOp) {
      case "set":
      case "insert": {
        const key = field(args, "key");
        if (key !== undefined) {
          const value = field(args, "value");
          if (!isBytes(key) || !isBytes(value)) return NOTHING;
          return this.write([[key, value]], command.op === "insert", context.index);
        }
        const entries = field(args, "entries");
        if (!isEntryList(entries)) return NOTHING;
        return this.write(entries, command.op === "insert", context.index);
      }
      case "delete": {
        const keys = field(args, "keys");
        if (!isKeyList(keys)) return NOTHING;
        const changes: MapChange[] = [];
        const result = keys.map((key) => {
          const removed = this.removeKey(key, context.index);
          if (removed !== undefined) changes.push({ type: "remove", key: removed.key, value: removed.value });
          return removed?.value ?? null;
        });
        return { result, changes };
      }
      case "updateIf": {
        const key = field(args, "key");
        const value = field(args, "value");
        const oldValue = field(args, "oldValue");
        if (!isBytes(key) || !isBytes(value) || !isBytes(oldValue)) return NOTHING;
        const id = bytesKey(key);
        const slot = this.slots.get(id);
        if (slot === undefined || !bytesEqual(slot.value, oldValue)) return { result: false, changes: [] };
        const previous = slot.value;
        slot.value = value;
        this.touched(id, slot.key, context.index);
        return { result: true, changes: [{ type: "update", key: slot.key, oldValue: previous, value }] };
      }
      case "removeIf": {
        const key = field(args, "key");
        const oldValue = field(args, "oldValue");
        if (!isBytes(key) || !isBytes(oldValue)) return NOTHING;
        const slot = this.slots.get(bytesKey(key));
        if (slot === undefined || !bytesEqual(slot.value, oldValue)) return { result: false, changes: [] };
        this.removeKey(key, context.index);
        return { result: true, changes: [{ type: "remove", key: slot.key, value: slot.value }] };
      }
      case "clear":
        this.clearAll(context.index);
        return { result: null, changes: [{ type: "clear" }] };
      case "import": {
        const entries = field(args, "entries");
        if (!isEntryList(entries)) return NOTHING;
        this.clearAll(context.index);
        const written = this.write(entries, false, context.index);
        return { result: null, changes: [{ type: "clear" }, ...written.changes] };
      }
      default:
        return this.applyOther(command, context);
    }
  }

  export(): unknown {
    this.exported ??= { packed: pack(this.slots) };
    return this.exported;
  }

  import(state: unknown): void {
    this.exported = undefined;
    const packed = field(state, "packed");
    const entries = isBytes(packed) ? unpack(packed) : field(state, "entries");
    this.slots.clear();
    if (!isEntryList(entries)) return;
    for (const [key, value] of entries) this.slots.set(bytesKey(key), { key, value });
  }

  /** Extension point for operations of a subtype (the remote map's acknowledgements). */
  protected applyOther(_command: StorageCommand, _context: ApplyContext): ApplyOutcome {
    return NOTHING;
  }

  /** Called for every key whose value changes (set, insert, update, remove, clear), with the log index. */
  protected touched(_id: string, _key: Uint8Array, _index: number): void {}

  private write(entries: readonly EncodedEntry[], onlyInsert: boolean, index: number): ApplyOutcome {
    const changes: MapChange[] = [];
    const result: (Uint8Array | null)[] = new Array(entries.length);
    // A plain loop: this runs for every applied write on every peer.
    for (let i = 0; i < entries.length; i++) {
      const [key, value] = entries[i] as EncodedEntry;
      const id = bytesKey(key);
      const slot = this.slots.get(id);
      if (slot === undefined) {
        this.slots.set(id, { key, value });
        this.touched(id, key, index);
        changes.push({ type: "insert", key, value });
        result[i] = null;
      } else if (onlyInsert) {
        result[i] = slot.value;
      } else {
        const previous = slot.value;
        slot.value = value;
        this.touched(id, slot.key, index);
        changes.push({ type: "update", key: slot.key, oldValue: previous, value });
        result[i] = previous;
      }
    }
    return { result: result.length === 1 && result[0] === null ? ONE_ABSENT : result, changes };
  }

  private removeKey(key: Uint8Array, index: number): Slot | undefined {
    const id = bytesKey(key);
    const slot = this.slots.get(id);
    if (slot === undefined) return undefined;
    this.slots.delete(id);
    this.touched(id, slot.key, index);
    return slot;
  }

  private clearAll(index: number): void {
    for (const [id, slot] of this.slots) this.touched(id, slot.key, index);
    this.slots.clear();
  }
}
