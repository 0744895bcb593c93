/**
 * The same-browser-first transport over real WebRTC, run inside a private network namespace by
 * `combined-transport.test.ts`:
 *   scripts/netns.sh node --import tsx test/transport/combined-webrtc-scenario.ts
 * Two peers ("tabs" of one browser) share a BroadcastChannel and are also in the WebRTC room; a third is only in
 * the WebRTC room. Real signaling server, real data channels (@roamhq/wrtc). Prints one line `RESULT <json>`.
 */
import wrtc from "@roamhq/wrtc";
import { createSignalingServer } from "../../signaling-server/server.js";
import { Hamok } from "../../src/hamok.js";
import type { HamokMessage } from "../../src/messages/hamok-message.js";
import { broadcastChannelTransport } from "../../src/transport/broadcast-channel.js";
import { sameBrowserFirstTransport } from "../../src/transport/combined-transport.js";
import { webrtcTransport } from "../../src/transport/webrtc/index.js";
import { runScenario, waitFor } from "./scenario-kit.js";

const HOST = "10.77.0.1";
const TIMINGS = { heartbeatInMs: 20, followerMaxIdleInMs: 300, electionTimeoutInMs: 1500, requestTimeoutInMs: 8000 };

async function main(): Promise<Record<string, unknown>> {
  const server = createSignalingServer({ host: HOST, port: 0 });
  const { port } = await server.listen();
  const url = `http://${HOST}:${port}`;
  const bcRoom = `tabs-${process.pid}`;
  /** Messages each peer received over its WebRTC transport, by sender. */
  const overWebRtc = new Map<string, Map<string, number>>();
  const webrtc = (peerId: string) => {
    const transport = webrtcTransport<HamokMessage>({ url, room: "cluster", wrtc, reconnectDelayMs: 100 });
    const counts = new Map<string, number>();
    overWebRtc.set(peerId, counts);
    transport.on("message", (m) => counts.set(m.sourceId, (counts.get(m.sourceId) ?? 0) + 1));
    return transport;
  };
  const peers = ["p1", "p2", "p3"].map((peerId, i) => new Hamok({ ...TIMINGS, peerId, seed: i + 1 }));
  const transports = [
    sameBrowserFirstTransport({
      local: broadcastChannelTransport<HamokMessage>({ room: bcRoom }),
      remote: webrtc("p1"),
    }),
    sameBrowserFirstTransport({
      local: broadcastChannelTransport<HamokMessage>({ room: bcRoom }),
      remote: webrtc("p2"),
    }),
    webrtc("p3"),
  ];
  const result: Record<string, unknown> = {};
  try {
    await Promise.all(peers.map((peer, i) => peer.join({ transport: transports[i]! })));
    const maps = peers.map((peer) => peer.createMap<string, number>({ mapId: "m" }));
    await waitFor("one leader", () => peers.filter((peer) => peer.leader).length === 1);
    await maps[2]!.set("from-p3", 3);
    await maps[0]!.set("from-p1", 1);
    await waitFor("both writes everywhere", () => maps.every((m) => m.get("from-p3") === 3 && m.get("from-p1") === 1));
    const count = (to: string, from: string) => overWebRtc.get(to)?.get(from) ?? 0;
    result.cluster = {
      leaders: peers.filter((peer) => peer.leader).length,
      clusters: new Set(peers.map((peer) => peer.raft.clusterId)).size,
      values: maps.map((m) => [m.get("from-p1"), m.get("from-p3")]),
    };
    result.routing = {
      tabsOverWebRtc: count("p1", "p2") + count("p2", "p1"),
      p3HeardBothTabs: count("p3", "p1") > 0 && count("p3", "p2") > 0,
      tabsHeardP3: count("p1", "p3") > 0 && count("p2", "p3") > 0,
    };
  } catch (error) {
    result.error = String(error);
  }
  await Promise.all(peers.map((peer) => peer.close()));
  await server.close();
  return result;
}

runScenario(main);
