/** HamokMap: a key-value map replicated through the Raft log. */
import type { StorageConnection } from "./contract.js";
import { type HamokMapEvents, MapBase, type MapBaseOptions } from "./map-base.js";

/** Options of {@link HamokMap}. */
export interface HamokMapOptions<K, V> extends MapBaseOptions<K, V> {
  /** The storage id (the connection's). */
  readonly mapId: string;
}

/**
 * A replicated map. Reads (`get`, `keys`, iteration, `size`) are local and possibly stale;
 * `await map.sync()` first makes them linearizable. Mutations go through the log and resolve once
 * applied on this peer; events (`insert`, `update`, `remove`, `clear`) fire on every peer in log order.
 */
export class HamokMap<K, V> extends MapBase<K, V, HamokMapEvents<K, V>> {
  constructor(connection: StorageConnection, options: HamokMapOptions<K, V>) {
    super(connection, "map", options.mapId, options);
  }
}
