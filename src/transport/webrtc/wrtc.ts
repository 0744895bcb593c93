/**
 * The WebRTC implementation a runtime without one (Node) passes to the transport, declared here so that the
 * shipped types need no `@types/simple-peer`; and the early check that turns a missing implementation into an
 * error that names the remedy, before anything is dialled.
 */
import { HamokError } from "../../errors.js";

/**
 * A WebRTC implementation for runtimes without a global `RTCPeerConnection`: an object with the three
 * constructors, such as the module namespace of `@roamhq/wrtc` (`await import("@roamhq/wrtc")`).
 */
export interface WrtcImplementation {
  readonly RTCPeerConnection: unknown;
  readonly RTCSessionDescription: unknown;
  readonly RTCIceCandidate: unknown;
}

/**
 * Throws `TransportFailure` when this runtime has no WebRTC and none was given: Node has no `RTCPeerConnection`,
 * and without this check every dial would fail one by one while `join()` waited for peers it can never reach.
 */
export function assertWebRtcAvailable(wrtc: WrtcImplementation | undefined): void {
  if (wrtc !== undefined || typeof (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection === "function") {
    return;
  }
  throw new HamokError(
    "TransportFailure",
    'this runtime has no WebRTC (no global RTCPeerConnection, as in Node): pass one to webrtcTransport({ wrtc }), e.g. wrtc: await import("@roamhq/wrtc") after npm install @roamhq/wrtc',
  );
}
