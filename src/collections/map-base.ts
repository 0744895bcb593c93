/**
 * The user-facing half shared by HamokMap and HamokRemoteMap: codecs, local reads from the
 * replicated state, mutations through the log (split by the outbound limits), and events from the
 * changes every peer applies in log order.
 */
import type { EventEmitter } from "eventemitter3";
import { HamokError } from "../errors.js";
import { bytesEqual } from "./bytes.js";
import { createJsonCodec, type HamokCodec } from "./codec.js";
import { CollectionLink, chunks, positiveIntegerOption } from "./collection-link.js";
import type { ApplyContext, ApplyOutcome, StorageCommand, StorageConnection, StorageType } from "./contract.js";
import { GuardedEmitter } from "./guarded-emitter.js";
import { type EncodedEntry, type MapChange, type MapSnapshot, MapStateMachine } from "./map-state-machine.js";

/** Events of a map, fired on every peer in log order. */
export type HamokMapEvents<K, V> = {
  /** A key was added. */
  insert: [key: K, value: V];
  /** A key's value changed (not fired when the new value equals the old one, see `equalValues`). */
  update: [key: K, oldValue: V, newValue: V];
  /** A key was removed. */
  remove: [key: K, value: V];
  /** Every key was removed at once (`clear()` or `import()`). */
  clear: [];
  /** The map was closed (detached). */
  close: [];
};

/** The exported state of a map: encoded entries in insertion order (the same on every peer). */
export type HamokMapSnapshot = MapSnapshot;

/** Options shared by maps and remote maps. */
export interface MapBaseOptions<K, V> {
  /** Key codec. Default: JSON as UTF-8. Every peer must use an equivalent codec. */
  readonly keyCodec?: HamokCodec<K>;
  /** Value codec. Default: JSON as UTF-8. */
  readonly valueCodec?: HamokCodec<V>;
  /**
   * A LOCAL predicate that decides whether an applied update is a change worth an `update` event:
   * when it returns true for the old and new value, no `update` event fires (the value is still
   * replaced). It never affects replicated state or results: `updateIf`/`removeIf` compare encoded
   * bytes in the state machine, identically on every peer. Default: the encoded bytes are equal.
   */
  readonly equalValues?: (a: V, b: V) => boolean;
  /** A Map the collection keeps equal to its decoded entries (cleared and filled on creation). */
  readonly baseMap?: Map<K, V>;
  /** Timeout of each request; default Hamok's. A timed-out request is indeterminate. */
  readonly requestTimeoutInMs?: number;
  /**
   * Most keys one command carries: `deleteAll`/`removeAll` (and the entry batches) are split into
   * several commands of at most this many keys. Each command is atomic; the batch as a whole is not.
   * Default: no limit.
   */
  readonly maxOutboundMessageKeys?: number;
  /** Most values one command carries: `setAll`/`insertAll`/`import` are split likewise. Default: no limit. */
  readonly maxOutboundMessageValues?: number;
}

/** Map methods over a {@link MapStateMachine} (also used by the remote map). */
export abstract class MapBase<K, V, E extends HamokMapEvents<K, V>> extends GuardedEmitter<E> {
  /** The storage id. */
  readonly id: string;
  protected readonly link: CollectionLink;
  private readonly keyCodec: HamokCodec<K>;
  private readonly valueCodec: HamokCodec<V>;
  /** Held in method form so that a `HamokMap<K, V>` stays assignable to `HamokMap<unknown, unknown>`. */
  private readonly equality: { equal(a: V, b: V): boolean } | undefined;
  private readonly baseMap: Map<K, V> | undefined;
  private readonly maxKeys: number | undefined;
  private readonly maxEntries: number | undefined;

