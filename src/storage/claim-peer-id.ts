import { createIndexedDbRaftLogs, listIndexedDbRaftLogs } from "./indexeddb/index.js";
import {
  type AcquirePeerIdOptions,
  acquirePeerId,
  type PeerIdentity,
  peerIdLockName,
  peerIdStorageKey,
} from "./peer-identity.js";

/** What {@link claimPeerId} decided. */
export interface ClaimedPeerId {
  readonly identity: PeerIdentity;
  /** True when this tab took over the database of a peer whose tab is gone. */
  readonly adopted: boolean;
}

/**
 * The peer id a tab should run as when its Raft state lives in IndexedDB, in order of preference:
 * 1. the id this tab had before a reload (sessionStorage, guarded by a Web Lock: {@link acquirePeerId});
 * 2. for a new tab, the id of a peer of this room whose tab is gone (its database is here and no live tab
 *    holds its lock): the tab adopts that database and restarts from it. Without this, closing every tab and
 *    opening a new one would start from an empty database: the data would still be on disk, in the orphaned
 *    databases, but nobody would read it. Of several orphans the one with the newest Raft state (term, then
 *    commit index) wins, as it is the likeliest voter of the last configuration;
 * 3. a new id.
 *
 * Adopting is safe for Raft: the id continues from its own persisted term and vote (§5.2), and the Web Lock
 * keeps two live tabs from running as one id (two new tabs racing for one orphan: the second waits for the
 * lock, then takes a new id). Without Web Locks or `indexedDB.databases()` nothing is adopted.
 */
export async function claimPeerId(options: AcquirePeerIdOptions): Promise<ClaimedPeerId> {
  const storage = options.storage === undefined ? sessionStorageOrNull() : options.storage;
  const locks = options.locks === undefined ? (globalThis.navigator?.locks ?? null) : options.locks;
  const key = peerIdStorageKey(options.room);
  let adopted = false;
  if (storage !== null && locks !== null && readItem(storage, key) === undefined) {
    const orphan = await freshestOrphan(options.room, locks);
    if (orphan !== undefined) {
      storage.setItem(key, orphan);
      adopted = true;
    }
  }
  const identity = await acquirePeerId(options);
  if (!adopted || !identity.reused || storage === null) return { identity, adopted: false };
  // Between the look at the orphans and the lock, a tab that acted for the orphan may have retired it (deleted its
  // database once its removal committed, then released the lock): its id is no longer worth anything here.
  if (await databaseExists(options.room, identity.peerId)) return { identity, adopted: true };
  identity.release();
  const fresh = await acquirePeerId({ ...options, storage: forgetStored(storage) });
  return { identity: fresh, adopted: false };
}

async function databaseExists(room: string, peerId: string): Promise<boolean> {
  const databases = await listIndexedDbRaftLogs({ room });
  return databases?.some((database) => database.peerId === peerId) === true;
}

/** The tab's storage, except that the stored id reads as absent: the next id is a new one (and is stored). */
function forgetStored(storage: Pick<Storage, "getItem" | "setItem">): Pick<Storage, "getItem" | "setItem"> {
  return { getItem: () => null, setItem: (key, value) => storage.setItem(key, value) };
}

async function freshestOrphan(room: string, locks: LockManager): Promise<string | undefined> {
  const databases = await listIndexedDbRaftLogs({ room });
  if (databases === undefined || databases.length === 0) return undefined;
  // A requested lock is as live as a held one: a reloading tab is waiting for its own id.
  const { held: holders = [], pending = [] } = await locks.query();
  const held = new Set([...holders, ...pending].map((lock) => lock.name));
  let best: { peerId: string; term: number; commit: number } | undefined;
  for (const { peerId } of databases) {
    if (held.has(peerIdLockName(room, peerId))) continue;
    const logs = createIndexedDbRaftLogs({ room, peerId });
    try {
      const { hardState, meta } = await logs.load();
      // A database that never joined a cluster holds nothing worth adopting.
      if (typeof meta.clusterId !== "string") continue;
      const newer =
        best === undefined ||
        hardState.term > best.term ||
        (hardState.term === best.term && hardState.commit > best.commit);
      if (newer) best = { peerId, term: hardState.term, commit: hardState.commit };
    } catch {
      // An unreadable database (newer format, deleted meanwhile) is simply not a candidate.
    } finally {
      await logs.close();
    }
  }
  return best?.peerId;
}

function sessionStorageOrNull(): Pick<Storage, "getItem" | "setItem"> | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}

function readItem(storage: Pick<Storage, "getItem">, key: string): string | undefined {
  try {
    return storage.getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}
