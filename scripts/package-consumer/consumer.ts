/**
 * A TypeScript consumer of the packed package, compiled by scripts/check-package.sh under moduleResolution
 * bundler, node16 and nodenext without skipLibCheck: every entry must resolve to real types (an `any` would make
 * the `@ts-expect-error` lines below unused, which is an error).
 */
import { broadcastChannelTransport, Hamok, type HamokConfig, HamokError, MemoryHub } from "hamok";
import type { RaftLogs, RaftMessage } from "hamok/advanced";
import { claimPeerId, listIndexedDbRaftLogs } from "hamok/indexeddb";
import { type WebRtcTransportOptions, webrtcTransport } from "hamok/webrtc";

export async function consume(): Promise<void> {
  const hamok = new Hamok({ electionTimeoutInMs: 3000 });
  const config: HamokConfig = hamok.config;
  const map = hamok.createMap<string, number>({ mapId: "m" });
  const value: number | undefined = map.get("k");
  // @ts-expect-error a map of numbers refuses a string
  await map.set("k", "not a number");
  // @ts-expect-error the root entry's Hamok is a class, not any
  hamok.noSuchMethod();
  const options: WebRtcTransportOptions = { url: "https://signal.example", room: "r" };
  await hamok.join({ transport: webrtcTransport(options) });
  await hamok.join({ transport: new MemoryHub().transport() });
  await hamok.join({ transport: broadcastChannelTransport({ room: "r" }) });
  const { peerId } = (await claimPeerId({ room: "r" })).identity;
  const stored = await listIndexedDbRaftLogs({ room: "r" });
  const logs: RaftLogs | undefined = undefined;
  const message: RaftMessage | undefined = undefined;
  console.log(config.peerId, value, peerId, stored?.length, logs, message, new HamokError("Timeout", "t").code);
}
