/**
 * WebRTC scenario, run inside a private network namespace by `webrtc.test.ts`:
 *   scripts/netns.sh node --import tsx test/transport/webrtc-scenario.ts
 * It starts the real signaling server on the namespace's veth address, runs Node peers with @roamhq/wrtc,
 * and prints one line `RESULT <json>` with what each step observed; the Vitest file asserts on it.
 * Each step reports `{ error }` instead of its observations when it fails, so one failure does not hide others.
 */
import wrtc from "@roamhq/wrtc";
import { createSignalingServer, type SignalingServer } from "../../signaling-server/server.js";
import type { HamokError } from "../../src/errors.js";
import { Hamok } from "../../src/hamok.js";
import { chunkFrame, FRAME_VERSION, wholeFrame } from "../../src/messages/frame.js";
import type { HamokMessage } from "../../src/messages/hamok-message.js";
import { encodeValue } from "../../src/messages/value-codec.js";
import {
  type WebRtcTransport,
  type WebRtcTransportOptions,
  webrtcTransport,
} from "../../src/transport/webrtc/index.js";
import { runScenario, step, waitFor } from "./scenario-kit.js";
import { connectRogue } from "./webrtc-rogue.js";

type Msg = { sourceId: string; destinationId?: string; body: unknown };

const HOST = "10.77.0.1";

/** A transport with everything it emitted recorded. */
interface Peer {
  readonly id: string;
  readonly transport: WebRtcTransport<Msg>;
  readonly initial: readonly string[];
  readonly received: Msg[];
  readonly errors: HamokError[];
  readonly left: string[];
}

let url = "";

async function startPeer(id: string, room: string, extra: Partial<WebRtcTransportOptions> = {}): Promise<Peer> {
  const transport = webrtcTransport<Msg>({ url, room, wrtc, reconnectDelayMs: 100, ...extra });
  const received: Msg[] = [];
  const errors: HamokError[] = [];
  const left: string[] = [];
  transport.on("message", (m) => received.push(m));
  transport.on("error", (e) => errors.push(e as HamokError));
  transport.on("peer-left", (p) => left.push(p));
  const initial = await transport.open(id);
  return { id, transport, initial, received, errors, left };
}

function members(peer: Peer): string[] {
  return [...peer.transport.members()].sort();
}

/** The ICE servers the RTCPeerConnection to `remoteId` was created with (read through simple-peer's internals). */
function iceServersOf(peer: Peer, remoteId: string): unknown {
  type Internals = { links: Map<string, { peer: { _pc: RTCPeerConnection } }> };
  const link = (peer.transport as unknown as Internals).links.get(remoteId);
  return link?.peer._pc.getConfiguration().iceServers?.map((server) => server.urls);
}

function bodies(peer: Peer): unknown[] {
  return peer.received.map((m) => m.body);
}

async function startServer(port = 0): Promise<{ server: SignalingServer; port: number }> {
  const server = createSignalingServer({ host: HOST, port });
  const bound = await server.listen();
  return { server, port: bound.port };
}