  protected constructor(connection: StorageConnection, type: StorageType, id: string, options: MapBaseOptions<K, V>) {
    super((event, error) => connection.reportListenerError(event, error));
    this.id = id;
    this.keyCodec = options.keyCodec ?? createJsonCodec<K>();
    this.valueCodec = options.valueCodec ?? createJsonCodec<V>();
    const equalValues = options.equalValues;
    this.equality = equalValues === undefined ? undefined : { equal: (a, b) => equalValues(a, b) };
    this.baseMap = options.baseMap;
    this.maxKeys = positiveIntegerOption("maxOutboundMessageKeys", options.maxOutboundMessageKeys);
    const maxValues = positiveIntegerOption("maxOutboundMessageValues", options.maxOutboundMessageValues);
    this.maxEntries = this.maxKeys === undefined ? maxValues : Math.min(this.maxKeys, maxValues ?? this.maxKeys);
    this.link = new CollectionLink(
      connection,
      { type, id, requestTimeoutInMs: options.requestTimeoutInMs },
      {
        onApplied: (command, outcome, context) => this.handleApplied(command, outcome, context),
        onRestored: () => this.handleRestored(),
        onClosed: () => this.close(),
        onLeaderChanged: (leaderId) => this.leaderChanged(leaderId),
      },
    );
    this.refillBaseMap();
  }

  /** The replicated state (local, possibly stale; `await sync()` first for a linearizable read). */
  protected get state(): MapStateMachine {
    const sm = this.link.connection.stateMachine;
    if (!(sm instanceof MapStateMachine)) throw new HamokError("StorageTypeMismatch", `storage ${this.id} is no map`);
    return sm;
  }

  /** Whether the collection is closed. */
  get closed(): boolean {
    return this.link.closed;
  }

  /** Resolves when Hamok has joined a cluster and caught up. */
  get ready(): Promise<void> {
    return this.link.connection.ready;
  }

  /** Number of entries (local). */
  get size(): number {
    return this.state.size;
  }

  /** Whether the map has no entries (local). */
  get isEmpty(): boolean {
    return this.state.size === 0;
  }

  /** Linearizable read barrier: after it resolves, local reads reflect every write committed before the call. */
  sync(): Promise<void> {
    return this.link.sync();
  }

  /** The value of a key (local read). */
  get(key: K): V | undefined {
    const bytes = this.state.get(this.encodeKey(key));
    return bytes === undefined ? undefined : this.decodeValue(key, bytes);
  }

  /** Whether a key is present (local read). */
  has(key: K): boolean {
    return this.state.has(this.encodeKey(key));
  }

  /** The present keys among `keys`, with their values (local read). */
  getAll(keys: Iterable<K>): ReadonlyMap<K, V> {
    const out = new Map<K, V>();
    for (const key of keys) {
      const value = this.get(key);
      if (value !== undefined) out.set(key, value);
    }
    return out;
  }

  /** Keys in insertion order (the same on every peer). */
  *keys(): IterableIterator<K> {
    for (const [key] of this.state.entries()) yield this.keyCodec.decode(key);
  }

  /** Values in key insertion order. */
  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  /** Entries in key insertion order. */
  *entries(): IterableIterator<[K, V]> {
    for (const [keyBytes, valueBytes] of this.state.entries()) {
      const key = this.keyCodec.decode(keyBytes);
      yield [key, this.decodeValue(key, valueBytes)];
    }
  }

  /** The `[key, value]` entries, as this peer holds them (a local read: `sync()` first to make it linearizable). */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  /** Sets a value; resolves with the previous value (`undefined` if the key was absent). */
  set(key: K, value: V): Promise<V | undefined> {
    // The hot path of a map: one entry, no intermediate lists or maps (same command as `setAll`). Not `async`:
    // thousands of pipelined sets each kept a suspended function frame alive until their commit.
    let args: { readonly key: Uint8Array; readonly value: Uint8Array };
    try {
      this.link.assertOpen();
      args = { key: this.encodeKey(key), value: this.encodeValue(key, value) };
    } catch (error) {
      // As from an `async` method: a refusal is a rejection, never a throw.
      return Promise.reject(error);
    }
    return this.link.submit("set", args).then((result) => {
      const previous = (result as (Uint8Array | null)[])[0];
      return previous === null || previous === undefined ? undefined : this.decodeValue(key, previous);
    });
  }

  /** Sets several values; resolves with the previous values of the keys that had one. */
  async setAll(entries: ReadonlyMap<K, V> | Iterable<readonly [K, V]>): Promise<ReadonlyMap<K, V>> {
    return this.writeEntries("set", entries);
  }

