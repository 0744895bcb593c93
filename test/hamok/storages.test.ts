import { afterEach, describe, expect, it } from "vitest";
import { createBytesCodec } from "../../src/collections/index";
import { isHamokError } from "../../src/errors";
import type { Hamok } from "../../src/hamok";
import { closeAll, eventually, joinAll, leaderOf, makePeers } from "./helpers";

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

describe("storages and their connections", () => {
  it("create* registers a storage; getOrCreate* returns it with exists=true", async () => {
    const made = makePeers(1);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const hamok = peers[0]!;
    const calls: boolean[] = [];
    const map = hamok.getOrCreateMap<string, number>({ mapId: "m" }, (exists) => calls.push(exists));
    expect(hamok.getOrCreateMap<string, number>({ mapId: "m" }, (exists) => calls.push(exists))).toBe(map);
    const record = hamok.getOrCreateRecord<{ a: number }>({ recordId: "r" }, (exists) => calls.push(exists));
    const queue = hamok.getOrCreateQueue<number>({ queueId: "q" }, (exists) => calls.push(exists));
    const emitter = hamok.getOrCreateEmitter({ emitterId: "e" }, (exists) => calls.push(exists));
    const remote = hamok.getOrCreateRemoteMap<string, number>(
      { mapId: "rm", remoteMap: new Map<string, number>() as never },
      (exists) => calls.push(exists),
    );
    expect(calls).toEqual([false, true, false, false, false, false]);
    expect([...hamok.storages.keys()].sort()).toEqual(["e", "m", "q", "r", "rm"]);
    expect(hamok.storages.get("r")).toBe(record);
    expect(hamok.storages.get("q")).toBe(queue);
    expect(hamok.storages.get("e")).toBe(emitter);
    expect(hamok.storages.get("rm")).toBe(remote);
    expect(hamok.stats.storages).toBe(5);
    map.close();
    expect(hamok.storages.has("m")).toBe(false);
    expect(hamok.createMap<string, number>({ mapId: "m" })).not.toBe(map);
  });

  it("refuses a second storage of another type under the same id (StorageTypeMismatch)", async () => {
    const made = makePeers(2);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const [a, b] = peers;
    a!.createMap<string, number>({ mapId: "shared" });
    expect(() => a!.createQueue({ queueId: "shared" })).toThrow(
      expect.objectContaining({ code: "StorageTypeMismatch" }),
    );
    expect(() => a!.getOrCreateRecord({ recordId: "shared" })).toThrow(
      expect.objectContaining({ code: "StorageTypeMismatch" }),
    );
    expect(() => a!.createMap({ mapId: "shared" })).toThrow(expect.objectContaining({ code: "InvalidArgument" }));
    // Once the log has a map under the id, another peer cannot create a queue there either.
    await a!.createMap<string, number>({ mapId: "logged" }).set("x", 1);
    await b!.waitUntilCommitHead();
    expect(() => b!.createQueue({ queueId: "logged" })).toThrow(
      expect.objectContaining({ code: "StorageTypeMismatch" }),
    );
    // A command of another type through the log is refused deterministically.
    await expect(b!.submit({ storageId: "logged", storageType: "queue", op: "push", args: [] })).rejects.toSatisfy(
      (e) => isHamokError(e, "StorageTypeMismatch"),
    );
  });

  it("a collection created later on another peer finds the state already applied", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const source = peers[0]!.createMap<string, Uint8Array>({ mapId: "bin", valueCodec: createBytesCodec() });
    await source.set("bytes", new Uint8Array([0, 1, 255]));
    await peers[2]!.waitUntilCommitHead();
    const late = peers[2]!.createMap<string, Uint8Array>({ mapId: "bin", valueCodec: createBytesCodec() });
    expect(late.get("bytes")).toEqual(new Uint8Array([0, 1, 255]));
  });

  it("a late peer catches up through a snapshot, collections included", async () => {
    const made = makePeers(3, { snapshotThresholdEntries: 5 });
    peers = made.peers;
    const [a, b, late] = peers;
    await joinAll(made.hub, [a!, b!]);
    const map = a!.createMap<string, number>({ mapId: "m" });
    for (let i = 0; i < 20; i++) await map.set(`k${i}`, i);
    const leader = leaderOf([a!, b!]);
    await eventually(() => leader.raft.snapshotIndex > 0);
    await late!.join({ transport: made.hub.transport() });
    expect(late!.raft.snapshotIndex).toBeGreaterThan(0);
    const copy = late!.createMap<string, number>({ mapId: "m" });
    expect([...copy.entries()]).toEqual([...map.entries()]);
    await copy.set("from-late", 1);
    await eventually(() => map.get("from-late") === 1);
  });

  it("direct messages reach the same collection on other peers (emitter publish)", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const emitters = peers.map((p) => p.createEmitter<{ ping: [n: number] }>({ emitterId: "e" }));
    const got: number[] = [];
    await emitters[1]!.subscribe("ping", (n) => got.push(n));
    await emitters[2]!.subscribe("ping", (n) => got.push(n * 10));
    await Promise.all(peers.map((p) => p.waitUntilCommitHead()));
    const delivered = await emitters[0]!.publish("ping", 1);
    expect([...delivered].sort()).toEqual(["p2", "p3"]);
    expect(got.sort((x, y) => x - y)).toEqual([1, 10]);
  });
});
