/**
 * The README's browser example, kept here so that `npm run typecheck` fails when the public API it shows
 * changes. It needs a page, a signaling server and WebRTC, so it only type-checks here; the e2e suite runs the
 * same calls in Chromium (demo/cluster.ts).
 */
import { Hamok } from "../../src/index";
import { claimPeerId } from "../../src/indexeddb";
import { webrtcTransport } from "../../src/webrtc";

export async function readmeBrowserExample(): Promise<Hamok> {
  const room = "my-app";
  const { peerId } = (await claimPeerId({ room })).identity;
  const hamok = new Hamok({ peerId, persistence: { type: "indexeddb", room }, pageLifecycle: true });
  await hamok.join({ transport: webrtcTransport({ url: "https://signal.example", room }) });
  hamok.on("leader-changed", (leaderId) => console.log("leader is", leaderId));
  return hamok;
}
