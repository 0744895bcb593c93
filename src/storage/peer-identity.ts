import { HamokError } from "../errors.js";

/**
 * A tab's peer id. A reloaded tab keeps its id (sessionStorage survives a
 * reload) so it restarts from its own database and rejoins with only the
 * entries it missed. A duplicated tab gets a copy of sessionStorage, so the id
 * alone is not enough: the tab holding the id also holds a Web Lock named after
 * it for its lifetime, and a tab that cannot get that lock takes a new id.
 * Two live tabs with one id would share one Raft log and could vote twice in a
 * term (Raft §5.2), so the guard errs on the side of a new id.
 */
export interface PeerIdentity {
  readonly peerId: string;
  /** True when the id was kept from an earlier page of this tab (a reload). */
  readonly reused: boolean;
  /** `web-lock` while the lock on the id is held; `none` where Web Locks are missing. */
  readonly guard: "web-lock" | "none";
  /** Release the lock on the id (when the peer leaves for good). Idempotent. */
  release(): void;
}

/** Options of {@link acquirePeerId}. */
export interface AcquirePeerIdOptions {
  /** Cluster name: a tab has one peer id per room. */
  readonly room: string;
  /** Where the id survives a reload. Default `globalThis.sessionStorage`; `null` for none (every call makes a new id). */
  readonly storage?: Pick<Storage, "getItem" | "setItem"> | null;
  /**
   * Web Locks. Default `navigator.locks`; `null` for none. Without Web Locks a
   * duplicated tab cannot be told from a reload, so a stored id is never reused:
   * every page gets a new id (safe; a reload then rejoins as a new peer).
   */
  readonly locks?: LockManager | null;
  /**
   * How long to wait for the lock of the stored id, in ms. A reload's old page may
   * release its lock a moment after the new page asks; a duplicated tab's original
   * never does, so the duplicate takes a new id after this wait. Default 1000.
   */
  readonly waitMs?: number;
}

/** The sessionStorage key of a room's peer id. */
export function peerIdStorageKey(room: string): string {
  return `hamok/${encodeURIComponent(room)}/peer-id`;
}

/** The Web Lock a live tab holds on its peer id. */
export function peerIdLockName(room: string, peerId: string): string {
  return `hamok-peer/${encodeURIComponent(room)}/${encodeURIComponent(peerId)}`;
}

/** Get this tab's peer id for a room: the stored one if no live tab holds it, else a new one. */
export async function acquirePeerId(options: AcquirePeerIdOptions): Promise<PeerIdentity> {
  const storage = options.storage === undefined ? defaultStorage() : options.storage;
  const locks = options.locks === undefined ? defaultLocks() : options.locks;
  const key = peerIdStorageKey(options.room);
  const stored = readStored(storage, key);

  if (locks !== null) {
    if (stored !== undefined) {
      const result = await lockPeerId(locks, peerIdLockName(options.room, stored), options.waitMs ?? 1000);
      if (typeof result === "function") return { peerId: stored, reused: true, guard: "web-lock", release: result };
      if (result === "unavailable") return unguarded(storage, key);
    }
    // A fresh random id is free unless it collides; try a few in the astronomically unlikely case.
    for (let attempt = 0; attempt < 3; attempt++) {
      const peerId = newPeerId();
      const result = await lockPeerId(locks, peerIdLockName(options.room, peerId), 0);
      if (result === "unavailable") return unguarded(storage, key);
      if (typeof result === "function") {
        writeStored(storage, key, peerId);
        return { peerId, reused: false, guard: "web-lock", release: result };
      }
    }
    throw new HamokError("PeerIdInUse", "could not lock a fresh peer id");
  }
  return unguarded(storage, key);
}

/** Without a working lock a duplicate cannot be told from a reload: always a new id. */
function unguarded(storage: Pick<Storage, "setItem"> | null, key: string): PeerIdentity {
  const peerId = newPeerId();
  writeStored(storage, key, peerId);
  return { peerId, reused: false, guard: "none", release: () => undefined };
}

/**
 * Resolve with a release function once the lock is held; `taken` if another holder
 * keeps it for `waitMs`; `unavailable` if Web Locks refuse to work here (e.g. a
 * `SecurityError` in an opaque-origin frame).
 */
function lockPeerId(locks: LockManager, name: string, waitMs: number): Promise<(() => void) | "taken" | "unavailable"> {
  return new Promise((resolve) => {
    let release = (): void => undefined;
    const held = new Promise<void>((resolveHeld) => {
      release = () => resolveHeld();
    });
    const lockOptions: LockOptions = waitMs > 0 ? { signal: AbortSignal.timeout(waitMs) } : { ifAvailable: true };
    try {
      locks
        .request(name, lockOptions, (lock) => {
          if (lock === null) {
            resolve("taken");
            return undefined;
          }
          resolve(release);
          // The lock is held until this promise settles: for the tab's lifetime unless released.
          return held;
        })
        .catch((error: unknown) => {
          const timedOut =
            error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError");
          resolve(timedOut ? "taken" : "unavailable");
        });
    } catch {
      resolve("unavailable");
    }
  });
}

function newPeerId(): string {
  return globalThis.crypto.randomUUID();
}

function defaultStorage(): Pick<Storage, "getItem" | "setItem"> | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    // Reading sessionStorage throws where storage is blocked (sandboxed frames, some privacy modes).
    return null;
  }
}

function defaultLocks(): LockManager | null {
  return (globalThis.navigator as Navigator | undefined)?.locks ?? null;
}

function readStored(storage: Pick<Storage, "getItem"> | null, key: string): string | undefined {
  try {
    return storage?.getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}

function writeStored(storage: Pick<Storage, "setItem"> | null, key: string, peerId: string): void {
  try {
    storage?.setItem(key, peerId);
  } catch {
    // A full or blocked sessionStorage only costs the reuse of the id after a reload.
  }
}
