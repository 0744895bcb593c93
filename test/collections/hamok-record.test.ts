import { describe, expect, it } from "vitest";
import { createBytesCodec, type HamokCodec, HamokRecord } from "../../src/collections/index.js";
import { FakeCluster } from "./fake-cluster.js";

type Profile = {
  name: string;
  age: number;
  avatar: Uint8Array;
  born: Date;
  nickname: string | null;
};

const dateCodec: HamokCodec<Date> = {
  encode: (d) => new TextEncoder().encode(d.toISOString()),
  decode: (b) => new Date(new TextDecoder().decode(b)),
};

function records(cluster: FakeCluster, extra: { initialObject?: Partial<Profile> } = {}): HamokRecord<Profile>[] {
  return cluster.peers.map(
    (peer) =>
      new HamokRecord<Profile>(peer.connect("r", "record"), {
        recordId: "r",
        payloadCodecs: { avatar: createBytesCodec(), born: dateCodec },
        ...extra,
      }),
  );
}

describe("HamokRecord", () => {
  it("sets, inserts, updates and deletes typed fields with the same events on every peer", async () => {
    const cluster = new FakeCluster();
    const [a, b, c] = records(cluster);
    const events = [a!, b!, c!].map((r) => {
      const log: string[] = [];
      r.on("insert", (f, v) => log.push(`insert ${f}=${String(v)}`));
      r.on("update", (f, o, n) => log.push(`update ${f} ${String(o)}->${String(n)}`));
      r.on("remove", (f, v) => log.push(`remove ${f}=${String(v)}`));
      r.on("clear", () => log.push("clear"));
      return log;
    });
    expect(await a!.set("name", "Ada")).toBeUndefined();
    expect(await b!.set("name", "Grace")).toBe("Ada");
    expect(await c!.insert("name", "Linus")).toBe("Grace");
    expect(await c!.insert("age", 0)).toBeUndefined();
    expect(await a!.updateIf("age", 1, 5)).toBe(false);
    expect(await a!.updateIf("age", 1, 0)).toBe(true);
    expect(await b!.delete("age")).toBe(true);
    expect(await b!.delete("age")).toBe(false);
    await c!.clear();
    for (const log of events) {
      expect(log).toEqual([
        "insert name=Ada",
        "update name Ada->Grace",
        "insert age=0",
        "update age 0->1",
        "remove age=1",
        "clear",
      ]);
    }
    expect(a!.instance).toEqual({});
  });

  it("uses per-field codecs (binary and dates round-trip exactly) and exposes a decoded instance", async () => {
    const cluster = new FakeCluster();
    const [a, b] = records(cluster);
    const avatar = new Uint8Array([0, 255, 128, 0xc3, 0x28]);
    const born = new Date("1815-12-10T00:00:00.000Z");
    await a!.set("avatar", avatar);
    await a!.set("born", born);
    await a!.set("nickname", null);
    const instance = b!.instance;
    expect(instance.avatar).toEqual(avatar);
    expect(instance.born).toBeInstanceOf(Date);
    expect(instance.born?.getTime()).toBe(born.getTime());
    expect(instance.nickname).toBeNull();
    expect(b!.get("nickname")).toBeNull();
    expect(b!.get("name")).toBeUndefined();
    instance.avatar![0] = 7;
    expect(b!.get("avatar")![0]).toBe(0);
  });

  it("inserts initialObject on creation without overwriting fields that already have values", async () => {
    const cluster = new FakeCluster();
    const [a] = records(cluster, { initialObject: { name: "first", age: 1 } });
    await a!.ready;
    await a!.set("age", 2);
    const later = new HamokRecord<Profile>(cluster.peer(1).connect("r", "record"), {
      recordId: "r",
      initialObject: { name: "second", nickname: "nick" },
    });
    await later.ready;
    expect(later.instance).toEqual({ name: "first", age: 2, nickname: "nick" });
    expect(a!.get("nickname")).toBe("nick");
  });

  it("exports and imports its encoded fields, and a late-created record sees the state at once", async () => {
    const cluster = new FakeCluster();
    const [a, b] = records(cluster);
    await a!.set("name", "Ada");
    await a!.set("avatar", new Uint8Array([1, 2, 3]));
    const snapshot = a!.export();
    await b!.set("name", "changed");
    await b!.import(snapshot);
    expect(a!.get("name")).toBe("Ada");
    const late = new HamokRecord<Profile>(cluster.peer(2).connect("r", "record"), {
      recordId: "r",
      payloadCodecs: { avatar: createBytesCodec() },
    });
    expect(late.get("avatar")).toEqual(new Uint8Array([1, 2, 3]));
    expect(late.id).toBe("r");
  });

  it("closes: emits close and rejects later mutations with Closed", async () => {
    const cluster = new FakeCluster();
    const [a, b] = records(cluster);
    let closes = 0;
    a!.on("close", () => closes++);
    a!.close();
    expect(a!.closed).toBe(true);
    expect(closes).toBe(1);
    await expect(a!.set("name", "x")).rejects.toMatchObject({ code: "Closed" });
    await expect(a!.sync()).rejects.toMatchObject({ code: "Closed" });
    await b!.set("name", "y");
    await b!.sync();
    expect(b!.get("name")).toBe("y");
  });
});
