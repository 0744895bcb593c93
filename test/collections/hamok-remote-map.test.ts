import { describe, expect, it, vi } from "vitest";
import { HamokRemoteMap, type RemoteMap, RemoteMapStateMachine } from "../../src/collections/index.js";
import { FakeCluster, settle } from "./fake-cluster.js";

/** The external store: one backing map and the list of writes it received. */
class Store {
  readonly data = new Map<string, number>();
  readonly writes: string[] = [];
  /** A handle for one peer; `hook` runs before each write and may throw or hang. */
  handle(hook?: (op: string) => Promise<void> | void): RemoteMap<string, number> {
    return {
      set: async (key, value) => {
        await hook?.(`set ${key}=${value}`);
        this.writes.push(`set ${key}=${value}`);
        this.data.set(key, value);
      },
      delete: async (key) => {
        await hook?.(`delete ${key}`);
        this.writes.push(`delete ${key}`);
        this.data.delete(key);
      },
    };
  }
}

function remoteMaps(cluster: FakeCluster, store: Store, peers = [0, 1, 2]): HamokRemoteMap<string, number>[] {
  return peers.map(
    (i) =>
      new HamokRemoteMap<string, number>(cluster.peer(i).connect("rm", "remote-map"), {
        mapId: "rm",
        remoteMap: store.handle(),
      }),
  );
}

async function drained(maps: HamokRemoteMap<string, number>[]): Promise<void> {
  await vi.waitFor(() => {
    for (const map of maps) expect(map.pendingRemoteWrites).toBe(0);
  });
}

describe("HamokRemoteMap", () => {
  it("writes every change through once, from the leader, also across a leader change", async () => {
    const cluster = new FakeCluster();
    const store = new Store();
    const [a, b, c] = remoteMaps(cluster, store);
    await a!.set("x", 1);
    await b!.set("y", 2);
    await drained([a!, b!, c!]);
    cluster.setLeader("peer-1");
    await settle();
    await c!.set("z", 3);
    await b!.delete("x");
    await drained([a!, b!, c!]);
    expect(store.writes).toEqual(["set x=1", "set y=2", "set z=3", "delete x"]);
    expect([...store.data]).toEqual([...c!]);
  });

  it("offers the map methods: insert does not overwrite, conditional writes resolve false at once, events fire", async () => {
    const cluster = new FakeCluster();
    const store = new Store();
    const [a, b] = remoteMaps(cluster, store);
    const inserts: string[] = [];
    b!.on("insert", (k, v) => inserts.push(`${k}=${v}`));
    expect(await a!.insert("k", 0)).toBeUndefined();
    expect(await b!.insert("k", 5)).toBe(0);
    expect(await b!.updateIf("k", 6, 5)).toBe(false);
    expect(await b!.updateIf("k", 6, 0)).toBe(true);
    expect(b!.get("k")).toBe(6);
    expect(inserts).toEqual(["k=0"]);
    await a!.setAll([
      ["p", 1],
      ["q", 2],
    ]);
    await b!.clear();
    await drained([a!, b!]);
    expect(store.data.size).toBe(0);
    expect(store.writes.filter((w) => w.startsWith("delete")).sort()).toEqual(["delete k", "delete p", "delete q"]);
  });

  it("lets a new leader write what a crashed leader applied but never wrote, exactly once", async () => {
    const cluster = new FakeCluster();
    const store = new Store();
    const hung = new HamokRemoteMap<string, number>(cluster.peer(0).connect("rm", "remote-map"), {
      mapId: "rm",
      remoteMap: store.handle(() => new Promise(() => {})),
    });
    const [b, c] = remoteMaps(cluster, store, [1, 2]);
    await hung.set("k", 1);
    await settle();
    expect(store.writes).toEqual([]);
    cluster.crash("peer-0");
    cluster.setLeader("peer-1");
    await drained([b!, c!]);
    expect(store.writes).toEqual(["set k=1"]);
  });

  it("repeats a write only when the leader wrote it but crashed before acknowledging it through the log", async () => {
    const cluster = new FakeCluster();
    const store = new Store();
    const crashing = new HamokRemoteMap<string, number>(cluster.peer(0).connect("rm", "remote-map"), {
      mapId: "rm",
      remoteMap: store.handle(() => {
        // The write lands, then the leader dies before its `flushed` entry reaches the log.
        queueMicrotask(() => cluster.crash("peer-0"));
      }),
    });
    const [b, c] = remoteMaps(cluster, store, [1, 2]);
    await crashing.set("k", 1);
    await settle();
    expect(b!.pendingRemoteWrites).toBe(1);
    cluster.setLeader("peer-1");
    await drained([b!, c!]);
    expect(store.writes).toEqual(["set k=1", "set k=1"]);
    expect(store.data.get("k")).toBe(1);
  });

  it("keeps changes pending while the leader has no instance of the map, and its successor writes them", async () => {
    const cluster = new FakeCluster();
    const store = new Store();
    const [b, c] = remoteMaps(cluster, store, [1, 2]);
    await b!.set("a", 1);
    await c!.set("a", 2);
    await c!.set("b", 3);
    await settle();
    expect(store.writes).toEqual([]);
    expect(b!.pendingRemoteWrites).toBe(2);
    cluster.setLeader("peer-2");
    await drained([b!, c!]);
    expect(store.writes).toEqual(["set a=2", "set b=3"]);
  });

  it("reports a failed remote write as an error event, does not spin, and retries on the next change", async () => {
    const cluster = new FakeCluster();
    const store = new Store();
    let down = true;
    const leader = new HamokRemoteMap<string, number>(cluster.peer(0).connect("rm", "remote-map"), {
      mapId: "rm",
      remoteMap: store.handle(() => {
        if (down) throw new Error("store down");
      }),
    });
    const errors: unknown[] = [];
    leader.on("error", (error) => errors.push(error));
    await leader.set("k", 1);
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0));
    await settle(5);
    expect(errors.length).toBeLessThan(3);
    expect(leader.pendingRemoteWrites).toBe(1);
    down = false;
    await leader.set("j", 2);
    await drained([leader]);
    expect(store.writes).toEqual(["set k=1", "set j=2"]);
  });

  it("writes what a restored snapshot says is pending when this peer leads", async () => {
    const cluster = new FakeCluster();
    const store = new Store();
    const [leader] = remoteMaps(cluster, store, [0]);
    const source = new RemoteMapStateMachine();
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    const context = { index: 1, term: 1, sourcePeerId: "x", requestId: "r", localIsLeader: false };
    source.apply(
      { storageId: "rm", storageType: "remote-map", op: "set", args: { entries: [[enc("k"), enc(7)]] } },
      context,
    );
    cluster.peer(0).restore("rm", source.export());
    await drained([leader!]);
    expect(store.writes).toEqual(["set k=7"]);
    expect(leader!.get("k")).toBe(7);
  });

  it("refuses a remoteMap without set and delete", () => {
    const cluster = new FakeCluster();
    expect(
      () =>
        new HamokRemoteMap<string, number>(cluster.peer(0).connect("rm", "remote-map"), {
          mapId: "rm",
          remoteMap: {} as RemoteMap<string, number>,
        }),
    ).toThrow(/remoteMap/);
  });
});
