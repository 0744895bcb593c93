/**
 * Hamok clusters over the WebRTC transport, run inside a private network namespace by `webrtc-hamok.test.ts`:
 *   scripts/netns.sh node --import tsx test/transport/webrtc-hamok-scenario.ts
 * Real signaling server, real data channels (@roamhq/wrtc). Prints one line `RESULT <json>`; a failed step
 * reports `{ error }` and the steps after it still run where they can.
 */
import wrtc from "@roamhq/wrtc";
import { createSignalingServer, type SignalingServer } from "../../signaling-server/server.js";
import { createBytesCodec } from "../../src/collections/codec.js";
import type { HamokMap } from "../../src/collections/hamok-map.js";
import { Hamok } from "../../src/hamok.js";
import type { HamokMessage } from "../../src/messages/hamok-message.js";
import { webrtcTransport } from "../../src/transport/webrtc/index.js";
import { runScenario, step, waitFor } from "./scenario-kit.js";

const HOST = "10.77.0.1";
const TIMINGS = {
  heartbeatInMs: 20,
  followerMaxIdleInMs: 300,
  electionTimeoutInMs: 1500,
  requestTimeoutInMs: 8000,
  maxMessageBytes: 4 * 1024 * 1024,
};

let url = "";
let seed = 1;

interface Member {
  readonly hamok: Hamok;
  readonly map: HamokMap<string, unknown>;
  readonly blobs: HamokMap<string, Uint8Array>;
}

async function startServer(port = 0): Promise<{ server: SignalingServer; port: number }> {
  const server = createSignalingServer({ host: HOST, port });
  const bound = await server.listen();
  return { server, port: bound.port };
}

async function join(peerId: string, extra: { snapshotThresholdEntries?: number } = {}): Promise<Member> {
  const hamok = new Hamok({ ...TIMINGS, ...extra, peerId, seed: seed++ });
  const map = hamok.createMap<string, unknown>({ mapId: "m" });
  const blobs = hamok.createMap<string, Uint8Array>({ mapId: "blobs", valueCodec: createBytesCodec() });
  // The transport's cap follows Hamok's (both default to 1 MiB; this cluster raises both).
  const transport = webrtcTransport<HamokMessage>({
    url,
    room: "cluster",
    wrtc,
    reconnectDelayMs: 100,
    maxMessageBytes: TIMINGS.maxMessageBytes,
  });
  await hamok.join({ transport });
  return { hamok, map, blobs };
}

function leaders(members: readonly Member[]): string[] {
  return members.filter((m) => m.hamok.leader).map((m) => m.hamok.localPeerId);
}

async function main(): Promise<Record<string, unknown>> {
  let { server, port } = await startServer();
  url = `http://${HOST}:${port}`;
  const result: Record<string, unknown> = {};
  const live: Member[] = [];

  result.elect = await step("elect", async () => {
    // Five peers join at once; the room list makes exactly one of them bootstrap.
    live.push(
      ...(await Promise.all(["h1", "h2", "h3", "h4", "h5"].map((id) => join(id, { snapshotThresholdEntries: 8 })))),
    );
    await waitFor("one leader", () => leaders(live).length === 1);
    const follower = live.find((m) => !m.hamok.leader)!;
    await follower.map.set("first", 1);
    await waitFor("the write everywhere", () => live.every((m) => m.map.get("first") === 1));
    const clusterIds = new Set(live.map((m) => m.hamok.raft.clusterId));
    return { leaders: leaders(live).length, clusters: clusterIds.size, values: live.map((m) => m.map.get("first")) };
  });

  result.signalingRestart = await step("signalingRestart", async () => {
    await server.close();
    // The cluster keeps committing over its data channels while signaling is down.
    const writer = live.find((m) => !m.hamok.leader)!;
    for (let i = 0; i < 5; i++) await writer.map.set(`down-${i}`, i);
    await waitFor("writes during the outage", () => live.every((m) => m.map.get("down-4") === 4));
    ({ server } = await startServer(port));
    // The restarted server knows a room only as its members reconnect: wait for them before a newcomer joins,
    // or its room list is partial (see the transport's notes on signaling restarts).
    await waitFor("the members to reconnect", () => server.io.of("/").sockets.size === live.length);
    const late = await join("h6", { snapshotThresholdEntries: 8 });
    live.push(late);
    await waitFor("h6 to catch up", () => late.map.get("down-4") === 4);
    await late.map.set("from-h6", true);
    await waitFor("h6's write everywhere", () => live.every((m) => m.map.get("from-h6") === true));
    return { committedDuringOutage: live.map((m) => m.map.get("down-4")), lateJoiner: late.map.get("first") };
  });

  result.killReplace = await step("killReplace", async () => {
    // Kill a follower (close without leaving: channels and signaling drop), replace it, keep committing.
    const victim = live.find((m) => !m.hamok.leader)!;
    live.splice(live.indexOf(victim), 1);
    const victimId = victim.hamok.localPeerId;
    await victim.hamok.close();
    await live[0]!.map.set("after-kill", 1);
    const replacement = await join("h7", { snapshotThresholdEntries: 8 });
    live.push(replacement);
    await waitFor("the replacement to catch up", () => replacement.map.get("after-kill") === 1);
    await waitFor("the killed peer removed", () => live.every((m) => !m.hamok.remotePeerIds.has(victimId)));
    return { leaders: leaders(live).length, replacement: replacement.map.get("first") };
  });

  result.snapshot = await step("snapshot", async () => {
    // 10 values of 512 KiB: more entries than the snapshot threshold, so a newcomer gets a 5 MiB snapshot.
    const writer = live.find((m) => m.hamok.leader)!;
    for (let i = 0; i < 10; i++) await writer.blobs.set(`blob-${i}`, new Uint8Array(512 * 1024).fill(i + 1));
    for (let i = 0; i < 10; i++) await writer.map.set(`pad-${i}`, i);
    const started = Date.now();
    const newcomer = await join("h8", { snapshotThresholdEntries: 8 });
    live.push(newcomer);
    await waitFor("the snapshot to arrive", () => newcomer.map.get("pad-9") === 9, 30_000);
    console.error(`snapshot catch-up took ${Date.now() - started} ms`);
    let bytes = 0;
    for (let i = 0; i < 10; i++) {
      const blob = newcomer.blobs.get(`blob-${i}`);
      if (blob?.length === 512 * 1024 && blob.every((b) => b === i + 1)) bytes += blob.length;
    }
    return { bytes, installedSnapshot: newcomer.hamok.raft.snapshotIndex > 0 };
  });

  await Promise.all(live.map((m) => m.hamok.close()));
  await server.close();
  return result;
}

runScenario(main);
