/**
 * HamokRemoteMap: a replicated map whose leader writes every committed change through to an
 * external store (a database, a cache...) that the user provides as a {@link RemoteMap}.
 */
import { HamokError } from "../errors.js";
import type { ApplyContext, StorageConnection } from "./contract.js";
import { type HamokMapEvents, MapBase, type MapBaseOptions } from "./map-base.js";
import { RemoteMapStateMachine } from "./remote-map-state-machine.js";

/**
 * The external store. Hamok only writes to it (the replicated state answers reads), so it needs
 * just two idempotent operations. Both may be asynchronous; a rejection is reported as an `error`
 * event and the write is retried on the leader's next change.
 */
export interface RemoteMap<K, V> {
  /** Store `value` under `key`, replacing what is there. */
  set(key: K, value: V): Promise<void> | void;
  /** Remove `key` (no error if absent). */
  delete(key: K): Promise<void> | void;
}

/** Events of a remote map: the map events plus `error` for a failed remote write. */
export type HamokRemoteMapEvents<K, V> = HamokMapEvents<K, V> & {
  /** A write to the remote store failed (it will be retried). */
  error: [error: unknown];
};

/** Options of {@link HamokRemoteMap}. */
export interface HamokRemoteMapOptions<K, V> extends MapBaseOptions<K, V> {
  /** The storage id (the connection's). */
  readonly mapId: string;
  /** The external store the leader writes through. Give every peer a handle on the same store. */
  readonly remoteMap: RemoteMap<K, V>;
}

/** How many remote writes the leader acknowledges through the log in one command. */
const ACK_BATCH = 1000;

/**
 * A replicated map with write-through to a {@link RemoteMap}.
 *
 * Guarantee: every committed change reaches the remote store, and once the leader has nothing left
 * to write (`pendingRemoteWrites` is 0 on it) the remote store holds exactly the replicated entries
 * (for keys this map has touched). Only the leader writes, one key at a time, in order of each key's
 * latest change; several changes to a key before it is written become one write of the latest value.
 * The state machine keeps per key the log index of its latest unwritten change; after writing, the
 * leader proposes `flushed` with those indexes. A new leader writes only keys still pending in the
 * replicated state, so across a leader change a key is written a second time only if the old leader
 * wrote it but its `flushed` entry did not commit (a crash in that window); such a repeat writes the
 * same latest value, which is harmless for an idempotent store. A write still in flight from a deposed
 * leader can land after its successor's write of the same key; give the store its own fencing if that
 * window matters.
 */
export class HamokRemoteMap<K, V> extends MapBase<K, V, HamokRemoteMapEvents<K, V>> {
  private readonly remote: RemoteMap<K, V>;
  /** Key id → index this peer wrote during its current leadership (its ack may still be in flight). */
  private readonly written = new Map<string, number>();
  private flushing = false;
  private flushAgain = false;

  constructor(connection: StorageConnection, options: HamokRemoteMapOptions<K, V>) {
    super(connection, "remote-map", options.mapId, options);
    const remote = options.remoteMap;
    if (typeof remote?.set !== "function" || typeof remote?.delete !== "function") {
      throw new HamokError("InvalidArgument", "remoteMap must have set(key, value) and delete(key)");
    }
    this.remote = remote;
    connection.ready.then(
      () => this.writeIfLeader(),
      () => {},
    );
  }

  /** Keys whose latest change is not yet acknowledged as written to the remote store (replicated). */
  get pendingRemoteWrites(): number {
    return this.remoteState.dirtyCount;
  }

  private get remoteState(): RemoteMapStateMachine {
    const sm = this.state;
    if (!(sm instanceof RemoteMapStateMachine))
      throw new HamokError("StorageTypeMismatch", `${this.id} is no remote map`);
    return sm;
  }

  protected override applied(context: ApplyContext): void {
    if (context.localIsLeader) this.flush();
  }

  protected override leaderChanged(): void {
    // What this peer wrote in an earlier leadership is unknown to be acknowledged: trust only the log.
    this.written.clear();
    this.writeIfLeader();
  }

  protected override restored(): void {
    // The pending set came from a snapshot: only the log says what was written.
    this.written.clear();
    this.writeIfLeader();
  }

  private writeIfLeader(): void {
    if (!this.isLeader()) return;
    // Apply everything committed before writing, so the pending set is the leader's full view (§6.4).
    this.link.sync().then(
      () => this.flush(),
      () => {},
    );
  }

  private isLeader(): boolean {
    const connection = this.link.connection;
    return !this.closed && connection.leaderId === connection.localPeerId;
  }

  /** Starts the write loop, or asks the running one for another pass. */
  private flush(): void {
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.flushing = true;
    this.flushLoop().finally(() => {
      this.flushing = false;
      // A change applied after the loop's last check but before this callback would be lost otherwise.
      if (this.flushAgain) this.flush();
    });
  }

  private async flushLoop(): Promise<void> {
    do {
      this.flushAgain = false;
      if (!this.isLeader()) return;
      const state = this.remoteState;
      for (const [id, index] of this.written) {
        if (state.dirtyOf(id)?.index !== index) this.written.delete(id);
      }
      let acks: [Uint8Array, number][] = [];
      for (const [id] of [...state.dirty()]) {
        if (!this.isLeader()) return;
        // Read the pending index and the value together, synchronously, so the ack names what was written.
        const dirty = state.dirtyOf(id);
        if (dirty === undefined) continue;
        if (this.written.get(id) !== dirty.index) {
          const entry = state.getSlot(id);
          const key = this.decodeKey(dirty.key);
          try {
            if (entry === undefined) await this.remote.delete(key);
            else await this.remote.set(key, this.decodeValue(key, entry[1]));
          } catch (error) {
            // Stop this pass (no hot retry against a failing store); the next change retries.
            this.emit("error", error);
            this.flushAgain = false;
            if (acks.length > 0) await this.acknowledge(acks);
            this.flushAgain = false;
            return;
          }
          this.written.set(id, dirty.index);
        }
        acks.push([dirty.key, dirty.index]);
        if (acks.length >= ACK_BATCH) {
          if (!(await this.acknowledge(acks))) return;
          acks = [];
        }
      }
      if (acks.length > 0 && !(await this.acknowledge(acks))) return;
    } while (this.flushAgain);
  }

  private async acknowledge(acks: [Uint8Array, number][]): Promise<boolean> {
    try {
      await this.link.submit("flushed", { keys: acks });
      return true;
    } catch {
      // Not acknowledged: the keys stay pending; this leader does not rewrite them (see `written`),
      // it re-sends the acknowledgement on its next pass.
      return false;
    }
  }
}
