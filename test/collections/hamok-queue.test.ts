import { describe, expect, it } from "vitest";
import { createBytesCodec, HamokQueue } from "../../src/collections/index.js";
import { FakeCluster } from "./fake-cluster.js";

function queues<T = number>(cluster: FakeCluster, id = "q"): HamokQueue<T>[] {
  return cluster.peers.map((peer) => new HamokQueue<T>(peer.connect(id, "queue"), { queueId: id }));
}

describe("HamokQueue", () => {
  it("keeps FIFO order identical on every peer with the same events everywhere", async () => {
    const cluster = new FakeCluster();
    const [a, b, c] = queues(cluster);
    const logs = [a!, b!, c!].map((q) => {
      const log: string[] = [];
      q.on("add", (item) => log.push(`add ${item}`));
      q.on("remove", (item) => log.push(`remove ${item}`));
      q.on("empty", () => log.push("empty"));
      q.on("not-empty", () => log.push("not-empty"));
      return log;
    });
    await Promise.all([a!.push(1, 2), b!.push(3), c!.push(4, 5)]);
    const order = [...a!];
    expect(order.sort()).toEqual([1, 2, 3, 4, 5]);
    expect([...b!]).toEqual([...a!.values()]);
    expect([...c!]).toEqual([...a!.values()]);
    expect(b!.peek()).toBe([...a!][0]);
    expect(c!.size).toBe(5);
    expect(c!.empty).toBe(false);
    const first = [...a!][0];
    expect(await b!.pop()).toBe(first);
    await c!.clear();
    expect(a!.empty).toBe(true);
    expect(await a!.pop()).toBeUndefined();
    expect(logs[1]).toEqual(logs[0]);
    expect(logs[2]).toEqual(logs[0]);
    expect(logs[0]![0]).toBe("add 1");
    expect(logs[0]).toContain("not-empty");
    expect(logs[0]!.at(-1)).toBe("empty");
    expect(logs[0]!.filter((e) => e.startsWith("remove"))).toHaveLength(5);
  });

  it("hands each item to exactly one of many concurrent poppers", async () => {
    const cluster = new FakeCluster();
    const qs = queues(cluster);
    await qs[0]!.push(...Array.from({ length: 20 }, (_, i) => i));
    const pops = await Promise.all(Array.from({ length: 24 }, (_, i) => qs[i % 3]!.pop()));
    const got = pops.filter((p) => p !== undefined);
    expect(got.sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(pops.filter((p) => p === undefined)).toHaveLength(4);
    for (const q of qs) expect(q.size).toBe(0);
  });

  it("treats falsy items as items and round-trips binary items", async () => {
    const cluster = new FakeCluster();
    const [a, b] = queues<unknown>(cluster);
    await a!.push(0, "", false, null);
    expect(await b!.pop()).toBe(0);
    expect(await b!.pop()).toBe("");
    expect(await b!.pop()).toBe(false);
    expect(b!.peek()).toBeNull();
    expect(await b!.pop()).toBeNull();
    expect(await b!.pop()).toBeUndefined();
    await expect(a!.push(undefined)).rejects.toMatchObject({ code: "InvalidArgument" });
    const bytes = cluster.peers.map(
      (peer) => new HamokQueue<Uint8Array>(peer.connect("bin", "queue"), { queueId: "bin", codec: createBytesCodec() }),
    );
    await bytes[0]!.push(new Uint8Array([0xff, 0, 0xc3]));
    expect(await bytes[2]!.pop()).toEqual(new Uint8Array([0xff, 0, 0xc3]));
  });

  it("shows its state at once when created later on another peer", async () => {
    const cluster = new FakeCluster();
    const [a] = queues(cluster);
    await a!.push(7, 8, 9);
    await a!.pop();
    const late = new HamokQueue<number>(cluster.peer(2).connect("q", "queue"), { queueId: "q" });
    expect([...late]).toEqual([8, 9]);
    expect(late.peek()).toBe(8);
  });

  it("closes: emits close and rejects later operations with Closed", async () => {
    const cluster = new FakeCluster();
    const [a, b] = queues(cluster);
    let closes = 0;
    a!.on("close", () => closes++);
    a!.close();
    expect(a!.closed).toBe(true);
    expect(closes).toBe(1);
    await expect(a!.push(1)).rejects.toMatchObject({ code: "Closed" });
    await expect(a!.pop()).rejects.toMatchObject({ code: "Closed" });
    await b!.push(1);
    expect(b!.size).toBe(1);
  });
});
