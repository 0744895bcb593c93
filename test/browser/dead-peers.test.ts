import { afterEach, describe, expect, it } from "vitest";
import { claimPeerId } from "../../src/storage/claim-peer-id";
import { type DeadPeerLock, findDeadPeers, lockDeadPeer } from "../../src/storage/dead-peers";
import { createIndexedDbRaftLogs, listIndexedDbRaftLogs } from "../../src/storage/indexeddb";
import { acquirePeerId, type PeerIdentity, peerIdLockName, peerIdStorageKey } from "../../src/storage/peer-identity";
import { cleanUp, uniqueRoom } from "./helpers";

/** A tab's own sessionStorage. */
class TabStorage {
  private readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

const releases: Array<{ release(): void }> = [];
const rooms: Array<[string, string[]]> = [];

afterEach(async () => {
  for (const held of releases.splice(0)) held.release();
  for (const [room, ids] of rooms.splice(0)) await cleanUp(room, ids);
});

/** A room whose peers `ids` have a persisted Raft state here (as tabs that joined a cluster leave behind). */
async function roomWithDatabases(label: string, ids: readonly string[]): Promise<string> {
  const room = uniqueRoom(label);
  rooms.push([room, [...ids]]);
  for (const peerId of ids) {
    const logs = createIndexedDbRaftLogs({ room, peerId });
    await logs.save({ hardState: { term: 3, vote: peerId, commit: 2 }, meta: { clusterId: "c1" } });
    await logs.close();
  }
  return room;
}

/** A live tab running as `peerId`: it holds the id's lock (reloaded from its sessionStorage). */
async function liveTab(room: string, peerId: string): Promise<PeerIdentity> {
  const storage = new TabStorage();
  storage.setItem(peerIdStorageKey(room), peerId);
  const identity = await acquirePeerId({ room, storage, waitMs: 100 });
  releases.push(identity);
  expect(identity.peerId).toBe(peerId);
  return identity;
}

async function lock(room: string, peerId: string): Promise<DeadPeerLock | undefined> {
  const taken = await lockDeadPeer({ room, peerId });
  if (taken !== undefined) releases.push(taken);
  return taken;
}

describe("findDeadPeers", () => {
  it("lists the members whose lock is free and whose database is here, and nobody else", async () => {
    const room = await roomWithDatabases("find", ["dead-1", "dead-2", "alive", "not-a-member"]);
    await liveTab(room, "alive");
    const members = ["dead-1", "dead-2", "alive", "other-browser"];
    // other-browser: a member whose database is not in this origin (it runs elsewhere): never taken for dead.
    await expect(findDeadPeers({ room, members })).resolves.toEqual(["dead-1", "dead-2"]);
  });

  it("a member whose lock another tab waits for is not dead (a reload is about to take it)", async () => {
    const room = await roomWithDatabases("pending", ["reloading"]);
    const holder = await liveTab(room, "reloading");
    const reloaded = new TabStorage();
    reloaded.setItem(peerIdStorageKey(room), "reloading");
    const waiting = acquirePeerId({ room, storage: reloaded, waitMs: 5_000 });
    // The old page is still holding on while the new one already waits.
    await expect.poll(async () => (await navigator.locks.query()).pending?.length ?? 0).toBeGreaterThan(0);
    holder.release();
    await expect(findDeadPeers({ room, members: ["reloading"] })).resolves.toEqual([]);
    const identity = await waiting;
    releases.push(identity);
    expect(identity).toMatchObject({ peerId: "reloading", reused: true });
  });

  it("without Web Locks nobody is provably dead", async () => {
    const room = await roomWithDatabases("no-locks", ["dead"]);
    await expect(findDeadPeers({ room, members: ["dead"], locks: null })).resolves.toEqual([]);
  });
});

describe("lockDeadPeer", () => {
  it("of two tabs racing for one dead member exactly one gets its lock, and holds it until released", async () => {
    const room = await roomWithDatabases("race", ["dead"]);
    const [a, b] = await Promise.all([lock(room, "dead"), lock(room, "dead")]);
    expect([a, b].filter((taken) => taken !== undefined)).toHaveLength(1);
    const winner = (a ?? b)!;
    expect(winner).toMatchObject({ peerId: "dead", held: true });
    const { held = [] } = await navigator.locks.query();
    expect(held.map((entry) => entry.name)).toContain(peerIdLockName(room, "dead"));
    await expect(findDeadPeers({ room, members: ["dead"] })).resolves.toEqual([]);
    winner.release();
    expect(winner.held).toBe(false);
    await expect(findDeadPeers({ room, members: ["dead"] })).resolves.toEqual(["dead"]);
  });

  it("never takes the lock of a live tab", async () => {
    const room = await roomWithDatabases("live", ["alive"]);
    await liveTab(room, "alive");
    await expect(lock(room, "alive")).resolves.toBeUndefined();
  });

  it("never acts for a member whose database is missing, and leaves its lock free", async () => {
    const room = uniqueRoom("missing");
    await expect(lock(room, "elsewhere")).resolves.toBeUndefined();
    const { held = [] } = await navigator.locks.query();
    expect(held.map((entry) => entry.name)).not.toContain(peerIdLockName(room, "elsewhere"));
  });

  it("the dead tab reloading while another tab acts for it takes a new id", async () => {
    const room = await roomWithDatabases("reload-while-acting", ["dead"]);
    const acting = await lock(room, "dead");
    expect(acting).toBeDefined();
    const tab = new TabStorage();
    tab.setItem(peerIdStorageKey(room), "dead");
    const reloaded = await acquirePeerId({ room, storage: tab, waitMs: 50 });
    releases.push(reloaded);
    expect(reloaded.peerId).not.toBe("dead");
    expect(tab.getItem(peerIdStorageKey(room))).toBe(reloaded.peerId);
  });

  it("retire deletes the member's database, then frees its id; a late tab finds nothing to act for", async () => {
    const room = await roomWithDatabases("retire", ["dead"]);
    const acting = (await lock(room, "dead"))!;
    await acting.retire();
    expect(acting.held).toBe(false);
    expect((await listIndexedDbRaftLogs({ room }))?.map((database) => database.peerId)).toEqual([]);
    await expect(findDeadPeers({ room, members: ["dead"] })).resolves.toEqual([]);
    await expect(lock(room, "dead")).resolves.toBeUndefined();
    await expect(acting.retire()).rejects.toMatchObject({ code: "InvalidArgument" });
  });
});

describe("claimPeerId and a member another tab acts for", () => {
  it("a new tab does not adopt a member whose lock another tab holds to act for it", async () => {
    const room = await roomWithDatabases("claim-held", ["dead"]);
    await lock(room, "dead");
    const claimed = await claimPeerId({ room, storage: new TabStorage() });
    releases.push(claimed.identity);
    expect(claimed.adopted).toBe(false);
    expect(claimed.identity.peerId).not.toBe("dead");
  });

  it("a new tab that saw the orphan just before another tab retired it takes a new id, not the deleted one", async () => {
    const room = await roomWithDatabases("claim-retired", ["dead"]);
    const acting = (await lock(room, "dead"))!;
    // The new tab's look at the locks predates the other tab's lock: the orphan looks free.
    const staleLocks = Object.create(navigator.locks) as LockManager;
    staleLocks.query = async () => ({ held: [], pending: [] });
    staleLocks.request = navigator.locks.request.bind(navigator.locks) as LockManager["request"];
    const storage = new TabStorage();
    const claiming = claimPeerId({ room, storage, locks: staleLocks, waitMs: 5_000 });
    // While the new tab waits for the lock, the removal commits and the acting tab retires the member.
    await expect.poll(async () => (await navigator.locks.query()).pending?.length ?? 0).toBeGreaterThan(0);
    await acting.retire();
    const claimed = await claiming;
    releases.push(claimed.identity);
    expect(claimed.adopted).toBe(false);
    expect(claimed.identity.peerId).not.toBe("dead");
    expect(storage.getItem(peerIdStorageKey(room))).toBe(claimed.identity.peerId);
  });
});