  /** Sets a value only if the key is absent; resolves with the existing value (`undefined`: inserted). */
  async insert(key: K, value: V): Promise<V | undefined> {
    const existing = await this.insertAll([[key, value]]);
    return existing.get(key);
  }

  /** Inserts several entries, each only if its key is absent; resolves with the existing values of the keys not inserted. */
  async insertAll(entries: ReadonlyMap<K, V> | Iterable<readonly [K, V]>): Promise<ReadonlyMap<K, V>> {
    return this.writeEntries("insert", entries);
  }

  /** Deletes a key; resolves with whether it was present. */
  async delete(key: K): Promise<boolean> {
    return (await this.removeAll([key])).size > 0;
  }

  /** Deletes several keys; resolves with the keys that were present. */
  async deleteAll(keys: Iterable<K>): Promise<ReadonlySet<K>> {
    return new Set((await this.removeAll(keys)).keys());
  }

  /** Removes a key; resolves with whether it was present (as `delete`). */
  async remove(key: K): Promise<boolean> {
    return this.delete(key);
  }

  /** Removes several keys; resolves with the removed entries. */
  async removeAll(keys: Iterable<K>): Promise<ReadonlyMap<K, V>> {
    this.link.assertOpen();
    const list = [...keys];
    const encoded = list.map((key) => this.encodeKey(key));
    const removed = new Map<K, V>();
    let offset = 0;
    for (const chunk of chunks(encoded, this.maxKeys)) {
      const result = (await this.link.submit("delete", { keys: chunk })) as (Uint8Array | null)[];
      result.forEach((bytes, i) => {
        const key = list[offset + i] as K;
        if (bytes !== null && bytes !== undefined) removed.set(key, this.decodeValue(key, bytes));
      });
      offset += chunk.length;
    }
    return removed;
  }

  /**
   * Replaces the value of a key only if its current encoded value equals the encoding of
   * `oldValue` (compare-and-set, decided by the state machine); resolves with whether it did.
   */
  async updateIf(key: K, value: V, oldValue: V): Promise<boolean> {
    this.link.assertOpen();
    const args = {
      key: this.encodeKey(key),
      value: this.encodeValue(key, value),
      oldValue: this.encodeValue(key, oldValue),
    };
    return (await this.link.submit("updateIf", args)) === true;
  }

  /** Removes a key only if its current encoded value equals the encoding of `oldValue`; resolves with whether it did. */
  async removeIf(key: K, oldValue: V): Promise<boolean> {
    this.link.assertOpen();
    const args = { key: this.encodeKey(key), oldValue: this.encodeValue(key, oldValue) };
    return (await this.link.submit("removeIf", args)) === true;
  }

  /** Removes every entry. */
  async clear(): Promise<void> {
    await this.link.submit("clear");
  }

  /** The encoded entries (copies), for {@link import} into a map with the same codecs. */
  export(): HamokMapSnapshot {
    return { entries: [...this.state.entries()].map(([k, v]) => [k.slice(), v.slice()] as const) };
  }

  /**
   * Replaces every entry with a snapshot's, through the log (events: `clear`, then `insert` per
   * entry). Split by `maxOutboundMessageValues`: the first command replaces, the others add.
   */
  async import(snapshot: HamokMapSnapshot): Promise<void> {
    this.link.assertOpen();
    const entries = snapshot?.entries;
    if (!Array.isArray(entries) || !entries.every((e) => Array.isArray(e) && e.length === 2)) {
      throw new HamokError("InvalidArgument", "a map snapshot has an entries array of [key, value] byte pairs");
    }
    const parts = chunks(entries, this.maxEntries);
    await this.link.submit("import", { entries: parts[0] ?? [] });
    for (const part of parts.slice(1)) await this.link.submit("set", { entries: part });
  }

  /** Detaches the map from Hamok (its replicated state stays); later mutations reject with `Closed`. */
  close(): void {
    if (!this.link.close()) return;
    this.emitMap.emit("close");
  }

