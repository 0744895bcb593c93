import type { StorageCommand, StorageType } from "../../collections/contract.js";
import { HamokError } from "../../errors.js";
import type { HamokConfig } from "../peer/config.js";
import type { AnyType, HamokStorage } from "../peer/public-types.js";
import type { ReplicatedState } from "../replicated/replicated-state.js";
import { CollectionConnection } from "./collection-connection.js";

/** What the registry needs of its peer. */
export interface CollectionRegistryHost {
  readonly config: HamokConfig;
  readonly localPeerId: string;
  readonly ready: Promise<void>;
  readonly remotePeerIds: ReadonlySet<string>;
  readonly leaderId: string | undefined;
  readonly replicated: ReplicatedState;
  assertOpen(): void;
  submit(command: StorageCommand, timeoutInMs: number | undefined): Promise<unknown>;
  sync(timeoutInMs: number | undefined): Promise<void>;
  reportError(error: HamokError): void;
}

/**
 * The collections created on one peer and their connections to Hamok: creation, `getOrCreate*` lookups and
 * the rule that one id names one type of collection (the replicated state machine may already exist for an id
 * this peer has not created yet, from the log or a snapshot).
 */
export class CollectionRegistry {
  /** The user-facing collections, by id. */
  readonly storages = new Map<string, HamokStorage>();
  /** Their connections, by id. */
  readonly connections = new Map<string, CollectionConnection>();

  constructor(
    private readonly hamok: CollectionRegistryHost,
    private readonly sendDirect: (storageId: string, payload: unknown, destinationId?: string) => void,
  ) {}

  /** The collection of `id` if it is a `kind`, else a new one from `create`; `callback(exists)` says which. */
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

  /** Create the collection `id` of `type` with `build`; throws `StorageTypeMismatch` if `id` names another type. */
  create<T extends HamokStorage>(type: StorageType, id: string, build: (connection: CollectionConnection) => T): T {
    const hamok = this.hamok;
    hamok.assertOpen();
    if (typeof id !== "string" || id.length === 0) throw new HamokError("InvalidArgument", "a storage id is required");
    const machine = hamok.replicated.machines.get(id);
    const existing = this.connections.get(id);
    if ((machine !== undefined && machine.type !== type) || (existing !== undefined && existing.storageType !== type)) {
      throw new HamokError("StorageTypeMismatch", `storage ${id} is a ${machine?.type ?? existing?.storageType}`);
    }
    if (existing !== undefined) throw new HamokError("InvalidArgument", `storage ${id} already exists on this peer`);
    const connection = new CollectionConnection(
      {
        localPeerId: hamok.localPeerId,
        ready: hamok.ready,
        clock: hamok.config.clock,
        get remotePeerIds() {
          return hamok.remotePeerIds;
        },
        get leaderId() {
          return hamok.leaderId;
        },
        submit: (command, timeoutInMs) => hamok.submit(command, timeoutInMs),
        sync: (timeoutInMs) => hamok.sync(timeoutInMs),
        sendDirect: this.sendDirect,
        detach: (closed) => {
          if (this.connections.get(id) !== closed) return;
          this.connections.delete(id);
          this.storages.delete(id);
        },
        reportError: (error) => hamok.reportError(error),
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
