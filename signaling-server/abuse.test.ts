import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { InboundSignal, RefusedMessage } from "./protocol";
import { joinRoom, type StartedServer, startServer, type TestPeer } from "./test-support";

describe("signaling server: bad input and floods", () => {
  let started: StartedServer;
  const peers: TestPeer[] = [];
  const join = async (room: string, peerId: string, url = started.url) => {
    const peer = await joinRoom(url, room, peerId);
    peers.push(peer);
    return peer;
  };

  beforeAll(async () => {
    started = await startServer({ maxSignalBytes: 1024 });
  });
  afterEach(() => {
    for (const peer of peers.splice(0)) peer.close();
  });
  afterAll(async () => {
    await started.server.close();
  });

  it("refuses a signal whose data exceeds maxSignalBytes, and relays one just below it", async () => {
    const alice = await join("big", "alice");
    const bob = await join("big", "bob");
    expect(await alice.signal("bob", "x".repeat(1100))).toMatchObject({ ok: false, code: "payload-too-large" });
    expect(await alice.signal("bob", { blob: new Uint8Array(2000) })).toMatchObject({ code: "payload-too-large" });
    expect(await alice.signal("bob", "y".repeat(1000))).toEqual({ ok: true });
    expect(await bob.nth<InboundSignal>("signal")).toEqual({ from: "alice", data: "y".repeat(1000) });
    expect(bob.all("signal")).toHaveLength(1);
  });

  it("closes the connection of a frame far above the limit, without disturbing the room", async () => {
    const alice = await join("huge", "alice");
    const mallory = await join("huge", "mallory");
    mallory.socket.emit("signal", { to: "alice", data: "z".repeat(64 * 1024) });
    expect(await mallory.nth("disconnect")).toBe("transport close");
    expect(await alice.nth("peer-left")).toMatchObject({ peerId: "mallory", session: expect.any(String) });
    expect(alice.all("signal")).toEqual([]);
    expect(alice.socket.connected).toBe(true);
  });

  it("answers malformed signals with invalid-payload through the ack", async () => {
    const alice = await join("bad", "alice");
    const bob = await join("bad", "bob");
    const ask = (...args: unknown[]) => alice.socket.timeout(5_000).emitWithAck("signal", ...args);
    const malformed: unknown[][] = [
      [],
      ["bob"],
      [42],
      [null],
      [["bob", "data"]],
      [{ to: "bob" }],
      [{ data: 1 }],
      [{ to: 7, data: 1 }],
      [{ to: "b o b", data: 1 }],
      [{ to: "x".repeat(200), data: 1 }],
      [{ to: "bob", data: 1 }, "extra"],
      [{ to: "alice", data: 1 }],
    ];
    for (const args of malformed) {
      expect(await ask(...args), JSON.stringify(args)).toEqual({
        ok: false,
        code: "invalid-payload",
        message: expect.any(String),
      });
    }
    let deep: unknown = "leaf";
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(await ask({ to: "bob", data: deep })).toMatchObject({ code: "invalid-payload" });
    expect(bob.all("signal")).toEqual([]);
    expect(await alice.signal("bob", "still works")).toEqual({ ok: true });
  });

  it("refuses unknown events: through the ack when there is one, otherwise with a refused event", async () => {
    const alice = await join("unknown", "alice");
    expect(await alice.socket.timeout(5_000).emitWithAck("join", { room: "elsewhere" })).toMatchObject({
      ok: false,
      code: "unknown-event",
    });
    alice.socket.emit("peer-joined", { peerId: "ghost" });
    expect(await alice.nth<RefusedMessage>("refused")).toEqual({ code: "unknown-event", message: expect.any(String) });
    alice.socket.emit("signal", { to: 1 });
    expect(await alice.nth<RefusedMessage>("refused", 2)).toMatchObject({ code: "invalid-payload" });
    alice.socket.emit("signal", { to: "nobody", data: 1 });
    expect(await alice.nth<RefusedMessage>("refused", 3)).toMatchObject({ code: "unknown-peer" });
    expect(alice.socket.connected).toBe(true);
  });

  it("rate-limits a flooding socket, then disconnects it, while the rest of the room keeps working", async () => {
    const limited = await startServer({ signalsPerSecond: 5, signalBurst: 10 });
    try {
      const flooder = await join("flood", "flooder", limited.url);
      const victim = await join("flood", "victim", limited.url);
      const bystander = await join("flood", "bystander", limited.url);
      const acks: Array<{ ok: boolean; code?: string }> = [];
      const started = Date.now();
      for (let i = 0; i < 200; i++) {
        flooder.socket.emit("signal", { to: "victim", data: i }, (ack: { ok: boolean; code?: string }) =>
          acks.push(ack),
        );
      }
      await flooder.nth("disconnect");
      // The burst of 10 passes, plus what the bucket refilled at 5/s while the flood lasted; nothing more.
      const allowance = 10 + Math.ceil(((Date.now() - started) / 1000) * 5);
      expect(flooder.all("disconnect")).toEqual(["io server disconnect"]);
      expect(acks.filter((ack) => ack.code === "rate-limited").length).toBeGreaterThan(0);
      expect(acks.filter((ack) => ack.ok).length).toBeLessThanOrEqual(allowance);
      expect(flooder.all<RefusedMessage>("refused").at(-1)).toMatchObject({ code: "rate-limited" });
      expect(
        await victim.nth("peer-left", 1, (notice: { peerId: string }) => notice.peerId === "flooder"),
      ).toMatchObject({
        peerId: "flooder",
        session: expect.any(String),
      });
      expect(victim.all("signal").length).toBeLessThanOrEqual(allowance);
      expect(await bystander.signal("victim", "hello")).toEqual({ ok: true });
      expect(await victim.nth<InboundSignal>("signal", 1, (signal) => signal.from === "bystander")).toEqual({
        from: "bystander",
        data: "hello",
      });
    } finally {
      await limited.server.close();
    }
  });

  it("survives garbage frames: the sender's connection closes, others are unaffected", async () => {
    const alice = await join("raw", "alice");
    // socket.io packets (inside an engine.io message): truncated JSON, unknown packet type, a reserved event name,
    // a non-array event, a NUL byte, a client-sent CONNECT_ERROR.
    const frames = ["2[", "9", '2["disconnect"]', '2{"a":1}', "\u0000", '4{"message":"x"}'];
    for (const frame of frames) {
      const mallory = await join("raw", `mallory`);
      mallory.socket.io.engine.write(frame);
      await mallory.nth("disconnect");
      mallory.close();
      await alice.nth("peer-left", frames.indexOf(frame) + 1);
    }
    expect(await alice.signal("nobody", 1)).toMatchObject({ code: "unknown-peer" });
    expect(alice.socket.connected).toBe(true);
  });
});
