import { createIndexedDbRaftLogs, listIndexedDbRaftLogs } from "../src/storage/indexeddb/index";
import { acquirePeerId, type PeerIdentity, peerIdLockName, peerIdStorageKey } from "../src/storage/peer-identity";

/**
 * Which peer id this tab runs as, in order of preference:
 * 1. the id this tab had before a reload (sessionStorage, guarded by a Web Lock: `acquirePeerId`);
 * 2. for a new tab, the id of a peer of this room whose tab is gone (its database is here and no live
 *    tab holds its lock): the tab adopts its database and restarts from it. Without this, closing every
 *    tab and opening a new one would start from an empty database: the data would still be on disk, in
 *    the orphaned databases, but nobody would read it. Of several orphans the one with the most recent
 *    Raft state (term, then commit index) wins, since it is the likeliest voter of the last configuration;
 * 3. a new id.
 * Reusing an orphan is safe for Raft: the id continues from its own persisted term and vote (§5.2), and the
 * Web Lock keeps two live tabs from sharing it.
 */
export async function claimTabPeerId(room: string): Promise<{ identity: PeerIdentity; adopted: boolean }> {
  const key = peerIdStorageKey(room);
  let adopted = false;
  if (readSession(key) === undefined) {
    const orphan = await freshestOrphan(room);
    if (orphan !== undefined) {
      sessionStorage.setItem(key, orphan);
      adopted = true;
    }
  }
  const identity = await acquirePeerId({ room });
  return { identity, adopted: adopted && identity.reused };
}

async function freshestOrphan(room: string): Promise<string | undefined> {
  const databases = await listIndexedDbRaftLogs({ room });
  if (databases === undefined || databases.length === 0 || navigator.locks === undefined) return undefined;
  const held = new Set((await navigator.locks.query()).held?.map((lock) => lock.name));
  let best: { peerId: string; term: number; commit: number } | undefined;
  for (const { peerId } of databases) {
    if (held.has(peerIdLockName(room, peerId))) continue;
    const logs = createIndexedDbRaftLogs({ room, peerId });
    try {
      const { hardState, meta } = await logs.load();
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

function readSession(key: string): string | undefined {
  try {
    return sessionStorage.getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}
