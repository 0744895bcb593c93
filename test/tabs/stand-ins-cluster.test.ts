import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { afterEach, describe, expect, it } from "vitest";
import { Hamok } from "../../src/hamok";
import { listIndexedDbRaftLogs } from "../../src/storage/indexeddb/index";
import { acquirePeerId, peerIdLockName, peerIdStorageKey } from "../../src/storage/peer-identity";
import { MemoryHub } from "../../src/transport/memory-hub";
import { closeAll, eventually, FAST } from "../hamok/helpers";
import { FakeLockManager } from "./fake-locks";

/**
 * Issue 10: provably dead members of the same browser do not block the cluster. One origin is modelled by one
 * IndexedDB factory and one lock manager shared by its "tabs"; a tab holds the Web Lock of its peer id while it
 * lives, and a crash is a close without `leave()` that drops the tab's locks (its database stays).
 */

const ROOM = "stand-ins";
const peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

interface Origin {
  readonly hub: MemoryHub;
  readonly locks: FakeLockManager;
  readonly indexedDB: IDBFactory;
}

function origin(): Origin {
  return { hub: new MemoryHub({ cloneMessages: true }), locks: new FakeLockManager(), indexedDB: new IDBFactory() };
}

/** A tab of `origin` running peer `peerId`: it holds the peer's lock and stands in for dead members. */
function tab(o: Origin, peerId: string, indexedDB = o.indexedDB): Hamok {
  const locks = o.locks.forTab(peerId);
  void locks.request(peerIdLockName(ROOM, peerId), () => new Promise<void>(() => undefined));
  const hamok = new Hamok({
    ...FAST,
    peerId,
    seed: peerId.charCodeAt(peerId.length - 1),
    persistence: { type: "indexeddb", room: ROOM, indexedDB },
    standIns: { room: ROOM, transport: () => o.hub.transport(), indexedDB, locks },
  });
  peers.push(hamok);
  return hamok;
}

/** The tab's renderer dies: no leave, its locks are gone, its database stays. */
async function crash(o: Origin, hamok: Hamok): Promise<void> {
  await hamok.close();
  o.locks.dropAll(hamok.localPeerId);
}

async function cluster(o: Origin, ids: readonly string[]): Promise<Hamok[]> {
  const tabs = ids.map((id) => tab(o, id));
  await tabs[0]!.join({ transport: o.hub.transport() });
  for (const hamok of tabs.slice(1)) await hamok.join({ transport: o.hub.transport() });
  await eventually(() => tabs.every((hamok) => hamok.raft.voters.length === ids.length), 5000, "all voters");
  return tabs;
}

