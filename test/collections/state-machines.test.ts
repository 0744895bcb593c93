import { describe, expect, it } from "vitest";
import { bytesKey } from "../../src/collections/bytes.js";
import {
  type ApplyContext,
  createStateMachine,
  MapStateMachine,
  type StorageCommand,
  type StorageType,
} from "../../src/collections/index.js";
import { createSeededRandom } from "../../src/raft/random";
import { FakeCluster } from "./fake-cluster.js";

const enc = (s: string) => new TextEncoder().encode(s);

function context(index: number): ApplyContext {
  return { index, term: 1, sourcePeerId: "p", requestId: `r${index}`, localIsLeader: false };
}

function randomCommand(type: StorageType, rand: () => number): StorageCommand {
  const key = () => enc(`k${Math.floor(rand() * 8)}`);
  const value = () => enc(String(Math.floor(rand() * 4)));
  const pick = <T>(items: T[]) => items[Math.floor(rand() * items.length)]!;
  const base = { storageId: "s", storageType: type };
  switch (type) {
    case "map":
    case "record":
    case "remote-map":
      return pick<StorageCommand>([
        { ...base, op: "set", args: { entries: [[key(), value()]] } },
        {
          ...base,
          op: "insert",
          args: {
            entries: [
              [key(), value()],
              [key(), value()],
            ],
          },
        },
        { ...base, op: "delete", args: { keys: [key()] } },
        { ...base, op: "updateIf", args: { key: key(), value: value(), oldValue: value() } },
        { ...base, op: "removeIf", args: { key: key(), oldValue: value() } },
        { ...base, op: rand() < 0.2 ? "clear" : "set", args: { entries: [[key(), value()]] } },
        { ...base, op: "flushed", args: { keys: [[key(), Math.floor(rand() * 50)]] } },
      ]);
    case "queue":
      return pick<StorageCommand>([
        { ...base, op: "push", args: { items: [value(), value()] } },
        { ...base, op: "pop" },
        { ...base, op: rand() < 0.1 ? "clear" : "pop" },
      ]);
    case "emitter":
      return pick<StorageCommand>([
        {
          ...base,
          op: "subscribe",
          args: { event: pick(["a", "b"]), peerId: pick(["p1", "p2"]), metaData: { n: rand() } },
        },
        { ...base, op: "unsubscribe", args: { event: pick(["a", "b"]), peerId: pick(["p1", "p2"]) } },
        { ...base, op: "removePeer", args: { peerId: pick(["p1", "p2"]) } },
      ]);
  }
}

