/** The WebRTC mesh transport: the public names. */
export type { RoutedMessage } from "./routing.js";
export type { RoomTokenSource } from "./signaling-client.js";
export { WebRtcTransport, type WebRtcTransportOptions, webrtcTransport } from "./webrtc-transport.js";
