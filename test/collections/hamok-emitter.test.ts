import { describe, expect, it } from "vitest";
import { type HamokCodec, HamokEmitter } from "../../src/collections/index.js";
import { FakeCluster, settle } from "./fake-cluster.js";

type Events = {
  chat: [from: string, text: string];
  ping: [];
  blob: [data: Uint8Array];
};

function emitters(cluster: FakeCluster, requestTimeoutInMs?: number): HamokEmitter<Events>[] {
  return cluster.peers.map(
    (peer) =>
      new HamokEmitter<Events>(
        peer.connect("e", "emitter"),
        requestTimeoutInMs === undefined ? { emitterId: "e" } : { emitterId: "e", requestTimeoutInMs },
      ),
  );
}

describe("HamokEmitter", () => {
  it("replicates subscriptions with metadata and add-peer events, and publishes to the subscribers", async () => {
    const cluster = new FakeCluster();
    const [a, b, c] = emitters(cluster);
    const added: string[] = [];
    a!.subscriptions.on("add-peer", (event, peerId) => added.push(`${event}:${peerId}`));
    const gotB: string[] = [];
    const gotC: string[] = [];
    await b!.subscribe("chat", (from, text) => gotB.push(`${from}:${text}`), { role: "reader" });
    await c!.subscribe("chat", (from, text) => gotC.push(`${from}:${text}`));
    expect(added).toEqual(["chat:peer-1", "chat:peer-2"]);
    expect(a!.subscriptions.getPeerIds("chat")).toEqual(new Set(["peer-1", "peer-2"]));
    expect(a!.subscriptions.getMetaData("chat", "peer-1")).toEqual({ role: "reader" });
    expect(c!.subscriptions.getMetaData("chat", "peer-2")).toBeNull();
    expect(a!.subscriptions.events).toEqual(["chat"]);
    const receivers = await a!.publish("chat", "ann", "hello");
    expect(receivers.sort()).toEqual(["peer-1", "peer-2"]);
    expect(gotB).toEqual(["ann:hello"]);
    expect(gotC).toEqual(["ann:hello"]);
    // The publisher's own listeners run too, and it counts itself.
    const gotA: string[] = [];
    await a!.subscribe("chat", (_f, text) => gotA.push(text));
    expect((await b!.publish("chat", "bob", "hi")).sort()).toEqual(["peer-0", "peer-1", "peer-2"]);
    expect(gotA).toEqual(["hi"]);
    expect(await a!.publish("ping")).toEqual([]);
  });

  it("unsubscribes only the given event, and withdraws the peer when its last listener goes", async () => {
    const cluster = new FakeCluster();
    const [a, b] = emitters(cluster);
    const removed: string[] = [];
    a!.subscriptions.on("remove-peer", (event, peerId) => removed.push(`${event}:${peerId}`));
    const one = () => {};
    const two = () => {};
    const pings: number[] = [];
    await b!.subscribe("chat", one);
    await b!.subscribe("chat", two);
    await b!.subscribe("ping", () => pings.push(1));
    const commands = cluster.log.length;
    expect(commands).toBe(2);
    await b!.unsubscribe("chat", one);
    expect(cluster.log.length).toBe(commands);
    expect(a!.subscriptions.has("chat", "peer-1")).toBe(true);
    await b!.unsubscribe("chat", two);
    expect(removed).toEqual(["chat:peer-1"]);
    expect(a!.subscriptions.has("chat")).toBe(false);
    expect(await a!.publish("ping")).toEqual(["peer-1"]);
    expect(pings).toEqual([1]);
  });

  it("lets the last intent win when subscribe and unsubscribe race", async () => {
    const cluster = new FakeCluster();
    const [a, b] = emitters(cluster);
    const listener = () => {};
    const first = b!.subscribe("ping", listener);
    const second = b!.unsubscribe("ping", listener);
    const third = b!.subscribe("ping", listener, { v: 2 });
    await Promise.all([first, second, third]);
    expect(a!.subscriptions.getMetaData("ping", "peer-1")).toEqual({ v: 2 });
  });

  it("resolves publish at its timeout with the peers that answered when a subscriber is missing", async () => {
    const cluster = new FakeCluster();
    const [a, b, c] = emitters(cluster, 50);
    const got: string[] = [];
    await b!.subscribe("chat", (_f, t) => got.push(`b:${t}`));
    await c!.subscribe("chat", (_f, t) => got.push(`c:${t}`));
    cluster.dropDirect = (_from, to) => to === "peer-2";
    expect(await a!.publish("chat", "x", "lost?")).toEqual(["peer-1"]);
    expect(got).toEqual(["b:lost?"]);
  });

  it("stops waiting for a subscriber that leaves, and the leader removes its subscriptions", async () => {
    const cluster = new FakeCluster();
    const [a, b, c] = emitters(cluster, 10_000);
    await b!.subscribe("chat", () => {});
    await c!.subscribe("chat", () => {});
    cluster.dropDirect = (_from, to) => to === "peer-2";
    const publishing = a!.publish("chat", "x", "y");
    await settle();
    cluster.crash("peer-2");
    expect(await publishing).toEqual(["peer-1"]);
    await settle();
    expect(a!.subscriptions.getPeerIds("chat")).toEqual(new Set(["peer-1"]));
    expect(b!.subscriptions.getPeerIds("chat")).toEqual(new Set(["peer-1"]));
  });

  it("notifies without waiting, and clear() withdraws only this peer", async () => {
    const cluster = new FakeCluster();
    const [a, b, c] = emitters(cluster);
    const got: string[] = [];
    await b!.subscribe("chat", (_f, t) => got.push(`b:${t}`));
    await c!.subscribe("chat", (_f, t) => got.push(`c:${t}`));
    expect(a!.notify("chat", "n", "one")).toBe(true);
    expect(a!.notify("ping")).toBe(false);
    await settle();
    expect(got.sort()).toEqual(["b:one", "c:one"]);
    await b!.clear();
    expect(a!.subscriptions.getPeerIds("chat")).toEqual(new Set(["peer-2"]));
    a!.notify("chat", "n", "two");
    await settle();
    expect(got.sort()).toEqual(["b:one", "c:one", "c:two"]);
  });

  it("encodes payloads with per-event codecs (binary round-trips exactly)", async () => {
    const cluster = new FakeCluster();
    const blobCodec: HamokCodec<[Uint8Array]> = { encode: ([d]) => d.slice(), decode: (b) => [b.slice()] };
    const [a, b] = cluster.peers.map(
      (peer) =>
        new HamokEmitter<Events>(peer.connect("e", "emitter"), { emitterId: "e", payloadsCodec: { blob: blobCodec } }),
    );
    const got: Uint8Array[] = [];
    await b!.subscribe("blob", (data) => got.push(data));
    expect(await a!.publish("blob", new Uint8Array([0xff, 0x00, 0xc3]))).toEqual(["peer-1"]);
    expect(got).toEqual([new Uint8Array([0xff, 0x00, 0xc3])]);
  });

  it("shows existing subscriptions at once when created later, and rejects after close", async () => {
    const cluster = new FakeCluster();
    const [a, b] = emitters(cluster);
    await a!.subscribe("ping", () => {}, { since: 1 });
    const late = new HamokEmitter<Events>(cluster.peer(2).connect("e", "emitter"), { emitterId: "e" });
    expect(late.subscriptions.getMetaData("ping", "peer-0")).toEqual({ since: 1 });
    b!.close();
    expect(b!.closed).toBe(true);
    await expect(b!.subscribe("ping", () => {})).rejects.toMatchObject({ code: "Closed" });
    await expect(b!.publish("ping")).rejects.toMatchObject({ code: "Closed" });
    expect(() => b!.notify("ping")).toThrow(/closed/);
  });

  it("runs listeners once for a publish or notify the network delivers twice, and still counts the receiver", async () => {
    const cluster = new FakeCluster();
    const [a, b] = emitters(cluster);
    const got: string[] = [];
    await b!.subscribe("chat", (_from, text) => got.push(text));
    cluster.duplicateDirect = () => true;
    expect(await a!.publish("chat", "ann", "once")).toEqual(["peer-1"]);
    a!.notify("chat", "ann", "told once");
    await settle();
    expect(got).toEqual(["once", "told once"]);
  });

  it("tells a recreated emitter's publishes from its predecessor's although both count from zero", async () => {
    const cluster = new FakeCluster();
    const [a, b] = emitters(cluster);
    const got: string[] = [];
    await b!.subscribe("chat", (_from, text) => got.push(text));
    expect(await a!.publish("chat", "ann", "first")).toEqual(["peer-1"]);
    a!.close();
    const again = new HamokEmitter<Events>(cluster.peer(0).connect("e", "emitter"), { emitterId: "e" });
    expect(await again.publish("chat", "ann", "second")).toEqual(["peer-1"]);
    expect(got).toEqual(["first", "second"]);
  });
});
