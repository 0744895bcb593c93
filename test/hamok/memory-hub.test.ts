import { describe, expect, it } from "vitest";
import { MemoryHub } from "../../src/transport/memory-hub";

type Msg = { sourceId: string; destinationId?: string; n: number };

function collect(hub: MemoryHub<Msg>, id: string) {
  const transport = hub.transport();
  const received: Msg[] = [];
  const joined: string[] = [];
  const left: string[] = [];
  transport.on("message", (m) => received.push(m));
  transport.on("peer-joined", (p) => joined.push(p));
  transport.on("peer-left", (p) => left.push(p));
  return { transport, received, joined, left, open: () => transport.open(id) };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("MemoryHub", () => {
  it("tells each peer the room on open and announces joins and leaves", async () => {
    const hub = new MemoryHub<Msg>();
    const a = collect(hub, "a");
    const b = collect(hub, "b");
    expect(await a.open()).toEqual([]);
    expect(await b.open()).toEqual(["a"]);
    expect(a.joined).toEqual(["b"]);
    expect([...a.transport.members()]).toEqual(["b"]);
    await b.transport.close();
    expect(a.left).toEqual(["b"]);
    expect(a.transport.members().size).toBe(0);
    expect(hub.members()).toEqual(["a"]);
  });

  it("delivers broadcasts to every other peer and unicasts to one", async () => {
    const hub = new MemoryHub<Msg>();
    const peers = ["a", "b", "c"].map((id) => collect(hub, id));
    for (const p of peers) await p.open();
    peers[0]!.transport.send({ sourceId: "a", n: 1 });
    peers[0]!.transport.send({ sourceId: "a", destinationId: "c", n: 2 });
    await flush();
    expect(peers[0]!.received).toEqual([]);
    expect(peers[1]!.received.map((m) => m.n)).toEqual([1]);
    expect(peers[2]!.received.map((m) => m.n)).toEqual([1, 2]);
  });

  it("drops everything at drop rate 1 and duplicates everything at duplicate rate 1", async () => {
    const hub = new MemoryHub<Msg>({ dropRate: 1 });
    const a = collect(hub, "a");
    const b = collect(hub, "b");
    await a.open();
    await b.open();
    a.transport.send({ sourceId: "a", n: 1 });
    await flush();
    expect(b.received).toEqual([]);
    expect(hub.stats.dropped).toBe(1);
    hub.setFaults({ dropRate: 0, duplicateRate: 1 });
    a.transport.send({ sourceId: "a", n: 2 });
    await flush();
    expect(b.received.map((m) => m.n)).toEqual([2, 2]);
  });

  it("partitions groups and heals", async () => {
    const hub = new MemoryHub<Msg>();
    const peers = ["a", "b", "c"].map((id) => collect(hub, id));
    for (const p of peers) await p.open();
    hub.partition(["a"], ["b", "c"]);
    peers[0]!.transport.send({ sourceId: "a", n: 1 });
    peers[1]!.transport.send({ sourceId: "b", n: 2 });
    await flush();
    expect(peers[1]!.received).toEqual([]);
    expect(peers[2]!.received.map((m) => m.n)).toEqual([2]);
    hub.heal();
    peers[0]!.transport.send({ sourceId: "a", n: 3 });
    await flush();
    expect(peers[1]!.received.map((m) => m.n)).toEqual([3]);
  });

  it("delays within [min, max], so messages arrive reordered", async () => {
    const hub = new MemoryHub<Msg>({ seed: 7, minDelayInMs: 1, maxDelayInMs: 15 });
    const a = collect(hub, "a");
    const b = collect(hub, "b");
    await a.open();
    await b.open();
    for (let n = 0; n < 20; n++) a.transport.send({ sourceId: "a", n });
    expect(b.received).toEqual([]);
    const started = Date.now();
    while (b.received.length < 20 && Date.now() - started < 5000) await flush();
    const order = b.received.map((m) => m.n);
    expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(order).not.toEqual([...order].sort((x, y) => x - y));
  });

  it("draws its faults from the seed: the same seed loses the same messages", async () => {
    const run = async (seed: number) => {
      const hub = new MemoryHub<Msg>({ seed, dropRate: 0.5 });
      const a = collect(hub, "a");
      const b = collect(hub, "b");
      await a.open();
      await b.open();
      for (let n = 0; n < 40; n++) a.transport.send({ sourceId: "a", n });
      await flush();
      return b.received.map((m) => m.n);
    };
    const first = await run(11);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(40);
    expect(await run(11)).toEqual(first);
    expect(await run(12)).not.toEqual(first);
  });

  it("clones messages when asked, and refuses bad fault settings", async () => {
    const hub = new MemoryHub<Msg>({ cloneMessages: true });
    const a = collect(hub, "a");
    const b = collect(hub, "b");
    await a.open();
    await b.open();
    const message = { sourceId: "a", n: 1 };
    a.transport.send(message);
    await flush();
    expect(b.received[0]).toEqual(message);
    expect(b.received[0]).not.toBe(message);
    expect(() => hub.setFaults({ dropRate: 2 })).toThrow(RangeError);
    expect(() => hub.setFaults({ minDelayInMs: 5, maxDelayInMs: 1 })).toThrow(RangeError);
    await expect(a.transport.open("again")).rejects.toThrow();
  });
});
