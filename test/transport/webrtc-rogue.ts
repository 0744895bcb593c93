/**
 * A hostile peer for the WebRTC scenario: it speaks the signaling protocol and opens a real data channel to a
 * victim, then writes raw bytes of its choosing (corrupt, truncated, oversized, forged frames).
 */
import type { Options, SignalData } from "simple-peer";
import SimplePeer from "simple-peer/simplepeer.min.js";
import { io } from "socket.io-client";
import { FrameDecoder } from "../../src/messages/codec.js";

/** A connected hostile peer. */
export interface Rogue {
  /** Write one raw data-channel message. */
  sendRaw(bytes: Uint8Array | string): void;
  /** Messages the victim sent back, decoded. */
  readonly received: unknown[];
  /** Leave the signaling room but keep the data channel open, answering nothing (a hung peer). */
  leaveSignaling(): void;
  close(): void;
}

/**
 * Join `room` as `peerId` and dial `victimId`. The rogue's id must sort before the victim's, so that the victim
 * expects the rogue to dial. Resolves when the data channel is open.
 */
export function connectRogue(
  url: string,
  room: string,
  peerId: string,
  victimId: string,
  wrtc: Options["wrtc"],
): Promise<Rogue> {
  const socket = io(url, { transports: ["websocket"], auth: { room, peerId }, forceNew: true, reconnection: false });
  const session = "rogue-session";
  const peer = new SimplePeer({ initiator: true, wrtc, config: { iceServers: [] } });
  const decoder = new FrameDecoder();
  const received: unknown[] = [];
  peer.on("signal", (signal: SignalData) =>
    socket.emit("signal", { to: victimId, data: { session, signal } }, () => {}),
  );
  socket.on("signal", ({ data }: { data: { session: string; signal: SignalData } }) => {
    if (data.session === session) peer.signal(data.signal);
  });
  peer.on("data", (data: Uint8Array) => {
    const result = decoder.receive(data);
    if (result.kind === "message") received.push(result.message);
  });
  peer.on("error", () => {});
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("rogue did not connect")), 10_000);
    peer.on("connect", () => {
      clearTimeout(timer);
      resolve({
        sendRaw: (bytes) => peer.send(bytes),
        received,
        leaveSignaling: () => socket.disconnect(),
        close: () => {
          peer.destroy();
          socket.disconnect();
        },
      });
    });
  });
}
