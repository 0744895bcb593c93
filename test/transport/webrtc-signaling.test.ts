/**
 * The WebRTC transport's signaling side against the real signaling server on loopback. No data channel is
 * dialled here: the other room members are plain socket.io clients whose ids sort first, so the transport
 * only waits for their offers (the WebRTC paths run in a network namespace, see webrtc.test.ts).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { io, type Socket } from "socket.io-client";
import { afterEach, describe, expect, it } from "vitest";
import { createSignalingServer, type SignalingServer } from "../../signaling-server/server.js";
import { createRoomToken } from "../../signaling-server/token.js";
import type { HamokError } from "../../src/errors.js";
import {
  type WebRtcTransport,
  type WebRtcTransportOptions,
  webrtcTransport,
} from "../../src/transport/webrtc/index.js";

type Msg = { sourceId: string; destinationId?: string };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(
  options: { secret?: string; port?: number } = {},
): Promise<{ url: string; port: number; server: SignalingServer }> {
  const server = createSignalingServer({
    host: "127.0.0.1",
    port: options.port ?? 0,
    ...(options.secret ? { secret: options.secret } : {}),
  });
  const { port } = await server.listen();
  cleanups.push(() => server.close());
  return { url: `http://127.0.0.1:${port}`, port, server };
}

/**
 * These tests exercise signaling only (on loopback, where ICE finds no candidates anyway): a WebRTC whose
 * connections fail at once, as Node's absent WebRTC did before the transport began to require one up front.
 */
const NO_CONNECTIONS = {
  RTCPeerConnection: class {
    constructor() {
      throw new Error("no peer connections in the signaling tests");
    }
  },
  RTCSessionDescription: class {},
  RTCIceCandidate: class {},
};

function transport(options: WebRtcTransportOptions) {
  const t: WebRtcTransport<Msg> = webrtcTransport<Msg>({
    reconnectDelayMs: 50,
    channelWaitMs: 100,
    wrtc: NO_CONNECTIONS,
    ...options,
  });
  const log = { joined: [] as string[], left: [] as string[], errors: [] as HamokError[] };
  t.on("peer-joined", (p) => log.joined.push(p));
  t.on("peer-left", (p) => log.left.push(p));
  t.on("error", (e) => log.errors.push(e as HamokError));
  cleanups.push(() => t.close());
  return { t, log };
}

function rawPeer(url: string, room: string, peerId: string): Promise<Socket> {
  const socket = io(url, { transports: ["websocket"], auth: { room, peerId }, forceNew: true, reconnection: false });
  cleanups.push(() => {
    socket.disconnect();
  });
  return new Promise((resolve, reject) => {
    socket.once("welcome", () => resolve(socket));
    socket.once("connect_error", reject);
  });
}

