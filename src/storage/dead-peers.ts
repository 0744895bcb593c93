import { HamokError } from "../errors.js";
import { deleteIndexedDbRaftLogs, listIndexedDbRaftLogs } from "./indexeddb/index.js";
import { peerIdLockName } from "./peer-identity.js";

/**
 * Members of a cluster whose tab is provably gone, and the lock that lets a live tab act for one of them.
 *
 * A live tab holds the Web Lock on its peer id for its whole life (see `acquirePeerId`), a frozen or hidden tab
 * included: the browser drops a tab's locks only when its page is gone (closed, crashed, discarded, killed). So a
 * member whose lock is free and whose Raft state (term, vote, log) is in this origin's IndexedDB is a member that
 * nothing runs, and that state is exactly what Raft's safety rests on (§5.2: one vote per term; §5.4: the log a
 * vote was given with). A live tab may act for such a member from that state, as the member itself would after a
 * reload, as long as it holds the member's lock so that no second tab, and not the member's own tab reloading,
 * runs the same id at the same time (Web Locks are exclusive across all tabs of an origin).
 *
 * What is never taken for dead: a member whose lock is held or requested (a live, frozen or reloading tab); a
 * member whose database is not here (it lives in another browser or profile, or its state is lost: acting for it
 * from nothing could vote twice in a term); an id that is not a member.
 *
 * The lock of a tab that is reloading is free for a moment (between the old page's unload and the new page's
 * request): callers should act only for members that have also been unreachable for a while, so that a reload is
 * not mistaken for a death. Mistaking one is safe (the reloaded page finds the lock taken and runs under a new
 * id), it only costs the reuse of the id.
 */

/** Options of {@link findDeadPeers}. */
export interface FindDeadPeersOptions {
  /** The cluster (room) the members belong to. */
  readonly room: string;
  /** The peer ids of the cluster's configuration (voters and learners) to check. */
  readonly members: Iterable<string>;
  /** Web Locks. Default `navigator.locks`; `null` (none): nobody is provably dead. */
  readonly locks?: Pick<LockManager, "query"> | null;
  /** Default `globalThis.indexedDB`. */
  readonly indexedDB?: IDBFactory;
}

/**
 * The members of `room` that are provably dead: their database is in this origin's IndexedDB and no tab holds
 * or waits for their peer-id lock. Sorted. The answer is a snapshot: take the member's lock with
 * {@link lockDeadPeer} before acting for it (another tab may be faster). Where Web Locks or
 * `indexedDB.databases()` are missing, liveness cannot be proven and the answer is empty.
 */
export async function findDeadPeers(options: FindDeadPeersOptions): Promise<string[]> {
  const locks = options.locks === undefined ? defaultLocks() : options.locks;
  if (locks === null) return [];
  const stored = await listIndexedDbRaftLogs({ room: options.room, ...factoryOption(options.indexedDB) });
  if (stored === undefined) return [];
  const { held = [], pending = [] } = await locks.query();
  const live = new Set([...held, ...pending].map((lock) => lock.name));
  const here = new Set(stored.map((database) => database.peerId));
  return [...new Set(options.members)]
    .filter((peerId) => here.has(peerId) && !live.has(peerIdLockName(options.room, peerId)))
    .sort();
}

/** Options of {@link lockDeadPeer}. */
export interface LockDeadPeerOptions {
  readonly room: string;
  /** The member to act for (usually one {@link findDeadPeers} listed). */
  readonly peerId: string;
  /** Web Locks. Default `navigator.locks`. */
  readonly locks?: Pick<LockManager, "request"> | null;
  /** Default `globalThis.indexedDB`. */
  readonly indexedDB?: IDBFactory;
}

/** The lock on a dead member's peer id, held by the tab that acts for it. */
export interface DeadPeerLock {
  readonly room: string;
  readonly peerId: string;
  /** True until {@link release} or {@link retire}. */
  readonly held: boolean;
  /** Let go of the id (its database stays): another tab, or the member's own tab reloading, may take it. */
  release(): void;
  /**
   * The member's removal has committed: delete its database, then release the lock. Deleting first means that the
   * member's tab, if it reloads, finds either the lock taken (and runs under a new id) or no database (and starts
   * as a new server under its old id, which is safe once the removal committed: Raft thesis §4.1 lets a server
   * whose storage is gone rejoin after it was removed). Close every storage of the database first, or the deletion
   * waits for it. The lock is released even if the deletion fails.
   */
  retire(): Promise<void>;
}

/**
 * Take a dead member's peer-id lock, without waiting (`ifAvailable`): resolves `undefined` when another tab holds
 * it (a live member, or another tab acting for it: of two tabs racing for one member exactly one wins) or when the
 * member's database is no longer here (a tab that acted for it has already retired it). Held until released.
 */
export async function lockDeadPeer(options: LockDeadPeerOptions): Promise<DeadPeerLock | undefined> {
  const locks = options.locks === undefined ? defaultLocks() : options.locks;
  if (locks === null) throw new HamokError("InvalidArgument", "acting for a dead member needs Web Locks");
  const release = await requestIfAvailable(locks, peerIdLockName(options.room, options.peerId));
  if (release === undefined) return undefined;
  try {
    const stored = await listIndexedDbRaftLogs({ room: options.room, ...factoryOption(options.indexedDB) });
    if (stored?.some((database) => database.peerId === options.peerId) !== true) {
      release();
      return undefined;
    }
  } catch (error) {
    release();
    throw error;
  }
  let held = true;
  const lock: DeadPeerLock = {
    room: options.room,
    peerId: options.peerId,
    get held() {
      return held;
    },
    release: () => {
      held = false;
      release();
    },
    retire: async () => {
      if (!held) throw new HamokError("InvalidArgument", `the lock on ${options.peerId} is no longer held`);
      try {
        await deleteIndexedDbRaftLogs({
          room: options.room,
          peerId: options.peerId,
          ...factoryOption(options.indexedDB),
        });
      } finally {
        lock.release();
      }
    },
  };
  return lock;
}

/** Resolve with a release function once the lock is held, `undefined` if another holder has it now. */
function requestIfAvailable(locks: Pick<LockManager, "request">, name: string): Promise<(() => void) | undefined> {
  return new Promise((resolve, reject) => {
    let release = (): void => undefined;
    const held = new Promise<void>((resolveHeld) => {
      release = () => resolveHeld();
    });
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        if (lock === null) {
          resolve(undefined);
          return undefined;
        }
        resolve(release);
        // Held until this promise settles.
        return held;
      })
      .catch((error: unknown) => reject(new HamokError("InvalidArgument", `cannot lock ${name}`, { cause: error })));
  });
}

function defaultLocks(): LockManager | null {
  return (globalThis.navigator as Navigator | undefined)?.locks ?? null;
}

function factoryOption(factory: IDBFactory | undefined): { indexedDB?: IDBFactory } {
  return factory === undefined ? {} : { indexedDB: factory };
}