describe("standing in for provably dead members", () => {
  it("two tabs, the leader crashes: the other stands in for it, leads, and its database is deleted after the removal", async () => {
    const o = origin();
    const [a, b] = await cluster(o, ["a", "b"]);
    const leader = a!.leader ? a! : b!;
    const survivor = leader === a ? b! : a!;
    await leader.createMap<string, number>({ mapId: "m" }).set("acknowledged", 1);
    const acting: string[][] = [];
    survivor.on("acting-for-changed", (ids) => acting.push([...ids]));
    await crash(o, leader);

    const map = survivor.createMap<string, number>({ mapId: "m" });
    await eventually(() => survivor.leader, 10_000, "the survivor leads");
    await map.set("after", 2);
    expect(map.get("acknowledged")).toBe(1);
    await eventually(() => survivor.raft.voters.join() === survivor.localPeerId, 5000, "the removal");
    await eventually(() => survivor.actingFor.length === 0, 5000, "the stand-in finished");
    expect(acting).toEqual([[leader.localPeerId], []]);
    const left = (await listIndexedDbRaftLogs({ room: ROOM, indexedDB: o.indexedDB }))?.map((db) => db.peerId);
    expect(left).toEqual([survivor.localPeerId]);
    expect(o.locks.isHeld(peerIdLockName(ROOM, leader.localPeerId))).toBe(false);
  });

  it("three tabs, two crash at once (the leader among them): the last one stands in for both and goes on alone", async () => {
    const o = origin();
    const tabs = await cluster(o, ["a", "b", "c"]);
    const leader = tabs.find((hamok) => hamok.leader)!;
    const [crashing, survivor] = [tabs.filter((hamok) => hamok !== leader)[0]!, tabs.filter((h) => h !== leader)[1]!];
    await leader.createMap<string, number>({ mapId: "m" }).set("acknowledged", 1);
    await Promise.all([crash(o, leader), crash(o, crashing)]);

    const map = survivor.createMap<string, number>({ mapId: "m" });
    await eventually(() => survivor.leader, 10_000, "the survivor leads");
    await map.set("after", 2);
    expect(map.get("acknowledged")).toBe(1);
    await eventually(() => survivor.raft.voters.join() === survivor.localPeerId, 10_000, "both removals");
    await eventually(() => survivor.actingFor.length === 0, 5000, "the stand-ins finished");
  });

  it("a member whose database is in another browser is never stood in for: the quorum is reported lost", async () => {
    const o = origin();
    const a = tab(o, "a");
    // b and c run in another browser: their databases are not in this origin's IndexedDB.
    const elsewhere = new IDBFactory();
    const b = tab(o, "b", elsewhere);
    const c = tab(o, "c", elsewhere);
    // b bootstraps and leads; a follows (a leader would append the removals of crashed members at once).
    await b.join({ transport: o.hub.transport() });
    await a.join({ transport: o.hub.transport() });
    await c.join({ transport: o.hub.transport() });
    await eventually(() => a.raft.voters.length === 3, 5000, "three voters");
    const lost: unknown[] = [];
    a.on("quorum-changed", (status) => lost.push(status));
    await Promise.all([crash(o, b), crash(o, c)]);
    await eventually(() => a.quorum.missingVoters.join() === "b,c", 10_000, "the quorum reported lost");
    expect(a.quorum.lost).toBe(true);
    expect(a.quorum.since).toBeLessThanOrEqual(Date.now());
    expect(a.actingFor).toEqual([]);
    expect(a.leader).toBe(false);
    expect(lost.length).toBeGreaterThan(0);
  });

  it("a crashed tab that reloads while another tab stands in for it takes a new id", async () => {
    const o = origin();
    const [a, b] = await cluster(o, ["a", "b"]);
    // The leader (a, which bootstrapped) crashes; a leader would simply remove a crashed follower itself.
    expect(a!.leader).toBe(true);
    // a's tab reloads the moment b stands in for it: its sessionStorage still names a, but b holds a's lock.
    const storage = new Map([[peerIdStorageKey(ROOM), "a"]]);
    const reloading = new Promise<Awaited<ReturnType<typeof acquirePeerId>>>((resolve) => {
      b!.on("acting-for-changed", (ids) => {
        if (!ids.includes("a")) return;
        resolve(
          acquirePeerId({
            room: ROOM,
            locks: o.locks.forTab("a-reloaded"),
            waitMs: 0,
            storage: { getItem: (key) => storage.get(key) ?? null, setItem: (key, value) => storage.set(key, value) },
          }),
        );
      });
    });
    await crash(o, a!);
    const reloaded = await reloading;
    expect(reloaded.peerId).not.toBe("a");
    reloaded.release();
    await eventually(() => b!.raft.voters.join() === "b", 10_000, "a's removal");
  });
});

describe("the standIns option", () => {
  it("refuses anything but a boolean or { room, transport } with InvalidConfig", () => {
    expect(() => new Hamok({ standIns: "yes" as never })).toThrow(expect.objectContaining({ code: "InvalidConfig" }));
    expect(() => new Hamok({ standIns: { room: 1 } as never })).toThrow(
      expect.objectContaining({ code: "InvalidConfig" }),
    );
  });
});
