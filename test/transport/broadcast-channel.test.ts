import { afterEach, describe, expect, it } from "vitest";
import type { HamokError } from "../../src/errors.js";
import { Hamok } from "../../src/hamok.js";
import type { HamokMessage } from "../../src/messages/hamok-message.js";
import {
  type BroadcastChannelTransport,
  broadcastChannelTransport,
  type LockManagerLike,
} from "../../src/transport/broadcast-channel.js";

type Msg = { sourceId: string; destinationId?: string; body: string };

const open: BroadcastChannelTransport<Msg>[] = [];
const rawChannels: BroadcastChannel[] = [];
let roomCounter = 0;

function freshRoom(): string {
  return `room-${process.pid}-${roomCounter++}`;
}

function make(room: string, extra: { locks?: LockManagerLike; peerTimeoutMs?: number } = {}) {
  const transport = broadcastChannelTransport<Msg>({ room, presenceMs: 100, heartbeatMs: 20, ...extra });
  open.push(transport);
  const log = { messages: [] as Msg[], joined: [] as string[], left: [] as string[], errors: [] as HamokError[] };
  transport.on("message", (m) => log.messages.push(m));
  transport.on("peer-joined", (p) => log.joined.push(p));
  transport.on("peer-left", (p) => log.left.push(p));
  transport.on("error", (e) => log.errors.push(e as HamokError));
  return { transport, log };
}

function raw(room: string): BroadcastChannel {
  const channel = new BroadcastChannel(`hamok:${room}`);
  rawChannels.push(channel);
  return channel;
}

async function until(predicate: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A mutex with the shape of `navigator.locks` (Node 20 has no Web Locks). */
function fakeLocks(): LockManagerLike & { granted: string[] } {
  let tail: Promise<unknown> = Promise.resolve();
  const granted: string[] = [];
  return {
    granted,
    request<T>(name: string, callback: () => Promise<T>): Promise<T> {
      const run = tail.then(() => {
        granted.push(name);
        return callback();
      });
      tail = run.catch(() => undefined);
      return run;
    },
  };
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
  for (const channel of rawChannels.splice(0)) channel.close();
});