describe("replicated state machines", () => {
  for (const type of ["map", "record", "remote-map", "queue", "emitter"] as const) {
    it(`${type}: the same commands give the same results and exports on every peer, and export/import round-trips`, () => {
      const rand = createSeededRandom(7);
      const commands = Array.from({ length: 400 }, () => randomCommand(type, rand));
      const machines = [0, 1, 2].map(() => createStateMachine(type, "s"));
      const outcomes = machines.map((machine) =>
        commands.map((command, i) => machine.apply(structuredClone(command), context(i + 1))),
      );
      expect(outcomes[1]).toEqual(outcomes[0]);
      expect(outcomes[2]).toEqual(outcomes[0]);
      const exported = machines.map((machine) => machine.export());
      expect(exported[1]).toEqual(exported[0]);
      const copy = createStateMachine(type, "s");
      copy.import(structuredClone(exported[0]));
      expect(copy.export()).toEqual(exported[0]);
      // A copy restored from the export goes on exactly like the original.
      const more = Array.from({ length: 50 }, () => randomCommand(type, rand));
      const a = more.map((command, i) => machines[0]!.apply(structuredClone(command), context(500 + i)));
      const b = more.map((command, i) => copy.apply(structuredClone(command), context(500 + i)));
      expect(b).toEqual(a);
      expect(copy.export()).toEqual(machines[0]!.export());
    });
  }

  it("ignores malformed and unknown commands without changing state", () => {
    for (const type of ["map", "record", "remote-map", "queue", "emitter"] as const) {
      const machine = createStateMachine(type, "s");
      const before = machine.export();
      const junk: unknown[] = [
        undefined,
        null,
        3,
        { entries: [[1, 2]] },
        { keys: ["x"] },
        { items: [1] },
        { peerId: 5 },
      ];
      for (const args of junk) {
        for (const op of [
          "set",
          "insert",
          "delete",
          "updateIf",
          "removeIf",
          "import",
          "flushed",
          "push",
          "subscribe",
          "unsubscribe",
          "nope",
        ]) {
          const outcome = machine.apply({ storageId: "s", storageType: type, op, args }, context(1));
          expect(outcome.changes).toEqual([]);
        }
      }
      expect(machine.export()).toEqual(before);
    }
  });

  it("applies the log identically on three peers when a collection class writes concurrently", async () => {
    const cluster = new FakeCluster();
    const { HamokMap } = await import("../../src/collections/index.js");
    const maps = cluster.peers.map((peer) => new HamokMap<number, number>(peer.connect("m", "map"), { mapId: "m" }));
    const rand = createSeededRandom(3);
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      const map = maps[Math.floor(rand() * 3)]!;
      const key = Math.floor(rand() * 20);
      const op = Math.floor(rand() * 4);
      if (op === 0) writes.push(map.set(key, i));
      else if (op === 1) writes.push(map.insert(key, i));
      else if (op === 2) writes.push(map.delete(key));
      else writes.push(map.updateIf(key, i, i - 1));
    }
    await Promise.all(writes);
    const exports = cluster.exports("m");
    expect(exports[1]).toEqual(exports[0]);
    expect(exports[2]).toEqual(exports[0]);
    expect([...maps[2]!]).toEqual([...maps[0]!]);
  });

  it("keeps the queue's order and contents through many pops (head compaction)", () => {
    const machine = createStateMachine("queue", "q");
    const items = Array.from({ length: 5000 }, (_, i) => enc(String(i)));
    machine.apply({ storageId: "q", storageType: "queue", op: "push", args: { items } }, context(1));
    const popped: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const { result } = machine.apply({ storageId: "q", storageType: "queue", op: "pop" }, context(2 + i));
      popped.push(new TextDecoder().decode(result as Uint8Array));
    }
    expect(popped.slice(0, 3)).toEqual(["0", "1", "2"]);
    expect(popped.at(-1)).toBe("2999");
    const state = machine.export() as { items: Uint8Array[] };
    expect(state.items).toHaveLength(2000);
    expect(new TextDecoder().decode(state.items[0])).toBe("3000");
  });

  it("map: keeps every byte of short and long keys and values (0-255, up to and past the stored-as-string limit)", () => {
    const bytes = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 37 + seed) % 256);
    const lengths = [0, 1, 255, 256, 257, 5000];
    const machine = new MapStateMachine();
    const command = (op: string, args: unknown): StorageCommand => ({ storageId: "m", storageType: "map", op, args });
    lengths.forEach((length, i) => {
      machine.apply(command("set", { key: bytes(length, i), value: bytes(length, i + 100) }), context(i + 1));
    });
    const expected = lengths.map((length, i) => [bytes(length, i), bytes(length, i + 100)]);
    expect([...machine.entries()]).toEqual(expected);
    lengths.forEach((length, i) => {
      expect(machine.get(bytes(length, i))).toEqual(bytes(length, i + 100));
      expect(machine.getSlot(bytesKey(bytes(length, i)))).toEqual(expected[i]);
    });
    // Compare-and-set compares the stored form with the given bytes, short and long.
    const cas = (length: number, i: number, old: Uint8Array) =>
      machine.apply(command("updateIf", { key: bytes(length, i), value: bytes(length, 7), oldValue: old }), context(9))
        .result;
    expect(cas(257, 4, bytes(257, 0))).toBe(false);
    expect(cas(257, 4, bytes(257, 104))).toBe(true);
    expect(cas(255, 2, bytes(255, 102))).toBe(true);
    expect(machine.get(bytes(257, 4))).toEqual(bytes(257, 7));
    // An update reports the old bytes and returns them as the previous value.
    const updated = machine.apply(command("set", { key: bytes(5000, 5), value: bytes(3, 1) }), context(10));
    expect(updated.result).toEqual([bytes(5000, 105)]);
    expect(updated.changes).toEqual([
      { type: "update", key: bytes(5000, 5), oldValue: bytes(5000, 105), value: bytes(3, 1) },
    ]);
    const copy = new MapStateMachine();
    copy.import(structuredClone(machine.export()));
    expect([...copy.entries()]).toEqual([...machine.entries()]);
    expect(copy.export()).toEqual(machine.export());
    // A removed long value comes back whole, with its key.
    const removed = copy.apply(command("delete", { keys: [bytes(256, 3)] }), context(11));
    expect(removed.result).toEqual([bytes(256, 103)]);
    expect(removed.changes).toEqual([{ type: "remove", key: bytes(256, 3), value: bytes(256, 103) }]);
  });

  it("creates the right machine per type", () => {
    for (const type of ["map", "record", "remote-map", "queue", "emitter"] as const) {
      expect(createStateMachine(type, "x").type).toBe(type);
    }
  });
});