async function main(): Promise<Record<string, unknown>> {
  let { server, port } = await startServer();
  url = `http://${HOST}:${port}`;
  const result: Record<string, unknown> = {};

  const [a, b, c] = ["p1", "p2", "p3"];
  let p1!: Peer;
  let p2!: Peer;
  let p3!: Peer;
  result.mesh = await step("mesh", async () => {
    // Above the 1 MiB default cap: the "big" step sends 5 MiB, so the mesh raises it everywhere.
    const maxMessageBytes = 8 * 1024 * 1024;
    p1 = await startPeer(a!, "mesh", { maxMessageBytes });
    p2 = await startPeer(b!, "mesh", { maxMessageBytes });
    p3 = await startPeer(c!, "mesh", { maxMessageBytes, iceServers: [{ urls: "stun:10.77.0.2:3478" }] });
    await waitFor("a full mesh", () => [p1, p2, p3].every((p) => p.transport.members().size === 2));
    p1.transport.send({ sourceId: a!, body: "broadcast from p1" });
    p2.transport.send({ sourceId: b!, destinationId: c!, body: "p2 to p3" });
    await waitFor("messages", () => p2.received.length === 1 && p3.received.length === 2);
    await new Promise((r) => setTimeout(r, 100));
    return {
      iceServers: [iceServersOf(p1, b!), iceServersOf(p3, a!)],
      initial: [p1.initial, p2.initial, p3.initial].map((l) => [...l].sort()),
      members: [members(p1), members(p2), members(p3)],
      received: [bodies(p1), bodies(p2), bodies(p3)],
    };
  });

  result.big = await step("big", async () => {
    const blob = new Uint8Array(5 * 1024 * 1024);
    for (let i = 0; i < blob.length; i++) blob[i] = (i * 31) & 0xff;
    const before = p2.received.length;
    const started = Date.now();
    p1.transport.send({ sourceId: a!, destinationId: b!, body: blob });
    p1.transport.send({ sourceId: a!, destinationId: b!, body: "after the big one" });
    await waitFor("the 5 MiB message", () => p2.received.length === before + 2, 30_000);
    const got = p2.received[before]!.body as Uint8Array;
    console.error(`5 MiB message took ${Date.now() - started} ms`);
    let same = got.length === blob.length;
    for (let i = 0; same && i < blob.length; i++) same = got[i] === blob[i];
    return { length: got.length, identical: same, next: p2.received[before + 1]!.body };
  });

  result.channelRedial = await step("channelRedial", async () => {
    // Drop the p1-p2 channel from the answering side (p2): p2 asks p1 to re-dial; the link comes back.
    const links = (p2.transport as unknown as { links: Map<string, { destroy(): void; session: string }> }).links;
    const oldSession = links.get(a!)!.session;
    links.get(a!)!.destroy();
    await waitFor("a new p1-p2 channel", () => {
      const link = (links.get(a!) as unknown as { isOpen?: boolean; session: string }) ?? undefined;
      return link !== undefined && link.session !== oldSession && link.isOpen === true;
    });
    const before = p2.received.length;
    p1.transport.send({ sourceId: a!, destinationId: b!, body: "after redial" });
    await waitFor("a message over the new channel", () => p2.received.length === before + 1);
    return { body: p2.received[before]!.body, leftDuringRedial: p1.left.includes(b!) || p2.left.includes(a!) };
  });

  result.hostile = await step("hostile", async () => {
    const victim = await startPeer("v1", "hostile", { maxMessageBytes: 128 * 1024 });
    const rogue = await connectRogue(url, "hostile", "a-rogue", "v1", wrtc);
    await waitFor("the victim to see the rogue", () => victim.transport.members().has("a-rogue"));
    const good = encodeValue({ sourceId: "a-rogue", body: "legit" });
    rogue.sendRaw(new Uint8Array([1, 2, 3, 4, 5, 6, 7]));
    rogue.sendRaw(new Uint8Array([]));
    rogue.sendRaw(new Uint8Array([99, 0, 1]));
    rogue.sendRaw(wholeFrame(good).subarray(0, 6));
    rogue.sendRaw(wholeFrame(new Uint8Array(200 * 1024)));
    rogue.sendRaw(chunkFrame(7, 0, 100_000, 2 ** 40, new Uint8Array(1000)));
    rogue.sendRaw(chunkFrame(8, 3, 4, 4000, new Uint8Array(1000)));
    rogue.sendRaw(new Uint8Array([FRAME_VERSION, 1, 0xff, 0xff]));
    rogue.sendRaw("a string, not bytes");
    rogue.sendRaw(wholeFrame(encodeValue({ sourceId: "p-other", body: "spoofed" })));
    rogue.sendRaw(wholeFrame(encodeValue({ sourceId: "a-rogue", destinationId: "v2", body: "misrouted" })));
    rogue.sendRaw(wholeFrame(encodeValue({ body: "no source" })));
    rogue.sendRaw(wholeFrame(good));
    await waitFor("the legit message", () => victim.received.length > 0);
    victim.transport.send({ sourceId: "v1", destinationId: "a-rogue", body: "still alive" });
    await waitFor("the victim's answer", () => rogue.received.length > 0);
    // Out of the room with a channel that no longer answers (a hung or killed peer): the ping fails, it leaves.
    rogue.leaveSignaling();
    await waitFor("the silent rogue reported left", () => victim.left.includes("a-rogue"), 5_000);
    rogue.close();
    await victim.transport.close();
    return {
      received: bodies(victim),
      errorCodes: victim.errors.map((e) => e.code),
      errorCount: victim.errors.length,
      answer: rogue.received,
      silentPeerLeft: victim.left,
    };
  });

  result.vanish = await step("vanish", async () => {
    // A peer that vanishes (a closed tab): its channel is already closing when signaling says it left. Chromium
    // can sit in `closing` for seconds before simple-peer reports the close (crbug 882743), so the channel is
    // put into `closing` here by hand and the room leave is handed to the transport in the same turn, exactly
    // as its signaling client would: the peer must be reported left at once, not after a 2 s ping probe.
    const victim = await startPeer("v2", "vanish");
    const gone = await startPeer("x1", "vanish");
    await waitFor("the channel v2-x1", () => victim.transport.members().has("x1"));
    type Internals = {
      links: Map<string, { isOpen: boolean; peer: { _channel: RTCDataChannel } }>;
      onRoomLeave(peerId: string): void;
    };
    const internals = victim.transport as unknown as Internals;
    await waitFor("an open link", () => internals.links.get("x1")?.isOpen === true);
    internals.links.get("x1")!.peer._channel.close();
    internals.onRoomLeave("x1");
    const leftAtOnce = [...victim.left];
    await gone.transport.close();
    await victim.transport.close();
    return { leftAtOnce };
  });

  result.reincarnation = await step("reincarnation", async () => {
    // A peer that crashed and came back under the same id (issue 10: a stand-in for a crashed tab, run by
    // another tab) while the old channel still looks open: the old incarnation goes deaf (it answers no ping)
    // and leaves signaling, the new one enters the room. The victim dials ("r1" < "r9"), so the new incarnation
    // waits for the victim; the victim must give the silent channel up after its probe and dial the newcomer,
    // not wait for ICE to notice the dead connection.
    const victim = await startPeer("r1", "reincarnation");
    const old = await startPeer("r9", "reincarnation");
    type Internals = {
      links: Map<string, { session: string; isOpen: boolean; peer: { removeAllListeners(event: string): void } }>;
      roomPeers: Set<string>;
      signaling: { close(): void };
    };
    const victimInternals = victim.transport as unknown as Internals;
    const oldInternals = old.transport as unknown as Internals;
    await waitFor("an open link r1-r9", () => victimInternals.links.get("r9")?.isOpen === true);
    await waitFor("an open link r9-r1", () => oldInternals.links.get("r1")?.isOpen === true);
    const oldSession = victimInternals.links.get("r9")!.session;
    oldInternals.links.get("r1")!.peer.removeAllListeners("data");
    oldInternals.signaling.close();
    await waitFor("r9 out of the victim's room", () => !victimInternals.roomPeers.has("r9"));
    const reborn = await startPeer("r9", "reincarnation");
    reborn.transport.send({ sourceId: "r9", destinationId: "r1", body: "reborn" });
    await waitFor("the reborn peer's message", () => victim.received.some((m) => m.body === "reborn"), 8_000);
    const newSession = victimInternals.links.get("r9")?.session;
    await reborn.transport.close();
    await old.transport.close();
    await victim.transport.close();
    return { replaced: newSession !== undefined && newSession !== oldSession, left: victim.left };
  });

  result.secret = await step("secret", async () => {
    const s1 = await startPeer("s1", "secret", { secret: "correct horse" });
    const s2 = await startPeer("s2", "secret", { secret: "correct horse" });
    const s0 = await startPeer("s0", "secret", { secret: "wrong secret" });
    s1.transport.send({ sourceId: "s1", body: "for secret holders" });
    s0.transport.send({ sourceId: "s0", body: "from the stranger" });
    await waitFor("s2 to hear s1", () => s2.received.length > 0);
    await waitFor("s1 to refuse s0's offer", () => s1.errors.length > 0 && s2.errors.length > 0);
    await new Promise((r) => setTimeout(r, 500));
    const out = {
      s1: bodies(s1),
      s2: bodies(s2),
      s0: bodies(s0),
      s1Errors: [...new Set(s1.errors.map((e) => e.code))],
    };
    await Promise.all([s1, s2, s0].map((p) => p.transport.close()));
    return out;
  });

  result.restart = await step("restart", async () => {
    await server.close();
    p1.transport.send({ sourceId: a!, destinationId: b!, body: "while the server is down" });
    const before = p2.received.length;
    await waitFor("a message without signaling", () => p2.received.length === before + 1);
    const duringDowntime = p2.received[before]!.body;
    ({ server } = await startServer(port));
    const p4 = await startPeer("p4", "mesh");
    await waitFor(
      "p4 in the mesh",
      () => p4.transport.members().size === 3 && p1.transport.members().has("p4"),
      15_000,
    );
    p4.transport.send({ sourceId: "p4", body: "hello from p4" });
    await waitFor("p4's broadcast", () => [p1, p2, p3].every((p) => bodies(p).includes("hello from p4")));
    const out = { duringDowntime, p4: members(p4), p1: members(p1), leftDuringRestart: [...p1.left, ...p2.left] };
    await p4.transport.close();
    await waitFor("p4 reported left", () => p1.left.includes("p4"));
    return out;
  });

  result.leave = await step("leave", async () => {
    await p3.transport.close();
    await waitFor("p3 reported left", () => p1.left.includes(c!) && p2.left.includes(c!));
    return { p1: members(p1), p2: members(p2), p1Left: p1.left, p2Left: p2.left };
  });

  result.hamok = await step("hamok", async () => {
    // Three Hamok peers over this transport: they elect one leader and replicate a map write.
    const timings = {
      heartbeatInMs: 20,
      followerMaxIdleInMs: 300,
      electionTimeoutInMs: 1000,
      requestTimeoutInMs: 5000,
    };
    const peers = ["h1", "h2", "h3"].map((peerId, i) => new Hamok({ ...timings, peerId, seed: i + 1 }));
    const transport = () => webrtcTransport<HamokMessage>({ url, room: "hamok", wrtc, reconnectDelayMs: 100 });
    await Promise.all(peers.map((peer) => peer.join({ transport: transport() })));
    const maps = peers.map((peer) => peer.createMap<string, number>({ mapId: "m" }));
    await waitFor("one leader", () => peers.filter((peer) => peer.leader).length === 1);
    const follower = peers.findIndex((peer) => !peer.leader);
    await maps[follower]!.set("answer", 42);
    await waitFor("the write on every peer", () => maps.every((map) => map.get("answer") === 42));
    const out = { leaders: peers.filter((peer) => peer.leader).length, values: maps.map((map) => map.get("answer")) };
    await Promise.all(peers.map((peer) => peer.close()));
    return out;
  });

  await Promise.all([p1, p2].map((p) => p.transport.close()));
  await server.close();
  return result;
}

runScenario(main);
