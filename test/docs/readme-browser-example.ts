/**
 * The README's browser and Node examples, kept here so that `npm run typecheck` fails when the public API they
 * show changes (test/docs/readme-example.test.ts checks that every line of the README's TypeScript blocks is
 * here or in that test). They need a page, a signaling server or WebRTC, so they only type-check here; the e2e
 * suite runs the same calls in Chromium (demo/cluster.ts).
 */
import wrtc from "@roamhq/wrtc";
import { Hamok } from "../../src/index";
import { claimPeerId } from "../../src/indexeddb";
import { webrtcTransport } from "../../src/webrtc";

export async function readmeQuickStart(): Promise<Hamok> {
  const hamok = new Hamok();
  await hamok.join();
  hamok.on("leader-changed", (leaderId) => console.log("leader is", leaderId));

  const todos = hamok.getOrCreateMap<string, string>({ mapId: "todos" });
  todos.on("insert", (id, title) => console.log("added in some tab:", id, title));
  await todos.set(crypto.randomUUID(), "buy milk");
  return hamok;
}

export async function readmeBrowserExample(): Promise<Hamok> {
  const room = "my-app";
  const { peerId } = (await claimPeerId({ room })).identity;
  const hamok = new Hamok({ peerId, persistence: { type: "indexeddb", room }, pageLifecycle: true });
  await hamok.join({ transport: webrtcTransport({ url: "https://signal.example", room }) });
  hamok.on("leader-changed", (leaderId) => console.log("leader is", leaderId));
  return hamok;
}

export async function readmeNodeWebRtcExample(): Promise<Hamok> {
  const hamok = new Hamok({ peerId: "node-1" });
  await hamok.join({ transport: webrtcTransport({ url: "http://127.0.0.1:8787", room: "my-app", wrtc }) });
  return hamok;
}
