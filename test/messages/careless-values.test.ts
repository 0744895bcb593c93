import { afterEach, describe, expect, it } from "vitest";
import type { Hamok } from "../../src/hamok";
import { closeAll, joinAll, makePeers, rejection } from "../hamok/helpers";

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

function cyclic(): unknown {
  const value: Record<string, unknown> = { name: "loop" };
  value.self = value;
  return value;
}

describe("careless values in collections", () => {
  it("rejects cyclic values and BigInt with HamokError InvalidArgument, and the collection keeps working", async () => {
    const made = makePeers(1);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const peer = peers[0]!;
    const map = peer.createMap<string, unknown>({ mapId: "m" });
    const queue = peer.createQueue<unknown>({ queueId: "q" });
    const record = peer.createRecord<{ v?: unknown }>({ recordId: "r" });
    const emitter = peer.createEmitter<{ e: [unknown] }>({ emitterId: "e" });
    const attempts: [string, () => Promise<unknown>][] = [
      ["map.set cyclic", () => map.set("k", cyclic())],
      ["map.set bigint", () => map.set("k", 10n)],
      ["map.set bigint key", () => map.set(10n as unknown as string, 1)],
      ["queue.push cyclic", () => queue.push(cyclic())],
      ["queue.push bigint", () => queue.push({ n: 1n })],
      ["record.set cyclic", () => record.set("v", cyclic())],
      ["emitter.publish cyclic", () => emitter.publish("e", cyclic())],
    ];
    for (const [what, attempt] of attempts) {
      let error: unknown;
      try {
        error = await rejection(attempt());
      } catch (thrown) {
        error = thrown;
      }
      expect({ what, name: (error as Error).name, code: (error as { code?: string }).code }).toEqual({
        what,
        name: "HamokError",
        code: "InvalidArgument",
      });
    }
    await map.set("k", 1);
    expect(map.get("k")).toBe(1);
  });
});

describe("field and event names that are Object.prototype members", () => {
  it("records keep fields named constructor, toString and __proto__ as data", async () => {
    const made = makePeers(2);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const records = peers.map((peer) => peer.createRecord<Record<string, unknown>>({ recordId: "r" }));
    for (const field of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      await records[0]!.set(field, { name: field });
    }
    await peers[1]!.sync();
    for (const record of records) {
      expect(record.get("constructor")).toEqual({ name: "constructor" });
      expect(record.get("toString")).toEqual({ name: "toString" });
      expect(record.get("__proto__")).toEqual({ name: "__proto__" });
      const instance = record.instance;
      expect(Object.getPrototypeOf(instance)).toBe(Object.prototype);
      expect(Object.keys(instance).sort()).toEqual(["__proto__", "constructor", "hasOwnProperty", "toString"]);
    }
    expect(({} as Record<string, unknown>).name).toBeUndefined();
  });

  it("emitters deliver events named constructor and __proto__", async () => {
    const made = makePeers(2);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const emitters = peers.map((peer) => peer.createEmitter<Record<string, [n: number]>>({ emitterId: "e" }));
    const got: [string, number][] = [];
    for (const event of ["constructor", "__proto__"]) await emitters[1]!.subscribe(event, (n) => got.push([event, n]));
    await Promise.all(peers.map((peer) => peer.waitUntilCommitHead()));
    await emitters[0]!.publish("constructor", 1);
    await emitters[0]!.publish("__proto__", 2);
    expect(got).toEqual([
      ["constructor", 1],
      ["__proto__", 2],
    ]);
  });
});
