import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { createClient } from "redis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { InboundSignal, PeerNotice } from "./protocol";
import { createSignalingServer } from "./server";
import { eventually, joinRoom, type StartedServer, startServer, TestPeer } from "./test-support";

const REDIS_SERVER = "/usr/bin/redis-server";
const ROOM_LIMIT = 10;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function startRedis(port: number): Promise<ChildProcess> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(
      `${REDIS_SERVER} is missing: install it with \`apt-get install redis-server\` (npm test runs scripts/setup.sh, which does)`,
    );
  }
  const child = spawn(
    REDIS_SERVER,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 10_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
  });
  return child;
}

async function stopRedis(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

describe("signaling server: two instances sharing rooms over Redis", () => {
  let redis: ChildProcess | undefined;
  let redisUrl: string;
  let a: StartedServer;
  let b: StartedServer;
  const peers: TestPeer[] = [];
  const join = async (server: StartedServer, room: string, peerId: string) => {
    const peer = await joinRoom(server.url, room, peerId);
    peers.push(peer);
    return peer;
  };
  const startInstance = async () => {
    const started = await startServer({ redisUrl, maxPeersPerRoom: ROOM_LIMIT });
    return started;
  };
  const seeEachOther = (servers: StartedServer[]) =>
    eventually("the instances to discover each other", async () => {
      const counts = await Promise.all(servers.map((started) => started.server.io.of("/").adapter.serverCount()));
      return counts.every((count) => count === servers.length);
    });

  beforeAll(async () => {
    const port = await freePort();
    redisUrl = `redis://127.0.0.1:${port}`;
    redis = await startRedis(port);
    a = await startInstance();
    b = await startInstance();
    await seeEachOther([a, b]);
  });
  afterEach(() => {
    for (const peer of peers.splice(0)) peer.close();
  });
  afterAll(async () => {
    await Promise.all([a?.server.close(), b?.server.close()]);
    await stopRedis(redis);
  });

  it("lists members connected to the other instance in welcome, and announces joins and leaves across instances", async () => {
    const alice = await join(a, "room1", "alice");
    const bob = await join(b, "room1", "bob");
    expect((await bob.welcome()).peers).toEqual(["alice"]);
    expect(await alice.nth<PeerNotice>("peer-joined")).toMatchObject({ peerId: "bob", session: expect.any(String) });
    const carol = await join(a, "room1", "carol");
    expect([...(await carol.welcome()).peers].sort()).toEqual(["alice", "bob"]);
    expect(await bob.nth<PeerNotice>("peer-joined", 1, (notice) => notice.peerId === "carol")).toBeDefined();
    bob.close();
    expect(await alice.nth<PeerNotice>("peer-left")).toMatchObject({ peerId: "bob", session: expect.any(String) });
    expect(await carol.nth<PeerNotice>("peer-left")).toMatchObject({ peerId: "bob", session: expect.any(String) });
  });

  it("gives every peer the same view of a room when many join and leave at once on both instances", async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `p${i}`);
    const crowd = ids.map((id, i) => new TestPeer((i % 2 === 0 ? a : b).url, { room: "crowd", peerId: id }));
    peers.push(...crowd);
    const expected = (self: string, present: string[]) => present.filter((id) => id !== self).sort();
    const converged = (present: string[]) =>
      Promise.all(
        crowd
          .filter((_, i) => present.includes(ids[i] ?? ""))
          .map((peer, i, list) =>
            peer.until(`view of ${i}/${list.length}`, () => {
              const self = (peer.all<{ peerId: string }>("welcome")[0] ?? { peerId: "" }).peerId;
              return JSON.stringify([...peer.view()].sort()) === JSON.stringify(expected(self, present));
            }),
          ),
      );
    await converged(ids);
    // Half of them leave at once while the others stay.
    const leaving = ids.filter((_, i) => i % 3 === 0);
    for (const [i, peer] of crowd.entries()) if (leaving.includes(ids[i] ?? "")) peer.close();
    await converged(ids.filter((id) => !leaving.includes(id)));
  });

  it("relays signals between instances in both directions, in order, and only within the room", async () => {
    const alice = await join(a, "room2", "alice");
    const bob = await join(b, "room2", "bob");
    const outsider = await join(b, "room2-other", "carol");
    expect(await alice.signal("bob", { type: "offer" })).toEqual({ ok: true });
    for (let i = 0; i < 10; i++) alice.socket.emit("signal", { to: "bob", data: i });
    expect(await bob.signal("alice", { type: "answer" })).toEqual({ ok: true });
    expect(await alice.nth<InboundSignal>("signal")).toEqual({ from: "bob", data: { type: "answer" } });
    await bob.nth("signal", 11);
    expect(bob.all<InboundSignal>("signal").map((signal) => signal.data)).toEqual([
      { type: "offer" },
      ...Array.from({ length: 10 }, (_, i) => i),
    ]);
    expect(await alice.signal("carol", "psst")).toMatchObject({ ok: false, code: "unknown-peer" });
    expect(await alice.signal("nobody", "psst")).toMatchObject({ ok: false, code: "unknown-peer" });
    expect(outsider.all("signal")).toEqual([]);
  });

  it("detects a duplicate peer id connected to the other instance, and enforces maxPeersPerRoom across instances", async () => {
    await join(a, "room3", "alice");
    const duplicate = new TestPeer(b.url, { room: "room3", peerId: "alice" });
    peers.push(duplicate);
    expect((await duplicate.refusal()).message).toBe("peer-id-in-use");
    for (let i = 1; i < ROOM_LIMIT; i++) await join(i % 2 === 0 ? a : b, "room3", `p${i}`);
    const extra = new TestPeer(a.url, { room: "room3", peerId: "extra" });
    peers.push(extra);
    expect((await extra.refusal()).message).toBe("room-full");
  });

  it("announces the peers of an instance that shuts down, and a restarted instance rejoins the cluster", async () => {
    const alice = await join(a, "room4", "alice");
    await join(b, "room4", "bob");
    await alice.nth("peer-joined");
    await b.server.close();
    expect(await alice.nth<PeerNotice>("peer-left")).toMatchObject({ peerId: "bob", session: expect.any(String) });
    b = await startInstance();
    await seeEachOther([a, b]);
    const bob = await join(b, "room4", "bob");
    expect((await bob.welcome()).peers).toEqual(["alice"]);
    expect(await bob.signal("alice", "back")).toEqual({ ok: true });
    expect(await alice.nth<InboundSignal>("signal")).toEqual({ from: "bob", data: "back" });
  });

  it("survives Redis dying with requests in flight and keeps relaying across instances after it restarts", async () => {
    const alice = await join(a, "room5", "alice");
    const bob = await join(b, "room5", "bob");
    await alice.nth("peer-joined");
    // Hold PUBLISH commands in Redis so that a membership query is in flight when Redis dies: the adapter drops
    // that command's promise, which must not become an unhandled rejection (Vitest fails the run on one).
    const admin = createClient({ url: redisUrl, socket: { reconnectStrategy: false } });
    admin.on("error", () => {});
    await admin.connect();
    await admin.sendCommand(["CLIENT", "PAUSE", "10000", "WRITE"]);
    admin.destroy();
    const pending = alice.signal("ghost", "in flight");
    await new Promise((resolve) => setTimeout(resolve, 100));
    await stopRedis(redis);
    redis = await startRedis(Number(new URL(redisUrl).port));
    // The query timed out; the server relayed without the check rather than blocking signaling.
    expect(await pending).toEqual({ ok: true });
    await seeEachOther([a, b]);
    expect(alice.socket.connected && bob.socket.connected).toBe(true);
    expect(await alice.signal("bob", "after restart")).toEqual({ ok: true });
    expect(await bob.nth<InboundSignal>("signal")).toEqual({ from: "alice", data: "after restart" });
    const carol = await join(b, "room5", "carol");
    expect([...(await carol.welcome()).peers].sort()).toEqual(["alice", "bob"]);
    expect(await alice.nth<PeerNotice>("peer-joined", 1, (notice) => notice.peerId === "carol")).toBeDefined();
  });

  it("refuses admissions with unavailable while an instance does not answer, rather than welcome an incomplete list", async () => {
    // A subscriber that never answers looks like an instance on a machine that vanished.
    const silent = createClient({ url: redisUrl });
    silent.on("error", () => {});
    await silent.connect();
    await silent.subscribe("hamok-signaling#/#", () => {});
    try {
      await eventually(
        "the silent subscriber to count as an instance",
        async () => (await a.server.io.of("/").adapter.serverCount()) === 3,
      );
      const refused = new TestPeer(a.url, { room: "room7", peerId: "alice" });
      peers.push(refused);
      expect(await refused.refusal()).toEqual({
        message: "unavailable",
        data: { code: "unavailable", message: expect.any(String) },
      });
    } finally {
      silent.destroy();
    }
    await seeEachOther([a, b]);
    await join(a, "room7", "alice");
  });

  it("fails to start when Redis cannot be reached", async () => {
    const server = createSignalingServer({ port: 0, redisUrl: `redis://127.0.0.1:${await freePort()}` });
    await expect(server.listen()).rejects.toThrow(/ECONNREFUSED/);
    expect(server.httpServer.listening).toBe(false);
  });

  it("shuts an instance down cleanly while Redis is unreachable", async () => {
    const c = await startInstance();
    const alice = await join(c, "room6", "alice");
    await stopRedis(redis);
    await c.server.close();
    expect(await alice.nth("disconnect")).toBe("transport close");
    expect(c.server.httpServer.listening).toBe(false);
    redis = await startRedis(Number(new URL(redisUrl).port));
  });
});
