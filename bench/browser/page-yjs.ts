/**
 * The peer baseline: two tabs share a Yjs document through y-webrtc, and one tab's map update is timed until
 * the other tab has applied it. y-webrtc carries updates over its WebRTC mesh (introduced by a y-webrtc
 * signaling server inside the namespace) and, between tabs of one origin, over a BroadcastChannel. The Node
 * side picks the path: tabs of two origins share no BroadcastChannel, so they talk WebRTC only; tabs of one
 * origin with no signaling server talk BroadcastChannel only.
 */
import { WebrtcProvider } from "y-webrtc";
import * as Y from "yjs";
import { type LatencySummary, summarise } from "./stats.js";

let doc: Y.Doc | undefined;
let provider: WebrtcProvider | undefined;

function shared(): Y.Map<number> {
  if (doc === undefined) throw new Error("startYjs first");
  return doc.getMap<number>("bench");
}

/**
 * Join the y-webrtc room `room`; `signaling` empty means BroadcastChannel only. No ICE servers: simple-peer's
 * default would name public STUN hosts, and nothing here may leave the machine.
 */
export function startYjs(room: string, signaling: readonly string[]): void {
  doc = new Y.Doc();
  provider = new WebrtcProvider(room, doc, {
    signaling: [...signaling],
    filterBcConns: signaling.length === 0,
    peerOpts: { config: { iceServers: [] } },
  });
}

/** How many WebRTC connections y-webrtc holds in this tab (the Node side waits for one). */
export function yjsWebrtcPeers(): number {
  return provider?.room?.webrtcConns.size ?? 0;
}

/** Whether this tab hears the other over y-webrtc's BroadcastChannel. */
export function yjsBroadcastPeers(): number {
  return provider?.room?.bcConns.size ?? 0;
}

/** The answering tab: every `ping-i` it receives it answers with `pong-i`. */
export function yjsEcho(): void {
  const ymap = shared();
  ymap.observe((event) => {
    for (const key of event.keysChanged) {
      if (key.startsWith("ping-")) ymap.set(`pong-${key.slice(5)}`, ymap.get(key) ?? 0);
    }
  });
}

/**
 * Sequential rounds: set `ping-i` here, wait until the other tab's `pong-i` is applied here. Half a round
 * is the time for one update to reach the other tab (the two directions are symmetric).
 */
export async function yjsPing(rounds: number, warmUp: number): Promise<LatencySummary> {
  const ymap = shared();
  const samples: number[] = [];
  for (let i = 0; i < rounds + warmUp; i++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      const observer = (event: Y.YMapEvent<number>) => {
        if (event.keysChanged.has(`pong-${i}`)) {
          ymap.unobserve(observer);
          resolve();
        }
      };
      ymap.observe(observer);
      ymap.set(`ping-${i}`, i);
    });
    if (i >= warmUp) samples.push((performance.now() - started) / 2);
  }
  return summarise(samples);
}

/** Leave the room. */
export function stopYjs(): void {
  provider?.destroy();
  doc?.destroy();
  provider = undefined;
  doc = undefined;
}
