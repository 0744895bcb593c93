import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Room admission tokens: `${expiresAtEpochSeconds}.${base64url(HMAC-SHA256(secret, room + "." + expiresAt))}`.
 *
 * The signaling server only verifies tokens. An application issues them from its own backend, after it has
 * authenticated the user and decided that the user may enter the room:
 *
 * ```ts
 * // signaling-server/token.ts has no dependency but node:crypto: import it or copy it into the backend.
 * import { createRoomToken } from "./signaling-server/token";
 * app.get("/hamok-token", requireLogin, (req, res) => {
 *   res.json({ token: createRoomToken({ secret: process.env.SIGNALING_SECRET!, room: req.query.room, ttlSeconds: 600 }) });
 * });
 * ```
 *
 * The token only gates entering a room: once connected, a peer stays until it disconnects, so a short TTL
 * (minutes) is enough; a client fetches a fresh token before every (re)connection.
 */

/** Arguments of {@link createRoomToken}. */
export interface CreateRoomTokenOptions {
  /** The server's secret (`SIGNALING_SECRET`). */
  secret: string;
  /** The room the token admits to. */
  room: string;
  /** How long the token admits, from `now`. */
  ttlSeconds: number;
  /** The current time in milliseconds since the epoch; defaults to `Date.now()`. */
  now?: number;
}

/** Arguments of {@link verifyRoomToken}. */
export interface VerifyRoomTokenOptions {
  secret: string;
  room: string;
  token: string;
  /** The current time in milliseconds since the epoch; defaults to `Date.now()`. */
  now?: number;
}

/** The outcome of {@link verifyRoomToken}. */
export type RoomTokenVerdict =
  | { ok: true; expiresAtSeconds: number }
  | { ok: false; code: "invalid-token" | "token-expired"; message: string };

/** No leading zeros in the expiry: each token has exactly one spelling (see {@link verifyRoomToken}). */
const TOKEN_PATTERN = /^(0|[1-9]\d{0,11})\.([A-Za-z0-9_-]{43})$/;

function mac(secret: string, room: string, expiresAtSeconds: number): Buffer {
  return createHmac("sha256", secret).update(`${room}.${expiresAtSeconds}`).digest();
}

/** Issues a token that admits to `room` for `ttlSeconds`. Call it from the application's backend only. */
export function createRoomToken(options: CreateRoomTokenOptions): string {
  if (options.secret.length === 0) throw new TypeError("createRoomToken: the secret must not be empty");
  if (!Number.isFinite(options.ttlSeconds) || options.ttlSeconds <= 0) {
    throw new TypeError("createRoomToken: ttlSeconds must be a positive number");
  }
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  const expiresAtSeconds = nowSeconds + Math.ceil(options.ttlSeconds);
  return `${expiresAtSeconds}.${mac(options.secret, options.room, expiresAtSeconds).toString("base64url")}`;
}

/**
 * Checks a token for `room`. The MAC is compared in constant time and checked before the expiry, so a forged
 * token is always `invalid-token`, never `token-expired`. Only the canonical spelling is accepted (no leading
 * zeros in the expiry, zero spare bits in the last base64url character), so a token cannot be varied into
 * other strings that a cache, a log filter or a revocation list would treat as different tokens.
 */
export function verifyRoomToken(options: VerifyRoomTokenOptions): RoomTokenVerdict {
  const match = TOKEN_PATTERN.exec(options.token);
  if (match === null) return { ok: false, code: "invalid-token", message: "malformed room token" };
  const expiresAtSeconds = Number(match[1]);
  const encoded = match[2] ?? "";
  const given = Buffer.from(encoded, "base64url");
  // 43 base64url characters carry 258 bits for a 256-bit MAC: the decoder ignores the last character's two
  // spare bits, so four spellings would decode to the same MAC. Only the canonical one (spare bits zero) counts.
  if (given.toString("base64url") !== encoded) {
    return { ok: false, code: "invalid-token", message: "malformed room token" };
  }
  const expected = mac(options.secret, options.room, expiresAtSeconds);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, code: "invalid-token", message: "room token is not valid for this room" };
  }
  if (expiresAtSeconds * 1000 <= (options.now ?? Date.now())) {
    return { ok: false, code: "token-expired", message: "room token has expired" };
  }
  return { ok: true, expiresAtSeconds };
}
