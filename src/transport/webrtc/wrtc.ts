/**
 * The WebRTC implementation a runtime without one (Node) passes to the transport, declared here so that the
 * shipped types need no `@types/simple-peer`; and the early check that turns a missing implementation into an
 * error that names the remedy, before anything is dialled.
 */
import { HamokError } from "../../errors.js";

/**
 * A WebRTC implementation for runtimes without a global `RTCPeerConnection`: an object with the three
 * constructors, such as the default export of `@roamhq/wrtc` (`import wrtc from "@roamhq/wrtc"`; in Node the
 * namespace of `await import("@roamhq/wrtc")` holds it as `.default`).
 */
export interface WrtcImplementation {
  /** The `RTCPeerConnection` constructor. */
  readonly RTCPeerConnection: unknown;
  /** The `RTCSessionDescription` constructor. */
  readonly RTCSessionDescription: unknown;
  /** The `RTCIceCandidate` constructor. */
  readonly RTCIceCandidate: unknown;
}

/**
 * Throws `TransportFailure` when this runtime has no WebRTC and none was given: Node has no `RTCPeerConnection`,
 * and without this check every dial would fail one by one while `join()` waited for peers it can never reach.
 */
export function assertWebRtcAvailable(wrtc: WrtcImplementation | undefined): void {
  if (wrtc !== undefined) {
    if (typeof wrtc.RTCPeerConnection === "function") return;
    throw new HamokError(
      "TransportFailure",
      'webrtcTransport({ wrtc }): wrtc has no RTCPeerConnection constructor; pass the module itself (import wrtc from "@roamhq/wrtc"), not its namespace',
    );
  }
  if (typeof (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection === "function") return;
  throw new HamokError(
    "TransportFailure",
    'this runtime has no WebRTC (no global RTCPeerConnection, as in Node): pass one as webrtcTransport({ wrtc }), e.g. import wrtc from "@roamhq/wrtc" after npm install @roamhq/wrtc',
  );
}
