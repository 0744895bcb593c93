import { afterEach, describe, expect, it } from "vitest";
import { claimPeerId } from "../../src/storage/claim-peer-id";
import { createIndexedDbRaftLogs, listIndexedDbRaftLogs, pruneIndexedDbRaftLogs } from "../../src/storage/indexeddb";
import { acquirePeerId, type PeerIdentity, peerIdLockName, peerIdStorageKey } from "../../src/storage/peer-identity";
import { cleanUp, uniqueRoom } from "./helpers";

/** A tab's own sessionStorage; a duplicated tab starts with a copy of its original's. */
class TabStorage {
  private readonly items: Map<string, string>;
  constructor(copyOf?: TabStorage) {
    this.items = new Map(copyOf?.items);
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

const held: PeerIdentity[] = [];
async function acquire(options: Parameters<typeof acquirePeerId>[0]): Promise<PeerIdentity> {
  const identity = await acquirePeerId(options);
  held.push(identity);
  return identity;
}

afterEach(() => {
  for (const identity of held.splice(0)) identity.release();
});

describe("acquirePeerId with Web Locks", () => {
  it("a first page gets a new id, stores it in sessionStorage and holds the lock on it", async () => {
    const room = uniqueRoom("first");
    const identity = await acquire({ room });
    expect(identity).toMatchObject({ reused: false, guard: "web-lock" });
    expect(sessionStorage.getItem(peerIdStorageKey(room))).toBe(identity.peerId);
    const { held: locks = [] } = await navigator.locks.query();
    expect(locks.map((lock) => lock.name)).toContain(peerIdLockName(room, identity.peerId));
  });

  it("a reloaded tab keeps its id once the old page has released the lock", async () => {
    const room = uniqueRoom("reload");
    const tab = new TabStorage();
    const before = await acquire({ room, storage: tab });
    before.release();
    const after = await acquire({ room, storage: tab });
    expect(after).toMatchObject({ peerId: before.peerId, reused: true, guard: "web-lock" });
  });

  it("a reload whose old page releases the lock a moment late still keeps the id", async () => {
    const room = uniqueRoom("late-release");
    const tab = new TabStorage();
    const before = await acquire({ room, storage: tab });
    setTimeout(() => before.release(), 50);
    const after = await acquire({ room, storage: tab, waitMs: 5_000 });
    expect(after).toMatchObject({ peerId: before.peerId, reused: true });
  });

  it("a duplicated tab (copied sessionStorage, original still alive) takes a new id", async () => {
    const room = uniqueRoom("duplicate");
    const original = new TabStorage();
    const first = await acquire({ room, storage: original });
    const duplicate = new TabStorage(original);
    expect(duplicate.getItem(peerIdStorageKey(room))).toBe(first.peerId);
    const second = await acquire({ room, storage: duplicate, waitMs: 50 });
    expect(second.peerId).not.toBe(first.peerId);
    expect(second).toMatchObject({ reused: false, guard: "web-lock" });
    expect(duplicate.getItem(peerIdStorageKey(room))).toBe(second.peerId);
    expect(original.getItem(peerIdStorageKey(room))).toBe(first.peerId);
  });

  it("the same tab in two rooms holds two ids", async () => {
    const tab = new TabStorage();
    const a = await acquire({ room: uniqueRoom("a"), storage: tab });
    const b = await acquire({ room: uniqueRoom("b"), storage: tab });
    expect(a.peerId).not.toBe(b.peerId);
  });

  it("without Web Locks a stored id is never reused", async () => {
    const room = uniqueRoom("no-locks");
    const tab = new TabStorage();
    const first = await acquire({ room, storage: tab, locks: null });
    const second = await acquire({ room, storage: tab, locks: null });
    expect(first).toMatchObject({ guard: "none", reused: false });
    expect(second.peerId).not.toBe(first.peerId);
    expect(tab.getItem(peerIdStorageKey(room))).toBe(second.peerId);
  });

  it("pruning keeps members and live tabs, and deletes the databases of peers gone for good", async () => {
    const room = uniqueRoom("prune");
    const live = await acquire({ room, storage: new TabStorage() });
    const ids = ["member", live.peerId, "gone"];
    for (const peerId of ids) {
      const logs = createIndexedDbRaftLogs({ room, peerId });
      await logs.save({ hardState: { term: 1, vote: null, commit: 0 } });
      await logs.close();
    }
    try {
      await expect(pruneIndexedDbRaftLogs({ room, members: ["member"] })).resolves.toEqual(["gone"]);
      const left = (await listIndexedDbRaftLogs({ room }))?.map((db) => db.peerId).sort();
      expect(left).toEqual(["member", live.peerId].sort());
    } finally {
      await cleanUp(room, ids);
    }
  });
});

describe("claimPeerId", () => {
  async function persistedPeer(room: string, peerId: string, term: number): Promise<void> {
    const logs = createIndexedDbRaftLogs({ room, peerId });
    await logs.save({ hardState: { term, vote: null, commit: 0 }, meta: { clusterId: "c1" } });
    await logs.close();
  }

  it("a new tab adopts the database with the newest Raft state among peers whose tabs are gone", async () => {
    const room = uniqueRoom("adopt");
    await persistedPeer(room, "older", 2);
    await persistedPeer(room, "newer", 5);
    try {
      const claimed = await claimPeerId({ room, storage: new TabStorage() });
      held.push(claimed.identity);
      expect(claimed).toMatchObject({ adopted: true, identity: { peerId: "newer", reused: true } });
    } finally {
      await cleanUp(room, ["older", "newer"]);
    }
  });

  it("never adopts the database of a live tab, and a reloaded tab keeps its own id", async () => {
    const room = uniqueRoom("live");
    await persistedPeer(room, "alive", 7);
    const liveTab = new TabStorage();
    liveTab.setItem(peerIdStorageKey(room), "alive");
    try {
      const live = await acquire({ room, storage: liveTab });
      expect(live.peerId).toBe("alive");
      const fresh = await claimPeerId({ room, storage: new TabStorage() });
      held.push(fresh.identity);
      expect(fresh.adopted).toBe(false);
      expect(fresh.identity.peerId).not.toBe("alive");
      live.release(); // the tab reloads: its old page lets go of the lock
      const reloaded = await claimPeerId({ room, storage: liveTab });
      held.push(reloaded.identity);
      expect(reloaded).toMatchObject({ adopted: false, identity: { peerId: "alive", reused: true } });
    } finally {
      await cleanUp(room, ["alive"]);
    }
  });
});
