import type { StorageType } from "../collections/contract";
import { HamokError } from "../errors";
import type { Hamok } from "../hamok";
import type { AnyType, HamokStorage } from "./public-types";
import { HamokStorageConnection } from "./storage-connection";

/** The options of a submit without any (shared: one object less per write on the hot path). */
const NO_OPTIONS: { readonly timeoutInMs?: number } = Object.freeze({});

/**
 * The collections created on one peer and their connections to Hamok: creation, `getOrCreate*` lookups and
 * the rule that one id names one type of storage (the replicated state machine may already exist for an id
 * this peer has not created yet, from the log or a snapshot).
 */
export class StorageRegistry {
  /** The user-facing collections, by id. */
  readonly storages = new Map<string, HamokStorage>();
  /** Their connections, by id. */
  readonly connections = new Map<string, HamokStorageConnection>();

  constructor(
    private readonly hamok: Hamok,
    private readonly sendDirect: (storageId: string, payload: unknown, destinationId?: string) => void,
  ) {}

  /** The storage of `id` if it is a `kind`, else a new one from `create`; `callback(exists)` says which. */
  getOrCreate<T extends HamokStorage>(
    id: string,
    kind: abstract new (...args: AnyType[]) => HamokStorage,
    create: () => T,
    callback: ((exists: boolean) => void) | undefined,
  ): T {
    this.hamok.assertOpen();
    const existing = this.storages.get(id);
    if (existing !== undefined) {
      if (!(existing instanceof kind)) {
        throw new HamokError("StorageTypeMismatch", `storage ${id} exists with another type`);
      }
      callback?.(true);
      return existing as T;
    }
    const created = create();
    callback?.(false);
    return created;
  }

  /** Create the storage `id` of `type` with `build`; throws `StorageTypeMismatch` if `id` names another type. */
  create<T extends HamokStorage>(type: StorageType, id: string, build: (connection: HamokStorageConnection) => T): T {
    const hamok = this.hamok;
    hamok.assertOpen();
    if (typeof id !== "string" || id.length === 0) throw new HamokError("InvalidArgument", "a storage id is required");
    const machine = hamok.replicated.machines.get(id);
    const existing = this.connections.get(id);
    if ((machine !== undefined && machine.type !== type) || (existing !== undefined && existing.storageType !== type)) {
      throw new HamokError("StorageTypeMismatch", `storage ${id} is a ${machine?.type ?? existing?.storageType}`);
    }
    if (existing !== undefined) throw new HamokError("InvalidArgument", `storage ${id} already exists on this peer`);
    const connection = new HamokStorageConnection(
      {
        localPeerId: hamok.localPeerId,
        ready: hamok.ready,
        clock: hamok.config.clock,
        get remotePeerIds() {
          return hamok.remotePeerIds;
        },
        get leaderId() {
          return hamok.peer?.leaderId;
        },
        submit: (command, timeoutInMs) =>
          hamok.submit(command, timeoutInMs === undefined ? NO_OPTIONS : { timeoutInMs }),
        sync: (timeoutInMs) => hamok.sync(timeoutInMs),
        sendDirect: this.sendDirect,
        detach: (closed) => {
          if (this.connections.get(id) !== closed) return;
          this.connections.delete(id);
          this.storages.delete(id);
        },
      },
      id,
      type,
      hamok.replicated.machine(id, type),
    );
    this.connections.set(id, connection);
    try {
      const storage = build(connection);
      this.storages.set(id, storage);
      return storage;
    } catch (error) {
      this.connections.delete(id);
      throw error;
    }
  }

  /** Hamok closed: close every collection and forget them. */
  closeAll(): void {
    for (const connection of this.connections.values()) connection.hamokClosed();
    this.connections.clear();
    this.storages.clear();
  }
}