  /** Called after each applied command of this storage (the remote map writes through here). */
  protected applied(_context: ApplyContext): void {}

  /** Called when the leader changes. */
  protected leaderChanged(_leaderId: string | undefined): void {}

  /** Called after a snapshot replaced the state (and the restore was announced). */
  protected restored(): void {}

  protected encodeKey(key: K): Uint8Array {
    if (key === undefined) throw new HamokError("InvalidArgument", "a key cannot be undefined");
    return this.keyCodec.encode(key);
  }

  protected decodeKey(bytes: Uint8Array): K {
    return this.keyCodec.decode(bytes);
  }

  protected encodeValue(_key: K, value: V): Uint8Array {
    if (value === undefined) throw new HamokError("InvalidArgument", "a value cannot be undefined (it means absent)");
    return this.valueCodec.encode(value);
  }

  protected decodeValue(_key: K, bytes: Uint8Array): V {
    return this.valueCodec.decode(bytes);
  }

  private get emitMap(): EventEmitter<HamokMapEvents<K, V>> {
    return this as unknown as EventEmitter<HamokMapEvents<K, V>>;
  }

  private async writeEntries(
    op: "set" | "insert",
    entries: ReadonlyMap<K, V> | Iterable<readonly [K, V]>,
  ): Promise<ReadonlyMap<K, V>> {
    this.link.assertOpen();
    const list = [...entries];
    const encoded: EncodedEntry[] = list.map(([key, value]) => [this.encodeKey(key), this.encodeValue(key, value)]);
    const previous = new Map<K, V>();
    let offset = 0;
    for (const chunk of chunks(encoded, this.maxEntries)) {
      const result = (await this.link.submit(op, { entries: chunk })) as (Uint8Array | null)[];
      result.forEach((bytes, i) => {
        const key = (list[offset + i] as readonly [K, V])[0];
        if (bytes !== null && bytes !== undefined) previous.set(key, this.decodeValue(key, bytes));
      });
      offset += chunk.length;
    }
    return previous;
  }

  private handleApplied(_command: StorageCommand, outcome: ApplyOutcome, context: ApplyContext): void {
    for (const change of outcome.changes as readonly MapChange[]) this.announce(change);
    this.applied(context);
  }

  private announce(change: MapChange): void {
    const emitter = this.emitMap;
    switch (change.type) {
      case "insert": {
        if (this.baseMap === undefined && emitter.listenerCount("insert") === 0) return;
        const key = this.decodeKey(change.key);
        const value = this.decodeValue(key, change.value);
        this.baseMap?.set(key, value);
        emitter.emit("insert", key, value);
        return;
      }
      case "update": {
        const listening = emitter.listenerCount("update") > 0;
        if (this.baseMap === undefined && !listening) return;
        const key = this.decodeKey(change.key);
        const value = this.decodeValue(key, change.value);
        this.baseMap?.set(key, value);
        if (!listening) return;
        const oldValue = this.decodeValue(key, change.oldValue);
        const equal =
          this.equality === undefined
            ? bytesEqual(change.oldValue, change.value)
            : this.equality.equal(oldValue, value);
        if (!equal) emitter.emit("update", key, oldValue, value);
        return;
      }
      case "remove": {
        if (this.baseMap === undefined && emitter.listenerCount("remove") === 0) return;
        const key = this.decodeKey(change.key);
        this.baseMap?.delete(key);
        emitter.emit("remove", key, this.decodeValue(key, change.value));
        return;
      }
      case "clear":
        this.baseMap?.clear();
        emitter.emit("clear");
        return;
    }
  }

  /** A snapshot replaced the state: announce it as a reset (`clear`, then `insert` per entry). */
  private handleRestored(): void {
    this.refillBaseMap();
    const emitter = this.emitMap;
    emitter.emit("clear");
    if (emitter.listenerCount("insert") > 0) {
      for (const [key, value] of this.entries()) emitter.emit("insert", key, value);
    }
    this.restored();
  }

  private refillBaseMap(): void {
    if (this.baseMap === undefined) return;
    this.baseMap.clear();
    for (const [key, value] of this.entries()) this.baseMap.set(key, value);
  }
}
