/**
 * `hamok/webrtc`: the WebRTC mesh transport (simple-peer data channels introduced by the hamok signaling server)
 * and the transport that prefers BroadcastChannel for peers of the same browser. Only apps that import this entry
 * bundle simple-peer and socket.io-client.
 *
 * @packageDocumentation
 */
export {
  type SameBrowserFirstOptions,
  SameBrowserFirstTransport,
  sameBrowserFirstTransport,
} from "./transport/combined-transport.js";
export {
  type RoomTokenSource,
  type RoutedMessage,
  WebRtcTransport,
  type WebRtcTransportOptions,
  webrtcTransport,
} from "./transport/webrtc/index.js";
export type { WrtcImplementation } from "./transport/webrtc/wrtc.js";
