/**
 * The floors of the browser benchmarks, measured in the page with nothing of hamok on the path: the round trip
 * of a small message over a raw `RTCDataChannel` and over a `BroadcastChannel` between two tabs, and one
 * IndexedDB readwrite transaction. The Node side carries the SDP of the raw connection from tab to tab (it is
 * the signaling), so no server is involved.
 */
import { type LatencySummary, summarise } from "./stats.js";

/** About the size of a small hamok append (a map write of a short task). */
const PAYLOAD_BYTES = 160;

let connection: RTCPeerConnection | undefined;
let channel: RTCDataChannel | undefined;

function iceComplete(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") resolve();
    });
  });
}

function opened(dc: RTCDataChannel): Promise<RTCDataChannel> {
  if (dc.readyState === "open") return Promise.resolve(dc);
  return new Promise((resolve) => dc.addEventListener("open", () => resolve(dc), { once: true }));
}

/** Dialling side: an offer with every host candidate in it (no trickle, the Node side relays it once). */
export async function rtcOffer(): Promise<string> {
  connection = new RTCPeerConnection({ iceServers: [] });
  channel = connection.createDataChannel("floor", { ordered: true });
  channel.binaryType = "arraybuffer";
  await connection.setLocalDescription(await connection.createOffer());
  await iceComplete(connection);
  return connection.localDescription?.sdp ?? "";
}

/** Answering side: echoes every message it receives on the channel. */
export async function rtcAnswer(offer: string): Promise<string> {
  const pc = new RTCPeerConnection({ iceServers: [] });
  connection = pc;
  pc.addEventListener("datachannel", (event) => {
    const echo = event.channel;
    echo.binaryType = "arraybuffer";
    echo.addEventListener("message", (message) => echo.send(message.data as ArrayBuffer));
  });
  await pc.setRemoteDescription({ type: "offer", sdp: offer });
  await pc.setLocalDescription(await pc.createAnswer());
  await iceComplete(pc);
  return pc.localDescription?.sdp ?? "";
}

/** Dialling side: take the answer and wait for the channel. */
export async function rtcConnect(answer: string): Promise<void> {
  if (connection === undefined || channel === undefined) throw new Error("rtcOffer first");
  await connection.setRemoteDescription({ type: "answer", sdp: answer });
  await opened(channel);
}

/** Sequential round trips of a small binary message over the raw channel. */
export async function rtcPing(rounds: number, warmUp: number): Promise<LatencySummary> {
  const dc = channel;
  if (dc === undefined) throw new Error("rtcConnect first");
  const payload = new Uint8Array(PAYLOAD_BYTES);
  const samples: number[] = [];
  for (let i = 0; i < rounds + warmUp; i++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      dc.addEventListener("message", () => resolve(), { once: true });
      dc.send(payload);
    });
    if (i >= warmUp) samples.push(performance.now() - started);
  }
  return summarise(samples);
}

/** Close the raw connection of this tab. */
export function rtcClose(): void {
  channel?.close();
  connection?.close();
  channel = undefined;
  connection = undefined;
}

let echoChannel: BroadcastChannel | undefined;

/** Answer every `ping` on the BroadcastChannel `name` with a `pong`. */
export function broadcastEcho(name: string): void {
  echoChannel?.close();
  const bc = new BroadcastChannel(name);
  bc.onmessage = (event: MessageEvent<{ readonly t: string; readonly seq: number }>) => {
    if (event.data.t === "ping") bc.postMessage({ t: "pong", seq: event.data.seq, body: event.data });
  };
  echoChannel = bc;
}

/** Sequential round trips of a small structured message (about the shape of a hamok append) over `name`. */
export async function broadcastPing(name: string, rounds: number, warmUp: number): Promise<LatencySummary> {
  const bc = new BroadcastChannel(name);
  const body = { term: 1, index: 1, entries: [{ key: "task-1", value: "x".repeat(PAYLOAD_BYTES - 40) }] };
  const samples: number[] = [];
  try {
    for (let i = 0; i < rounds + warmUp; i++) {
      const started = performance.now();
      await new Promise<void>((resolve) => {
        bc.onmessage = (event: MessageEvent<{ readonly t: string; readonly seq: number }>) => {
          if (event.data.t === "pong" && event.data.seq === i) resolve();
        };
        bc.postMessage({ t: "ping", seq: i, body });
      });
      if (i >= warmUp) samples.push(performance.now() - started);
    }
  } finally {
    bc.close();
  }
  return summarise(samples);
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * Sequential IndexedDB readwrite transactions, each putting one small record, with `durability`: the least a
 * peer that persists before acknowledging pays per save.
 */
export async function idbTransactions(
  durability: "relaxed" | "strict",
  rounds: number,
  warmUp: number,
): Promise<LatencySummary> {
  const name = `hamok-bench-floor-${durability}`;
  await request(indexedDB.deleteDatabase(name));
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => open.result.createObjectStore("s");
  const db = await request(open);
  const samples: number[] = [];
  try {
    for (let i = 0; i < rounds + warmUp; i++) {
      const started = performance.now();
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction("s", "readwrite", { durability });
        tx.objectStore("s").put({ term: 1, index: i, value: "x".repeat(100) }, i % 16);
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      if (i >= warmUp) samples.push(performance.now() - started);
    }
  } finally {
    db.close();
    await request(indexedDB.deleteDatabase(name));
  }
  return summarise(samples);
}
