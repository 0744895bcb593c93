/**
 * The replicated state machine of a map (and of a record, whose keys are field names). It holds
 * encoded keys and values only and applies commands in log order, so every peer that applies the
 * same log holds the same entries in the same (insertion) order (Raft §5.3: state machine safety).
 */
import { bytesKey, isBytes, keyBytes, loadBytes, type StoredBytes, storeBytes, storedEquals } from "./bytes.js";
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

function putLength(out: Uint8Array, pos: number, length: number): number {
  let p = pos;
  let v = length;
  while (v >= 0x80) {
    out[p++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[p++] = v;
  return p;
}

/** Write stored bytes with their varint length at `pos`; returns the position after them. */
function put(out: Uint8Array, pos: number, stored: StoredBytes): number {
  const length = stored.length;
  const p = putLength(out, pos, length);
  if (typeof stored === "string") {
    for (let i = 0; i < length; i++) out[p + i] = stored.charCodeAt(i);
  } else {
    out.set(stored, p);
  }
  return p + length;
}

function pack(slots: ReadonlyMap<string, StoredBytes>): Uint8Array {
  let total = 0;
  for (const [id, value] of slots) {
    total += varintLength(id.length) + id.length + varintLength(value.length) + value.length;
  }
  const out = new Uint8Array(total);
  let pos = 0;
  for (const [id, value] of slots) {
    pos = put(out, pos, id);
    pos = put(out, pos, value);
  }
  return out;
}

/** Fill `slots` from a packed state; returns false (with `slots` partly filled) if it is malformed. */
function unpackInto(packed: Uint8Array, slots: Map<string, StoredBytes>): boolean {
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
    const bytes = packed.subarray(pos, pos + length);
    pos += length;
    return bytes;
  };
  while (pos < packed.length) {
    const key = take();
    const value = key === undefined ? undefined : take();
    if (key === undefined || value === undefined) return false;
    const stored = storeBytes(value);
    // A long value is copied out of the packed state, so that it does not keep the whole state alive.
    slots.set(bytesKey(key), typeof stored === "string" ? stored : value.slice());
  }
  return true;
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
  /** Values by {@link bytesKey} of their key, in insertion order; the key's bytes are that string's. */
  private readonly slots = new Map<string, StoredBytes>();
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

  /** The encoded value of an encoded key. Do not mutate it: a long value is the replicated state itself. */
  get(key: Uint8Array): Uint8Array | undefined {
    const stored = this.slots.get(bytesKey(key));
    return stored === undefined ? undefined : loadBytes(stored);
  }

  /** Whether an encoded key is present. */
  has(key: Uint8Array): boolean {
    return this.slots.has(bytesKey(key));
  }

  /** The entry stored under a {@link bytesKey} identity. */
  getSlot(id: string): EncodedEntry | undefined {
    const stored = this.slots.get(id);
    return stored === undefined ? undefined : [keyBytes(id), loadBytes(stored)];
  }

  /** Encoded entries in insertion order. Do not mutate them. */
  *entries(): IterableIterator<EncodedEntry> {
    for (const [id, stored] of this.slots) yield [keyBytes(id), loadBytes(stored)];
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
          const changes: MapChange[] = [];
          const previous = this.writeEntry(key, value, command.op === "insert", context.index, changes);
          return { result: previous === null ? ONE_ABSENT : [previous], changes };
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
          if (removed === undefined) return null;
          changes.push({ type: "remove", key, value: removed });
          return removed;
        });
        return { result, changes };
      }
      case "updateIf": {
        const key = field(args, "key");
        const value = field(args, "value");
        const oldValue = field(args, "oldValue");
        if (!isBytes(key) || !isBytes(value) || !isBytes(oldValue)) return NOTHING;
        const id = bytesKey(key);
        const stored = this.slots.get(id);
        if (stored === undefined || !storedEquals(stored, oldValue)) return { result: false, changes: [] };
        const previous = loadBytes(stored);
        this.slots.set(id, storeBytes(value));
        this.touched(id, context.index);
        return { result: true, changes: [{ type: "update", key, oldValue: previous, value }] };
      }
      case "removeIf": {
        const key = field(args, "key");
        const oldValue = field(args, "oldValue");
        if (!isBytes(key) || !isBytes(oldValue)) return NOTHING;
        const stored = this.slots.get(bytesKey(key));
        if (stored === undefined || !storedEquals(stored, oldValue)) return { result: false, changes: [] };
        const removed = this.removeKey(key, context.index) as Uint8Array;
        return { result: true, changes: [{ type: "remove", key, value: removed }] };
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
    this.slots.clear();
    const packed = field(state, "packed");
    if (isBytes(packed)) {
      if (!unpackInto(packed, this.slots)) this.slots.clear();
      return;
    }
    const entries = field(state, "entries");
    if (!isEntryList(entries)) return;
    for (const [key, value] of entries) this.slots.set(bytesKey(key), storeBytes(value));
  }

  /** Extension point for operations of a subtype (the remote map's acknowledgements). */
  protected applyOther(_command: StorageCommand, _context: ApplyContext): ApplyOutcome {
    return NOTHING;
  }

  /** Called for every key (by {@link bytesKey} identity) whose value changes, with the log index. */
  protected touched(_id: string, _index: number): void {}

  private write(entries: readonly EncodedEntry[], onlyInsert: boolean, index: number): ApplyOutcome {
    const changes: MapChange[] = [];
    const result: (Uint8Array | null)[] = new Array(entries.length);
    // A plain loop: this runs for every applied write on every peer.
    for (let i = 0; i < entries.length; i++) {
      const [key, value] = entries[i] as EncodedEntry;
      result[i] = this.writeEntry(key, value, onlyInsert, index, changes);
    }
    return { result: result.length === 1 && result[0] === null ? ONE_ABSENT : result, changes };
  }

  /** Set (or only insert) one entry, recording its change; returns the value it found (`null` if absent). */
  private writeEntry(
    key: Uint8Array,
    value: Uint8Array,
    onlyInsert: boolean,
    index: number,
    changes: MapChange[],
  ): Uint8Array | null {
    const id = bytesKey(key);
    const stored = this.slots.get(id);
    if (stored === undefined) {
      this.slots.set(id, storeBytes(value));
      this.touched(id, index);
      changes.push({ type: "insert", key, value });
      return null;
    }
    const previous = loadBytes(stored);
    if (onlyInsert) return previous;
    // Setting an existing key keeps its place in the insertion order (a JS Map does).
    this.slots.set(id, storeBytes(value));
    this.touched(id, index);
    changes.push({ type: "update", key, oldValue: previous, value });
    return previous;
  }

  /** Remove a key; returns the value it had, or `undefined` if it was absent. */
  private removeKey(key: Uint8Array, index: number): Uint8Array | undefined {
    const id = bytesKey(key);
    const stored = this.slots.get(id);
    if (stored === undefined) return undefined;
    this.slots.delete(id);
    this.touched(id, index);
    return loadBytes(stored);
  }

  private clearAll(index: number): void {
    for (const id of this.slots.keys()) this.touched(id, index);
    this.slots.clear();
  }
}