async function until(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("WebRTC transport signaling", () => {
  it("open() waits at most channelWaitMs for channels to members that never dial", async () => {
    const { url } = await startServer();
    await rawPeer(url, "r", "a1");
    const { t } = transport({ url, room: "r", channelWaitMs: 600 });
    let settled = false;
    const opening = t.open("m").finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    expect(await opening).toEqual(["a1"]);
  });

  it("open() resolves with the room; later arrivals and departures are peer-joined / peer-left", async () => {
    const { url } = await startServer();
    await rawPeer(url, "r", "a1");
    const { t, log } = transport({ url, room: "r" });
    expect(await t.open("m")).toEqual(["a1"]);
    expect([...t.members()]).toEqual(["a1"]);
    const a2 = await rawPeer(url, "r", "a2");
    await until(() => log.joined.includes("a2"));
    a2.disconnect();
    await until(() => log.left.includes("a2"));
    expect([...t.members()]).toEqual(["a1"]);
  });

  it("refuses a peer id already in the room with PeerIdInUse", async () => {
    const { url } = await startServer();
    await rawPeer(url, "r", "m");
    const { t } = transport({ url, room: "r" });
    await expect(t.open("m")).rejects.toMatchObject({ code: "PeerIdInUse" });
  });

  it("needs a valid token when the server has a secret, and asks a token function on every connection", async () => {
    const secret = "server-secret";
    const { url } = await startServer({ secret });
    await expect(transport({ url, room: "r" }).t.open("m")).rejects.toMatchObject({ code: "TransportFailure" });
    let asked = 0;
    const token = () => {
      asked++;
      return createRoomToken({ secret, room: "r", ttlSeconds: 60 });
    };
    expect(await transport({ url, room: "r", token }).t.open("m")).toEqual([]);
    expect(asked).toBe(1);
  });

  it("fails open() with TransportFailure when the server does not answer in time", async () => {
    const { port, server } = await startServer();
    await server.close();
    const { t } = transport({ url: `http://127.0.0.1:${port}`, room: "r", openTimeoutMs: 300 });
    await expect(t.open("m")).rejects.toMatchObject({ code: "TransportFailure" });
  });

  it("rejects a pending open() with Closed when the transport is closed", async () => {
    const { port, server } = await startServer();
    await server.close();
    const { t } = transport({ url: `http://127.0.0.1:${port}`, room: "r" });
    const opening = t.open("m");
    await t.close();
    await expect(opening).rejects.toMatchObject({ code: "Closed" });
  });

  it("reconnects to a restarted server and keeps following the room", async () => {
    const first = await startServer();
    await rawPeer(first.url, "r", "a1");
    const { t, log } = transport({ url: first.url, room: "r" });
    await t.open("m");
    await first.server.close();
    const second = await startServer({ port: first.port });
    await rawPeer(second.url, "r", "a3");
    await until(() => log.joined.includes("a3"));
    // a1 never came back: out of the room with no channel, it is reported gone.
    await until(() => log.left.includes("a1"));
    expect([...t.members()]).toEqual(["a3"]);
  });

  it("connects on signalingPath, and fails when the server is not there", async () => {
    const http = createServer();
    const server = new Server(http, { path: "/custom-signal", transports: ["websocket"] });
    server.on("connection", (socket) => socket.emit("welcome", { peerId: "m", room: "r", peers: [] }));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    expect(await transport({ url, room: "r", signalingPath: "/custom-signal" }).t.open("m")).toEqual([]);
    const wrongPath = transport({ url, room: "r", openTimeoutMs: 500 }).t.open("m");
    await expect(wrongPath).rejects.toMatchObject({ code: "TransportFailure" });
  });

  it("drops, with PayloadTooLarge, a message that would queue more than maxQueuedBytes for a member", async () => {
    const { url } = await startServer();
    await rawPeer(url, "r", "a1");
    const { t, log } = transport({ url, room: "r", maxQueuedBytes: 64 * 1024 });
    await t.open("m");
    t.send({ sourceId: "m", destinationId: "a1", blob: new Uint8Array(32 * 1024) } as Msg);
    expect(log.errors).toEqual([]);
    t.send({ sourceId: "m", destinationId: "a1", blob: new Uint8Array(48 * 1024) } as Msg);
    expect(log.errors.map((e) => e.code)).toEqual(["PayloadTooLarge"]);
  });

  it("reports a malformed signal as an error and carries on", async () => {
    const { url } = await startServer();
    const a1 = await rawPeer(url, "r", "a1");
    const { t, log } = transport({ url, room: "r" });
    await t.open("m");
    await a1.emitWithAck("signal", { to: "m", data: { nonsense: true } });
    await until(() => log.errors.length > 0);
    expect(log.errors[0]!.code).toBe("InvalidMessage");
  });

  it("with a room secret, refuses an unencrypted signal", async () => {
    const { url } = await startServer();
    const a1 = await rawPeer(url, "r", "a1");
    const { t, log } = transport({ url, room: "r", secret: "room secret" });
    await t.open("m");
    await a1.emitWithAck("signal", { to: "m", data: { session: "s", signal: { type: "offer", sdp: "v=0" } } });
    await until(() => log.errors.length > 0);
    expect(log.errors[0]!.message).toContain("unencrypted");
  });
});
