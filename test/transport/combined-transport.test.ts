import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Hamok } from "../../src/hamok.js";
import type { HamokMessage } from "../../src/messages/hamok-message.js";
import { broadcastChannelTransport } from "../../src/transport/broadcast-channel.js";
import { sameBrowserFirstTransport } from "../../src/transport/combined-transport.js";
import { MemoryHub } from "../../src/transport/memory-hub.js";
import type { HamokTransport } from "../../src/transport/transport.js";
import { DEFAULT_BROWSER_ROOM, isBrowserPage, withZeroConfigTransport } from "../../src/transport/zero-config.js";
import { runInNetns } from "./netns-runner.js";

type Msg = { sourceId: string; destinationId?: string; body: string };

const cleanups: (() => Promise<void> | void)[] = [];
let roomCounter = 0;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.unstubAllGlobals();
});

function freshRoom(): string {
  return `combined-${process.pid}-${roomCounter++}`;
}

async function until(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Let microtask deliveries of the memory hubs run. */
const settle = () => new Promise((r) => setTimeout(r, 10));

function record<M extends Msg>(transport: HamokTransport<M>) {
  const log = { messages: [] as M[], joined: [] as string[], left: [] as string[] };
  transport.on("message", (m) => log.messages.push(m));
  transport.on("peer-joined", (p) => log.joined.push(p));
  transport.on("peer-left", (p) => log.left.push(p));
  cleanups.push(() => transport.close());
  return log;
}

/** Two rooms: `local` (this browser) and `remote` (the rest), with a spy on every remote delivery. */
function rooms() {
  const localHub = new MemoryHub<Msg>();
  const remoteHub = new MemoryHub<Msg>();
  const remoteRoutes: { from: string; to: string | undefined }[] = [];
  const route = remoteHub.route.bind(remoteHub);
  vi.spyOn(remoteHub, "route").mockImplementation((from, message) => {
    remoteRoutes.push({ from, to: message.destinationId });
    route(from, message);
  });
  return { localHub, remoteHub, remoteRoutes };
}

describe("sameBrowserFirstTransport: routing", () => {
  it("sends directed messages over local to local members and over remote to the others", async () => {
    const { localHub, remoteHub, remoteRoutes } = rooms();
    const a = sameBrowserFirstTransport({ local: localHub.transport(), remote: remoteHub.transport() });
    const aLog = record(a);
    const b = sameBrowserFirstTransport({ local: localHub.transport(), remote: remoteHub.transport() });
    const bLog = record(b);
    const c = remoteHub.transport();
    const cLog = record(c);
    await c.open("c");
    await b.open("b");
    expect([...(await a.open("a"))].sort()).toEqual(["b", "c"]);

    a.send({ sourceId: "a", destinationId: "b", body: "to-b" });
    a.send({ sourceId: "a", destinationId: "c", body: "to-c" });
    a.send({ sourceId: "a", destinationId: "stranger", body: "to-stranger" });
    await settle();
    expect(bLog.messages.map((m) => m.body)).toEqual(["to-b"]);
    expect(cLog.messages.map((m) => m.body)).toEqual(["to-c"]);
    expect(localHub.stats.sent).toBe(1);
    // A destination neither room knows goes to the remote transport, the one that can reach strangers.
    expect(remoteRoutes).toEqual([
      { from: "a", to: "c" },
      { from: "a", to: "stranger" },
    ]);
    expect(aLog.messages).toEqual([]);
  });

  it("broadcasts reach every peer once: local members over local, only the rest over remote", async () => {
    const { localHub, remoteHub, remoteRoutes } = rooms();
    const peers = ["a", "b"].map((id) => ({
      id,
      transport: sameBrowserFirstTransport({ local: localHub.transport(), remote: remoteHub.transport() }),
    }));
    const logs = peers.map(({ transport }) => record(transport));
    const c = remoteHub.transport();
    const cLog = record(c);
    await c.open("c");
    for (const { id, transport } of peers) await transport.open(id);

    peers[0]!.transport.send({ sourceId: "a", body: "all" });
    await settle();
    expect(logs[1]!.messages).toEqual([{ sourceId: "a", body: "all" }]);
    // b is reachable both ways: over remote only c gets a (directed) copy.
    expect(cLog.messages).toEqual([{ sourceId: "a", destinationId: "c", body: "all" }]);
    expect(remoteRoutes).toEqual([{ from: "a", to: "c" }]);
    expect(logs[0]!.messages).toEqual([]);
  });

  it("sends one remote broadcast when no peer is reachable both ways", async () => {
    const { localHub, remoteHub, remoteRoutes } = rooms();
    const a = sameBrowserFirstTransport({ local: localHub.transport(), remote: remoteHub.transport() });
    record(a);
    const bLocal = localHub.transport();
    const bLog = record(bLocal);
    const remotes = ["c", "d"].map((id) => ({ id, transport: remoteHub.transport() }));
    const remoteLogs = remotes.map(({ transport }) => record(transport));
    await bLocal.open("b");
    for (const { id, transport } of remotes) await transport.open(id);
    await a.open("a");

    a.send({ sourceId: "a", body: "all" });
    await settle();
    expect(bLog.messages).toEqual([{ sourceId: "a", body: "all" }]);
    for (const log of remoteLogs) expect(log.messages).toEqual([{ sourceId: "a", body: "all" }]);
    expect(remoteRoutes).toEqual([{ from: "a", to: undefined }]);
  });

  it("accepts messages from both sides and sends nothing before open() or after close()", async () => {
    const { localHub, remoteHub } = rooms();
    const a = sameBrowserFirstTransport({ local: localHub.transport(), remote: remoteHub.transport() });
    const aLog = record(a);
    const b = localHub.transport();
    const c = remoteHub.transport();
    record(b);
    const cLog = record(c);
    await Promise.all([b.open("b"), c.open("c")]);
    a.send({ sourceId: "a", destinationId: "c", body: "early" });
    await a.open("a");
    b.send({ sourceId: "b", destinationId: "a", body: "from-b" });
    c.send({ sourceId: "c", destinationId: "a", body: "from-c" });
    await settle();
    expect(aLog.messages.map((m) => m.body).sort()).toEqual(["from-b", "from-c"]);
    await a.close();
    await a.close();
    a.send({ sourceId: "a", destinationId: "c", body: "late" });
    await settle();
    expect(cLog.messages).toEqual([]);
    expect(localHub.members()).toEqual(["b"]);
    expect(remoteHub.members()).toEqual(["c"]);
  });
});

describe("sameBrowserFirstTransport: membership", () => {
  it("reports the union of both rooms, peer-joined once, and peer-left only when a peer is gone from both", async () => {
    const { localHub, remoteHub } = rooms();
    const a = sameBrowserFirstTransport({ local: localHub.transport(), remote: remoteHub.transport() });
    const aLog = record(a);
    const c = remoteHub.transport();
    record(c);
    await c.open("c");
    expect(await a.open("a")).toEqual(["c"]);

    const bLocal = localHub.transport();
    const bRemote = remoteHub.transport();
    record(bLocal);
    record(bRemote);
    await bLocal.open("b");
    await bRemote.open("b");
    expect(aLog.joined).toEqual(["b"]);
    expect([...a.members()].sort()).toEqual(["b", "c"]);

    await bLocal.close();
    expect(aLog.left).toEqual([]);
    expect([...a.members()].sort()).toEqual(["b", "c"]);
    // b is now only reachable over remote: directed traffic switches sides.
    const bRemoteLog = { messages: [] as Msg[] };
    bRemote.on("message", (m) => bRemoteLog.messages.push(m));
    a.send({ sourceId: "a", destinationId: "b", body: "switched" });
    await settle();
    expect(bRemoteLog.messages.map((m) => m.body)).toEqual(["switched"]);

    await bRemote.close();
    expect(aLog.left).toEqual(["b"]);
    await c.close();
    expect(aLog.left).toEqual(["b", "c"]);
    expect([...a.members()]).toEqual([]);
    expect(aLog.joined).toEqual(["b"]);
  });

  it("closes the other transport and rejects when one side fails to open", async () => {
    const { localHub, remoteHub } = rooms();
    const taken = remoteHub.transport();
    record(taken);
    await taken.open("a");
    const a = sameBrowserFirstTransport({ local: localHub.transport(), remote: remoteHub.transport() });
    record(a);
    await expect(a.open("a")).rejects.toThrow(/already in the room/);
    expect(localHub.members()).toEqual([]);
    await expect(a.open("a")).rejects.toMatchObject({ code: "InvalidArgument" });
  });
});

const timings = { heartbeatInMs: 10, followerMaxIdleInMs: 100, electionTimeoutInMs: 500, requestTimeoutInMs: 2000 };

describe("sameBrowserFirstTransport: a Hamok cluster", () => {
  it("two peers share a BroadcastChannel, a third is only remote: one leader, a replicated write", async () => {
    const room = freshRoom();
    const remoteHub = new MemoryHub<HamokMessage>();
    const remoteRoutes: { from: string; to: string | undefined }[] = [];
    const route = remoteHub.route.bind(remoteHub);
    vi.spyOn(remoteHub, "route").mockImplementation((from, message) => {
      remoteRoutes.push({ from, to: message.destinationId });
      route(from, message);
    });
    const peers = ["p1", "p2", "p3"].map((peerId, i) => new Hamok({ ...timings, peerId, seed: i + 1 }));
    cleanups.push(() => Promise.all(peers.map((peer) => peer.close())).then(() => undefined));
    const transports = [
      sameBrowserFirstTransport<HamokMessage>({
        local: broadcastChannelTransport({ room, presenceMs: 100 }),
        remote: remoteHub.transport(),
      }),
      sameBrowserFirstTransport<HamokMessage>({
        local: broadcastChannelTransport({ room, presenceMs: 100 }),
        remote: remoteHub.transport(),
      }),
      remoteHub.transport(),
    ];
    await Promise.all(peers.map((peer, i) => peer.join({ transport: transports[i]! })));
    const maps = peers.map((peer) => peer.createMap<string, number>({ mapId: "m" }));
    await until(() => peers.filter((peer) => peer.leader).length === 1);
    await maps[2]!.set("k", 7);
    await until(() => maps.every((map) => map.get("k") === 7));
    expect(new Set(peers.map((peer) => peer.raft.clusterId)).size).toBe(1);
    expect(peers.every((peer) => peer.remotePeerIds.size === 2)).toBe(true);
    // p1 and p2 never used the remote room to talk to each other.
    const sameBrowser = (from: string, to: string | undefined) =>
      (from === "p1" && to === "p2") || (from === "p2" && to === "p1");
    expect(remoteRoutes.filter(({ from, to }) => sameBrowser(from, to))).toEqual([]);
    expect(remoteRoutes.some(({ from }) => from === "p3")).toBe(true);
    expect(remoteRoutes.some(({ from }) => from === "p1" || from === "p2")).toBe(true);
  });
});

describe("zero-configuration transport", () => {
  it("is not used in Node, where BroadcastChannel exists but document does not", () => {
    expect(typeof BroadcastChannel).toBe("function");
    expect(isBrowserPage()).toBe(false);
    const params = {};
    expect(withZeroConfigTransport(params, { hasMessageListener: false, persistence: { type: "memory" } })).toBe(
      params,
    );
  });

  it("is not used in a browser when the app wires messages or a transport itself", () => {
    vi.stubGlobal("document", {});
    expect(isBrowserPage()).toBe(true);
    const memory = { type: "memory" } as const;
    const params = {};
    expect(withZeroConfigTransport(params, { hasMessageListener: true, persistence: memory })).toBe(params);
    const given = { transport: new MemoryHub().transport() };
    expect(withZeroConfigTransport(given, { hasMessageListener: false, persistence: memory })).toBe(given);
    expect(withZeroConfigTransport(params, { hasMessageListener: false, persistence: memory }).transport).toBeDefined();
  });

  it(`lets two tabs calling new Hamok().join() form a cluster in room "${DEFAULT_BROWSER_ROOM}"`, async () => {
    vi.stubGlobal("document", {});
    const seen = new Set<string>();
    const observer = new BroadcastChannel(`hamok:${DEFAULT_BROWSER_ROOM}`);
    observer.onmessage = (event: MessageEvent<{ from?: string }>) => {
      if (typeof event.data.from === "string") seen.add(event.data.from);
    };
    cleanups.push(() => observer.close());
    const tabs = ["t1", "t2"].map((peerId, i) => new Hamok({ ...timings, peerId, seed: i + 1 }));
    cleanups.push(() => Promise.all(tabs.map((tab) => tab.close())).then(() => undefined));
    await Promise.all(tabs.map((tab) => tab.join()));
    const records = tabs.map((tab) => tab.createMap<string, string>({ mapId: "m" }));
    await until(() => tabs.filter((tab) => tab.leader).length === 1);
    await records[0]!.set("k", "v");
    await until(() => records.every((map) => map.get("k") === "v"));
    expect(tabs[0]!.raft.clusterId).toBe(tabs[1]!.raft.clusterId);
    expect([...seen].sort()).toEqual(["t1", "t2"]);
  });

  it("takes its room from an IndexedDB persistence", async () => {
    vi.stubGlobal("document", {});
    const room = freshRoom();
    const seen = new Set<string>();
    const observer = new BroadcastChannel(`hamok:${room}`);
    observer.onmessage = (event: MessageEvent<{ from?: string }>) => {
      if (typeof event.data.from === "string") seen.add(event.data.from);
    };
    cleanups.push(() => observer.close());
    const hamok = new Hamok({
      ...timings,
      peerId: "solo",
      persistence: { type: "indexeddb", room, indexedDB: new IDBFactory() },
    });
    cleanups.push(() => hamok.close());
    await hamok.join();
    expect(hamok.leader).toBe(true);
    await until(() => seen.has("solo"));
  });
});

describe("sameBrowserFirstTransport over real WebRTC (network namespace)", () => {
  it("two tabs talk over BroadcastChannel only, the third peer over WebRTC; the cluster commits writes", async () => {
    const result = await runInNetns("test/transport/combined-webrtc-scenario.ts", 60_000);
    expect(result.error).toBeUndefined();
    expect(result.cluster).toEqual({
      leaders: 1,
      clusters: 1,
      values: [
        [1, 3],
        [1, 3],
        [1, 3],
      ],
    });
    expect(result.routing).toEqual({ tabsOverWebRtc: 0, p3HeardBothTabs: true, tabsHeardP3: true });
  }, 70_000);
});
