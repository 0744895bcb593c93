import { describe, expect, it } from "vitest";
import { createBytesCodec, createStringCodec, HamokMap, type HamokMapOptions } from "../../src/collections/index.js";
import { HamokError, isHamokError } from "../../src/errors.js";
import { FakeCluster, settle } from "./fake-cluster.js";

function maps<K = string, V = number>(
  cluster: FakeCluster,
  options: Partial<HamokMapOptions<K, V>> = {},
  id = "m",
): HamokMap<K, V>[] {
  return cluster.peers.map((peer) => new HamokMap<K, V>(peer.connect(id, "map"), { mapId: id, ...options }));
}

function record(map: HamokMap<string, number>): string[] {
  const events: string[] = [];
  map.on("insert", (k, v) => events.push(`insert ${k}=${v}`));
  map.on("update", (k, o, n) => events.push(`update ${k} ${o}->${n}`));
  map.on("remove", (k, v) => events.push(`remove ${k}=${v}`));
  map.on("clear", () => events.push("clear"));
  return events;
}

describe("HamokMap", () => {
  it("replicates set, resolves the previous value, and fires the same events on every peer", async () => {
    const cluster = new FakeCluster();
    const [a, b, c] = maps(cluster);
    const logs = [a!, b!, c!].map(record);
    expect(await a!.set("x", 1)).toBeUndefined();
    expect(await b!.set("x", 2)).toBe(1);
    expect(await c!.delete("x")).toBe(true);
    expect(await c!.delete("x")).toBe(false);
    for (const events of logs) expect(events).toEqual(["insert x=1", "update x 1->2", "remove x=2"]);
    for (const map of [a!, b!, c!]) expect(map.get("x")).toBeUndefined();
  });

  it("lets exactly one of two racing inserts of one key win, on every peer", async () => {
    const cluster = new FakeCluster();
    const [a, b, c] = maps(cluster);
    const [ra, rb] = await Promise.all([a!.insert("k", 10), b!.insert("k", 20)]);
    const winners = [ra, rb].filter((r) => r === undefined);
    expect(winners).toHaveLength(1);
    const winning = ra === undefined ? 10 : 20;
    expect(ra === undefined ? rb : ra).toBe(winning);
    for (const map of [a!, b!, c!]) expect(map.get("k")).toBe(winning);
  });

  it("offers the batch operations with their results", async () => {
    const cluster = new FakeCluster();
    const [a, b] = maps(cluster);
    expect(
      (
        await a!.setAll(
          new Map([
            ["a", 1],
            ["b", 2],
          ]),
        )
      ).size,
    ).toBe(0);
    expect([
      ...(await a!.setAll([
        ["b", 3],
        ["c", 4],
      ])),
    ]).toEqual([["b", 2]]);
    expect([
      ...(await b!.insertAll([
        ["c", 9],
        ["d", 5],
      ])),
    ]).toEqual([["c", 4]]);
    expect(b!.getAll(["a", "c", "zzz"])).toEqual(
      new Map([
        ["a", 1],
        ["c", 4],
      ]),
    );
    expect([...(await a!.deleteAll(["a", "zzz"]))]).toEqual(["a"]);
    expect(await a!.remove("b")).toBe(true);
    expect(await a!.remove("b")).toBe(false);
    expect([...(await b!.removeAll(["c", "zzz"]))]).toEqual([["c", 4]]);
    expect([...b!.entries()]).toEqual([["d", 5]]);
    expect(await a!.insert("d", 7)).toBe(5);
  });

  it("iterates keys, values and entries in the same order on every peer", async () => {
    const cluster = new FakeCluster();
    const [a, b, c] = maps(cluster);
    await Promise.all([a!.set("one", 1), b!.set("two", 2), c!.set("three", 3)]);
    await a!.set("one", 11);
    const expected = [...a!];
    expect(expected).toHaveLength(3);
    for (const map of [b!, c!]) {
      expect([...map]).toEqual(expected);
      expect([...map.keys()]).toEqual(expected.map(([k]) => k));
      expect([...map.values()]).toEqual(expected.map(([, v]) => v));
      expect(map.size).toBe(3);
      expect(map.isEmpty).toBe(false);
      expect(map.has("one")).toBe(true);
    }
    const logs = [a!, b!, c!].map(record);
    await b!.clear();
    for (const events of logs) expect(events).toEqual(["clear"]);
    expect(c!.isEmpty).toBe(true);
  });

  it("compares encoded bytes in updateIf and removeIf, resolving false at once when they differ", async () => {
    const cluster = new FakeCluster();
    const [a, b] = maps(cluster, { requestTimeoutInMs: 60_000 });
    await a!.set("k", 1);
    expect(await b!.updateIf("k", 2, 5)).toBe(false);
    expect(await b!.updateIf("absent", 2, 1)).toBe(false);
    expect(await b!.updateIf("k", 2, 1)).toBe(true);
    expect(a!.get("k")).toBe(2);
    expect(await a!.removeIf("k", 1)).toBe(false);
    expect(await a!.removeIf("k", 2)).toBe(true);
    expect(b!.has("k")).toBe(false);
  });

  it("treats 0, '', false and null as values", async () => {
    const cluster = new FakeCluster();
    const [a, b] = maps<string, unknown>(cluster);
    const falsy: [string, unknown][] = [
      ["zero", 0],
      ["empty", ""],
      ["no", false],
      ["nothing", null],
    ];
    await a!.setAll(falsy);
    for (const [k, v] of falsy) {
      expect(b!.has(k)).toBe(true);
      expect(b!.get(k)).toBe(v);
    }
    expect(await b!.insert("zero", 1)).toBe(0);
    expect(await b!.set("nothing", 1)).toBeNull();
    expect(await a!.updateIf("no", true, false)).toBe(true);
    const [zero] = maps<number, string>(cluster, {}, "numbers");
    await zero!.set(0, "");
    expect(zero!.get(0)).toBe("");
  });

  it("round-trips binary keys and values exactly with the bytes codec", async () => {
    const cluster = new FakeCluster();
    const codec = createBytesCodec();
    const [a, b, c] = maps<Uint8Array, Uint8Array>(cluster, { keyCodec: codec, valueCodec: codec });
    const key = new Uint8Array([0xff, 0xfe, 0x00, 0xc3]);
    const value = Uint8Array.from({ length: 256 }, (_, i) => i);
    await a!.set(key, value);
    value[0] = 99;
    for (const map of [b!, c!])
      expect(map.get(new Uint8Array([0xff, 0xfe, 0x00, 0xc3]))).toEqual(Uint8Array.from({ length: 256 }, (_, i) => i));
    const got = b!.get(key)!;
    got[1] = 42;
    expect(c!.get(key)![1]).toBe(1);
    expect(b!.get(key)![1]).toBe(1);
    const [strings] = maps<string, string>(
      cluster,
      { keyCodec: createStringCodec(), valueCodec: createStringCodec() },
      "s",
    );
    await strings!.set("ключ", "värde 🎉");
    expect(strings!.get("ключ")).toBe("värde 🎉");
  });

  it("splits large batches into commands of at most maxOutboundMessageKeys / maxOutboundMessageValues", async () => {
    const cluster = new FakeCluster();
    const [a, b] = maps(cluster, { maxOutboundMessageKeys: 4, maxOutboundMessageValues: 3 });
    const entries = Array.from({ length: 10 }, (_, i) => [`k${i}`, i] as [string, number]);
    expect((await a!.setAll(entries)).size).toBe(0);
    const setCommands = cluster.log.filter((e) => e.command.op === "set");
    expect(setCommands.map((e) => (e.command.args as { entries: unknown[] }).entries.length)).toEqual([3, 3, 3, 1]);
    expect(b!.size).toBe(10);
    expect([...(await b!.insertAll(entries.slice(0, 5)))].length).toBe(5);
    const removed = await b!.removeAll(entries.map(([k]) => k));
    expect(removed.size).toBe(10);
    const deletes = cluster.log.filter((e) => e.command.op === "delete");
    expect(deletes.map((e) => (e.command.args as { keys: unknown[] }).keys.length)).toEqual([4, 4, 2]);
    expect(a!.isEmpty).toBe(true);
  });

  it("keeps a baseMap equal to its entries, including state that existed before it was created", async () => {
    const cluster = new FakeCluster();
    const [a] = maps(cluster);
    await a!.setAll([
      ["x", 1],
      ["y", 2],
    ]);
    const base = new Map<string, number>([["stale", 0]]);
    const late = new HamokMap<string, number>(cluster.peer(2).connect("m", "map"), { mapId: "m", baseMap: base });
    expect([...base]).toEqual([
      ["x", 1],
      ["y", 2],
    ]);
    expect(late.get("y")).toBe(2);
    await a!.set("x", 10);
    await a!.delete("y");
    await a!.set("z", 3);
    expect([...base]).toEqual([...late]);
    await late.clear();
    expect(base.size).toBe(0);
  });

  it("fires update only when values differ: by encoded bytes by default, by equalValues when given", async () => {
    const cluster = new FakeCluster();
    const [a, b] = maps<string, { id: number; seen: number }>(cluster);
    const updates: number[] = [];
    b!.on("update", (_k, _o, n) => updates.push(n.seen));
    await a!.set("k", { id: 1, seen: 1 });
    await a!.set("k", { id: 1, seen: 1 });
    await a!.set("k", { id: 1, seen: 2 });
    expect(updates).toEqual([2]);
    const custom = new HamokMap<string, { id: number; seen: number }>(cluster.peer(2).connect("m", "map"), {
      mapId: "m",
      equalValues: (x, y) => x.id === y.id,
    });
    const customUpdates: number[] = [];
    custom.on("update", (_k, _o, n) => customUpdates.push(n.seen));
    await a!.set("k", { id: 1, seen: 3 });
    await a!.set("k", { id: 2, seen: 4 });
    expect(customUpdates).toEqual([4]);
    expect(custom.get("k")).toEqual({ id: 2, seen: 4 });
  });

  it("exports encoded entries and imports them through the log", async () => {
    const cluster = new FakeCluster();
    const [a, b, c] = maps(cluster);
    await a!.setAll([
      ["x", 1],
      ["y", 2],
    ]);
    const snapshot = a!.export();
    const [target, other] = maps(cluster, { maxOutboundMessageValues: 1 }, "copy");
    await target!.set("old", 0);
    const events = record(other!);
    await target!.import(snapshot);
    expect([...other!]).toEqual([
      ["x", 1],
      ["y", 2],
    ]);
    expect(events).toEqual(["clear", "insert x=1", "insert y=2"]);
    await expect(target!.import({ entries: "nope" } as never)).rejects.toMatchObject({ code: "InvalidArgument" });
    expect(cluster.exports("m")[1]).toEqual(cluster.exports("m")[2]);
    expect([...b!]).toEqual([...c!]);
  });

  it("announces a snapshot restore as clear then inserts and refills the baseMap", async () => {
    const cluster = new FakeCluster();
    const base = new Map<string, number>();
    const [a] = maps(cluster);
    const b = new HamokMap<string, number>(cluster.peer(1).connect("m", "map"), { mapId: "m", baseMap: base });
    await a!.set("x", 1);
    const state = cluster.peer(0).exportState("m");
    await a!.set("y", 2);
    const events = record(b);
    cluster.peer(1).restore("m", state);
    expect(events).toEqual(["clear", "insert x=1"]);
    expect([...base]).toEqual([["x", 1]]);
  });

  it("gives linearizable reads after sync() on a lagging peer", async () => {
    const cluster = new FakeCluster();
    const [a, b] = maps(cluster);
    cluster.pause(1);
    await a!.set("k", 1);
    expect(b!.get("k")).toBeUndefined();
    const synced = b!.sync();
    cluster.resume(1);
    await synced;
    expect(b!.get("k")).toBe(1);
  });

  it("rejects with an indeterminate Timeout after requestTimeoutInMs", async () => {
    const cluster = new FakeCluster({ autoDeliver: false });
    const [a] = maps(cluster, { requestTimeoutInMs: 20 });
    const error = await a!.set("k", 1).catch((e: unknown) => e);
    expect(isHamokError(error, "Timeout")).toBe(true);
    expect((error as HamokError).indeterminate).toBe(true);
  });

  it("rejects bad arguments and options with InvalidArgument", async () => {
    const cluster = new FakeCluster();
    const [a] = maps<string, unknown>(cluster);
    await expect(a!.set("k", undefined)).rejects.toMatchObject({ code: "InvalidArgument" });
    await expect(a!.set(undefined as never, 1)).rejects.toMatchObject({ code: "InvalidArgument" });
    expect(() => new HamokMap(cluster.peer(1).connect("m", "map"), { mapId: "m", maxOutboundMessageKeys: 0 })).toThrow(
      HamokError,
    );
    expect(() => new HamokMap(cluster.peer(1).connect("m", "map"), { mapId: "other" })).toThrow(/not other/);
    expect(cluster.log).toHaveLength(0);
  });

  it("closes: emits close, rejects later mutations with Closed, and the other peers go on", async () => {
    const cluster = new FakeCluster();
    const [a, b] = maps(cluster);
    let closed = 0;
    a!.on("close", () => closed++);
    a!.close();
    a!.close();
    expect(a!.closed).toBe(true);
    expect(closed).toBe(1);
    await expect(a!.set("k", 1)).rejects.toMatchObject({ code: "Closed" });
    await expect(a!.clear()).rejects.toMatchObject({ code: "Closed" });
    await expect(a!.sync()).rejects.toMatchObject({ code: "Closed" });
    expect(await b!.set("k", 1)).toBeUndefined();
    await settle();
    expect(b!.get("k")).toBe(1);
    await expect(b!.ready).resolves.toBeUndefined();
  });
});
