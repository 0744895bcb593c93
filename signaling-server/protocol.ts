/**
 * The wire protocol between the signaling server and its clients (socket.io, WebSocket transport only).
 * This module is types and pure validation only: the mesh transport's signaling client may mirror it, and the
 * README next to this file documents it for other implementations.
 */

/** Why a connection was refused: the `message` of socket.io's `connect_error` and the `code` in its `data`. */
export type AdmissionErrorCode =
  /** `auth.room` / `auth.peerId` missing or not `[A-Za-z0-9._:-]{1,128}` (or `auth.token` not a short string). */
  | "invalid-auth"
  /** A secret is configured and the token is missing, forged, or for another room. */
  | "invalid-token"
  /** The token was valid but its expiry has passed. */
  | "token-expired"
  /** Another live connection already uses this peer id in this room (on any instance). */
  | "peer-id-in-use"
  /** The room already has `maxPeersPerRoom` members. */
  | "room-full"
  /** This instance already serves `maxClients` connections. */
  | "server-full"
  /** The cluster of instances did not answer the membership query in time; retry later. */
  | "unavailable";

/** Why an inbound event was refused: the `code` of an ack error or of a `refused` event. */
export type RefusalCode =
  /** The target peer is not (or no longer) in the sender's room. */
  | "unknown-peer"
  /** The event's arguments do not have the documented shape. */
  | "invalid-payload"
  /** `data` of a `signal` is larger than `maxSignalBytes`. */
  | "payload-too-large"
  /**
   * The socket sends faster than `signalsPerSecond` (after a burst of `signalBurst`), or the target peer already
   * receives `targetSignalsPerSecond` from all senders together (after a burst of `targetSignalBurst`).
   */
  | "rate-limited"
  /** The event name is not part of the protocol. */
  | "unknown-event";

/** `auth` of the socket.io handshake. */
export interface SignalingAuth {
  room: string;
  peerId: string;
  /** Required when the server has a secret: a token from `createRoomToken` for this room. */
  token?: string;
}

/** `data` of a refused connection's `connect_error`. */
export interface AdmissionErrorData {
  code: AdmissionErrorCode;
  message: string;
}

/** The first event a connected client receives. `peers` is the authoritative list of the other room members. */
export interface WelcomeMessage {
  peerId: string;
  room: string;
  peers: string[];
}

/**
 * `peer-joined` / `peer-left` notices. `session` is the member's connection id: notices of several instances can
 * arrive out of order, and a client that remembers ended sessions can apply them in any order (a session never
 * comes back; a `peer-left` of an older session does not remove a peer that reconnected).
 */
export interface PeerNotice {
  peerId: string;
  session: string;
}

/** Client → server `signal`. */
export interface OutboundSignal {
  to: string;
  data: unknown;
}

/** Server → client `signal`. */
export interface InboundSignal {
  from: string;
  data: unknown;
}

/** The answer to a `signal` ack. */
export type SignalAck = { ok: true } | { ok: false; code: RefusalCode; message: string };

/** A `refused` event: an event without ack was refused. */
export interface RefusedMessage {
  code: RefusalCode;
  message: string;
}

/** Events the server emits to a client. */
export interface ServerToClientEvents {
  welcome: (message: WelcomeMessage) => void;
  "peer-joined": (notice: PeerNotice) => void;
  "peer-left": (notice: PeerNotice) => void;
  signal: (signal: InboundSignal) => void;
  refused: (message: RefusedMessage) => void;
}

/** Per-socket data, visible across instances through `fetchSockets()`. */
export interface PeerSocketData {
  room: string;
  peerId: string;
}

/** The longest room name or peer id. */
export const MAX_ID_LENGTH = 128;
/** The longest accepted token string (a real one is about 55 characters). */
export const MAX_TOKEN_LENGTH = 512;

const ID_PATTERN = /^[A-Za-z0-9._:-]+$/;

/** Whether `value` is a valid room name or peer id: 1 to 128 characters from `[A-Za-z0-9._:-]`. */
export function isValidId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_ID_LENGTH && ID_PATTERN.test(value);
}

/**
 * Reads the handshake `auth` object. Returns undefined when it does not have the documented shape.
 * A token is kept only when it is a string (its validity is checked separately, and only when a secret is set).
 */
export function parseAuth(auth: unknown): SignalingAuth | undefined {
  if (typeof auth !== "object" || auth === null) return undefined;
  const { room, peerId, token } = auth as Record<string, unknown>;
  if (!isValidId(room) || !isValidId(peerId)) return undefined;
  if (token === undefined || token === null) return { room, peerId };
  if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH) return undefined;
  return { room, peerId, token };
}

/** Reads a `signal` argument. Returns undefined when it does not have the documented shape. */
export function parseOutboundSignal(value: unknown): OutboundSignal | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const { to, data } = value as Record<string, unknown>;
  if (!isValidId(to) || data === undefined) return undefined;
  return { to, data };
}