describe("BroadcastChannel transport", () => {
  it("open() resolves with the instances already in the room, which report the newcomer", async () => {
    const room = freshRoom();
    const a = make(room);
    const b = make(room);
    const c = make(room);
    expect(await a.transport.open("a")).toEqual([]);
    expect(await b.transport.open("b")).toEqual(["a"]);
    expect([...(await c.transport.open("c"))].sort()).toEqual(["a", "b"]);
    await until(() => a.log.joined.length === 2 && b.log.joined.length === 1);
    expect(a.log.joined.sort()).toEqual(["b", "c"]);
    expect([...a.transport.members()].sort()).toEqual(["b", "c"]);
    expect(c.log.joined).toEqual([]);
  });

  it("broadcasts to every other instance and delivers a directed message only to its destination", async () => {
    const room = freshRoom();
    const [a, b, c] = [make(room), make(room), make(room)];
    await a.transport.open("a");
    await b.transport.open("b");
    await c.transport.open("c");
    a.transport.send({ sourceId: "a", body: "to all" });
    b.transport.send({ sourceId: "b", destinationId: "c", body: "to c" });
    await until(() => c.log.messages.length === 2 && b.log.messages.length === 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(a.log.messages).toEqual([]);
    expect(b.log.messages.map((m) => m.body)).toEqual(["to all"]);
    expect(c.log.messages.map((m) => m.body)).toEqual(["to all", "to c"]);
  });

  it("posts the messages sent in one turn as one post, delivered in order to their destinations", async () => {
    const room = freshRoom();
    const [a, b, c] = [make(room), make(room), make(room)];
    await a.transport.open("a");
    await b.transport.open("b");
    await c.transport.open("c");
    const listener = raw(room);
    const posts: unknown[] = [];
    listener.addEventListener("message", (event) => {
      const data = (event as MessageEvent).data as { t: string; from: string };
      if (data.from === "a" && (data.t === "msg" || data.t === "msgs")) posts.push(data);
    });
    a.transport.send({ sourceId: "a", body: "1 to all" });
    a.transport.send({ sourceId: "a", destinationId: "b", body: "2 to b" });
    a.transport.send({ sourceId: "a", destinationId: "c", body: "3 to c" });
    a.transport.send({ sourceId: "a", body: "4 to all" });
    await until(() => b.log.messages.length === 3 && c.log.messages.length === 3);
    expect(b.log.messages.map((m) => m.body)).toEqual(["1 to all", "2 to b", "4 to all"]);
    expect(c.log.messages.map((m) => m.body)).toEqual(["1 to all", "3 to c", "4 to all"]);
    expect(posts).toHaveLength(1);
    expect((posts[0] as { t: string; m: unknown[] }).t).toBe("msgs");
    expect((posts[0] as { t: string; m: unknown[] }).m).toHaveLength(4);
    await until(() => posts.length === 1);
    a.transport.send({ sourceId: "a", body: "5 alone" });
    await until(() => b.log.messages.length === 4);
    expect((posts[1] as { t: string }).t).toBe("msg");
  });

  it("a message of a turn that cannot be cloned is lost alone, with an error; the others go out in order", async () => {
    const room = freshRoom();
    const [a, b] = [make(room), make(room)];
    await a.transport.open("a");
    await b.transport.open("b");
    a.transport.send({ sourceId: "a", body: "first" });
    a.transport.send({ sourceId: "a", body: (() => "not cloneable") as unknown as string });
    a.transport.send({ sourceId: "a", body: "third" });
    await until(() => b.log.messages.length === 2);
    expect(b.log.messages.map((m) => m.body)).toEqual(["first", "third"]);
    expect(a.log.errors.map((e) => e.code)).toEqual(["InvalidArgument"]);
  });

  it("messages sent just before close() go out ahead of the bye", async () => {
    const room = freshRoom();
    const [a, b] = [make(room), make(room)];
    await a.transport.open("a");
    await b.transport.open("b");
    a.transport.send({ sourceId: "a", body: "last words" });
    await a.transport.close();
    await until(() => b.log.left.includes("a"));
    expect(b.log.messages.map((m) => m.body)).toEqual(["last words"]);
  });

  it("reports peer-left when an instance closes (bye) and when one falls silent (heartbeat timeout)", async () => {
    const room = freshRoom();
    const a = make(room, { peerTimeoutMs: 150 });
    const b = make(room);
    await a.transport.open("a");
    await b.transport.open("b");
    await b.transport.close();
    await until(() => a.log.left.includes("b"));
    const ghost = raw(room);
    ghost.postMessage({ t: "hello", from: "ghost" });
    await until(() => a.log.joined.includes("ghost"));
    await until(() => a.log.left.includes("ghost"));
    expect(a.transport.members().size).toBe(0);
  });

  it("drops a message whose sourceId is not its sender, and malformed envelopes, with an error", async () => {
    const room = freshRoom();
    const a = make(room);
    await a.transport.open("a");
    const intruder = raw(room);
    intruder.postMessage({ t: "msg", from: "x", m: { sourceId: "someone-else", body: "spoofed" } });
    intruder.postMessage({ nonsense: true });
    intruder.postMessage({ t: "msg", from: "x", m: { sourceId: "x", body: "genuine" } });
    await until(() => a.log.messages.length === 1);
    expect(a.log.messages.map((m) => m.body)).toEqual(["genuine"]);
    expect(a.log.errors.map((e) => e.code)).toEqual(["InvalidMessage", "InvalidMessage"]);
  });

  it("refuses a second instance with the same peer id", async () => {
    const room = freshRoom();
    await make(room).transport.open("same");
    await expect(make(room).transport.open("same")).rejects.toMatchObject({ code: "PeerIdInUse" });
  });

  it("serialises simultaneous opens with a lock: exactly one instance finds the room empty", async () => {
    const room = freshRoom();
    const locks = fakeLocks();
    const [a, b] = [make(room, { locks }), make(room, { locks })];
    const [ra, rb] = await Promise.all([a.transport.open("a"), b.transport.open("b")]);
    expect(ra).toEqual([]);
    expect(rb).toEqual(["a"]);
    expect(locks.granted).toEqual([`hamok:${room}:presence`, `hamok:${room}:presence`]);
  });

  it("without a lock, simultaneous opens see each other", async () => {
    const room = freshRoom();
    const [a, b] = [make(room), make(room)];
    const [ra, rb] = await Promise.all([a.transport.open("a"), b.transport.open("b")]);
    expect([ra, rb]).toEqual([["b"], ["a"]]);
  });

  it("carries a Hamok cluster: three peers elect one leader and replicate a map write", async () => {
    const room = freshRoom();
    const timings = { heartbeatInMs: 10, followerMaxIdleInMs: 100, electionTimeoutInMs: 500, requestTimeoutInMs: 2000 };
    const peers = ["b1", "b2", "b3"].map((peerId, i) => new Hamok({ ...timings, peerId, seed: i + 1 }));
    try {
      await Promise.all(
        peers.map((peer) =>
          peer.join({ transport: broadcastChannelTransport<HamokMessage>({ room, presenceMs: 100 }) }),
        ),
      );
      const maps = peers.map((peer) => peer.createMap<string, number>({ mapId: "m" }));
      await until(() => peers.filter((peer) => peer.leader).length === 1);
      await maps[peers.findIndex((peer) => !peer.leader)]!.set("k", 7);
      await until(() => maps.every((map) => map.get("k") === 7));
      expect(new Set(peers.map((peer) => peer.raft.clusterId)).size).toBe(1);
    } finally {
      await Promise.all(peers.map((peer) => peer.close()));
    }
  });
});
