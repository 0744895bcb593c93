import { HamokError } from "../../errors.js";
import { peerIdLockName } from "../peer-identity.js";
import { indexedDbRaftLogsName, parseIndexedDbRaftLogsName } from "./database-name.js";

/** One peer database found by {@link listIndexedDbRaftLogs}. */
export interface StoredPeerDatabase {
  readonly name: string;
  readonly room: string;
  readonly peerId: string;
}

/**
 * The Hamok peer databases of this origin, optionally of one room. Resolves to
 * `[]` where there is no IndexedDB at all (Node), and to `undefined` where the
 * browser cannot list databases (`indexedDB.databases()` is missing, as in
 * Firefox before 126): keep your own list of peer ids there.
 */
export async function listIndexedDbRaftLogs(
  options: { readonly room?: string; readonly indexedDB?: IDBFactory } = {},
): Promise<StoredPeerDatabase[] | undefined> {
  const factory = options.indexedDB ?? globalThis.indexedDB;
  if (factory === undefined) return [];
  if (typeof factory.databases !== "function") return undefined;
  const databases = await factory.databases();
  const found: StoredPeerDatabase[] = [];
  for (const { name } of databases) {
    const parsed = name === undefined ? undefined : parseIndexedDbRaftLogsName(name);
    if (name === undefined || parsed === undefined) continue;
    if (options.room !== undefined && parsed.room !== options.room) continue;
    found.push({ name, ...parsed });
  }
  return found;
}

/**
 * Delete the database of a peer that has left the cluster for good. A Hamok
 * storage that still has it open closes its connection (and fails from then on);
 * other connections that do not close keep the deletion waiting, reported by
 * `onBlocked`. Resolves once the database is gone.
 */
export function deleteIndexedDbRaftLogs(options: {
  readonly room: string;
  readonly peerId: string;
  readonly indexedDB?: IDBFactory;
  readonly onBlocked?: () => void;
}): Promise<void> {
  const factory = options.indexedDB ?? globalThis.indexedDB;
  if (factory === undefined)
    return Promise.reject(new HamokError("InvalidArgument", "IndexedDB is not available here"));
  const name = indexedDbRaftLogsName(options.room, options.peerId);
  return new Promise((resolve, reject) => {
    const request = factory.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () =>
      reject(new HamokError("StorageFailure", `cannot delete IndexedDB database ${name}`, { cause: request.error }));
    request.onblocked = () => options.onBlocked?.();
  });
}

/**
 * Delete the databases of a room's peers that have left for good: not in
 * `members` (the cluster's current voters and learners) and not held by a live
 * tab of this origin (each live tab holds a Web Lock on its peer id, see
 * `acquirePeerId`). Without Web Locks or `indexedDB.databases()` liveness or the
 * list is unknown, so nothing is deleted. Resolves with the deleted peer ids.
 */
export async function pruneIndexedDbRaftLogs(options: {
  readonly room: string;
  readonly members: Iterable<string>;
  readonly indexedDB?: IDBFactory;
  readonly locks?: Pick<LockManager, "query"> | null;
}): Promise<string[]> {
  const locks = options.locks === undefined ? (globalThis.navigator?.locks ?? null) : options.locks;
  const factory = options.indexedDB ?? globalThis.indexedDB;
  const stored = await listIndexedDbRaftLogs({
    room: options.room,
    ...(factory === undefined ? {} : { indexedDB: factory }),
  });
  if (locks === null || stored === undefined) return [];
  const { held = [], pending = [] } = await locks.query();
  const live = new Set([...held, ...pending].map((lock) => lock.name));
  const members = new Set(options.members);
  const gone = stored.filter(({ peerId }) => !members.has(peerId) && !live.has(peerIdLockName(options.room, peerId)));
  for (const { peerId } of gone) {
    await deleteIndexedDbRaftLogs({
      room: options.room,
      peerId,
      ...(factory === undefined ? {} : { indexedDB: factory }),
    });
  }
  return gone.map(({ peerId }) => peerId);
}
