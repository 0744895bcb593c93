/**
 * The client side of the signaling protocol (see `signaling-server/README.md` and PROTOCOL.md): a socket.io
 * connection (WebSocket transport only) that joins one room, learns who is there, and relays opaque signals.
 *
 * Reconnection: socket.io reconnects by itself with backoff after a transport failure (a server restart). A
 * refusal by the server's admission (`connect_error` with a code) does not reconnect on its own: retryable
 * codes (`peer-id-in-use` after our own silent drop, `room-full`, `server-full`, `unavailable`) are retried
 * here with the same backoff; credential codes are final.
 */
import { EventEmitter } from "eventemitter3";
import { io, type Socket } from "socket.io-client";
import type { ClockTimer, HamokClock } from "../../clock.js";
import { HamokError } from "../../errors.js";
import { RoomView } from "./room-view.js";

/** Events of a {@link SignalingClient}. */
export interface SignalingClientEvents {
  /** The server admitted us (first time or after a reconnect); `peers` is the room without us. */
  welcome: [peers: readonly string[]];
  "peer-joined": [peerId: string];
  "peer-left": [peerId: string];
  signal: [from: string, data: unknown];
  /** The server's admission refused the connection (also reported as `error`). */
  refused: [error: HamokError];
  error: [error: HamokError];
}

/** Options of a {@link SignalingClient}. */
export interface SignalingClientOptions {
  readonly url: string;
  readonly room: string;
  readonly peerId: string;
  /** A token, or a function asked for a fresh one before every (re)connection. */
  readonly token?: RoomTokenSource;
  /** socket.io path on the server; default `/socket.io`. */
  readonly path?: string;
  /** First reconnection delay; doubles up to `reconnectDelayMaxMs`. */
  readonly reconnectDelayMs: number;
  readonly reconnectDelayMaxMs: number;
  /** How long `connect()` waits for the first welcome. */
  readonly openTimeoutMs: number;
  /** The clock of the open timeout and reconnection delays. */
  readonly clock: HamokClock;
}

/** A room token, or a function returning a fresh one (tokens expire; reconnections need a valid one). */
export type RoomTokenSource = string | (() => string | Promise<string>);

/** Admission codes after which retrying with the same credentials cannot succeed. */
const FINAL_CODES = new Set(["invalid-auth", "invalid-token", "token-expired"]);

function isString(value: unknown): value is string {
  return typeof value === "string";
}

function peerIdOf(notice: unknown): string | undefined {
  const peerId = (notice as { peerId?: unknown } | null)?.peerId;
  return isString(peerId) ? peerId : undefined;
}

/** The connection id a membership notice names, when the server sends one. */
function sessionOf(notice: unknown): string | undefined {
  const session = (notice as { session?: unknown } | null)?.session;
  return isString(session) ? session : undefined;
}

/** One room membership on a signaling server. */
export class SignalingClient extends EventEmitter<SignalingClientEvents> {
  private readonly socket: Socket;
  /** The room as the notices describe it, robust to their reordering across server instances. */
  private readonly room = new RoomView();
  private retryTimer: ClockTimer | undefined;
  private retries = 0;
  private closed = false;
  /** Rejects a pending `connect()`; set while one is pending. */
  private abortConnect: ((error: HamokError) => void) | undefined;

  constructor(private readonly options: SignalingClientOptions) {
    super();
    const { token } = options;
    // socket.io calls `auth` before every connection attempt, so a token function is asked each time.
    const auth = (callback: (auth: object) => void) => {
      const base = { room: options.room, peerId: options.peerId };
      if (token === undefined) return callback(base);
      Promise.resolve()
        .then(() => (typeof token === "function" ? token() : token))
        .then(
          (fresh) => callback({ ...base, token: fresh }),
          (error: unknown) => {
            this.emit("error", new HamokError("TransportFailure", "the room token function failed", { cause: error }));
            callback(base);
          },
        );
    };
    this.socket = io(options.url, {
      transports: ["websocket"],
      auth,
      autoConnect: false,
      forceNew: true,
      reconnectionDelay: options.reconnectDelayMs,
      reconnectionDelayMax: options.reconnectDelayMaxMs,
      ...(options.path === undefined ? {} : { path: options.path }),
    });
    this.socket.on("welcome", (welcome: unknown) => {
      const peers = (welcome as { peers?: unknown } | null)?.peers;
      if (!Array.isArray(peers) || !peers.every(isString)) {
        this.emit("error", new HamokError("TransportFailure", "signaling: malformed welcome"));
        return;
      }
      this.retries = 0;
      const others = peers.filter((p) => p !== options.peerId);
      this.room.welcome(others);
      this.emit("welcome", others);
    });
    this.socket.on("peer-joined", (notice: unknown) => {
      const peerId = peerIdOf(notice);
      if (peerId === undefined || peerId === options.peerId) return;
      if (this.room.joined(peerId, sessionOf(notice))) this.emit("peer-joined", peerId);
    });
    this.socket.on("peer-left", (notice: unknown) => {
      const peerId = peerIdOf(notice);
      if (peerId === undefined || peerId === options.peerId) return;
      if (this.room.left(peerId, sessionOf(notice))) this.emit("peer-left", peerId);
    });
    this.socket.on("signal", (signal: unknown) => {
      const { from, data } = (signal ?? {}) as { from?: unknown; data?: unknown };
      if (isString(from) && from !== options.peerId) this.emit("signal", from, data);
    });
    this.socket.on("refused", (refusal: unknown) => {
      this.emit("error", new HamokError("TransportFailure", `signaling refused an event: ${JSON.stringify(refusal)}`));
    });
    this.socket.on("disconnect", (reason) => {
      // A server-side disconnect does not reconnect by itself in socket.io; every other reason does.
      if (reason === "io server disconnect") this.scheduleRetry();
    });
    this.socket.on("connect_error", (error: Error & { data?: { code?: unknown } }) => {
      if (this.socket.active) return; // a transport failure: socket.io retries with backoff
      const code = isString(error.data?.code) ? error.data.code : error.message;
      const failure = new HamokError(
        code === "peer-id-in-use" ? "PeerIdInUse" : "TransportFailure",
        `signaling refused the connection: ${code}`,
        { cause: error },
      );
      this.emit("refused", failure);
      this.emit("error", failure);
      if (!FINAL_CODES.has(code)) this.scheduleRetry();
    });
  }

  /** Whether the signaling connection is currently up. */
  get connected(): boolean {
    return this.socket.connected;
  }

  /**
   * Connect and resolve with the room's members at the first welcome.
   *
   * @throws HamokError `PeerIdInUse` or `TransportFailure` when refused, or when no welcome comes within
   *   `openTimeoutMs` (the client is closed then); `Closed` when `close()` is called meanwhile.
   */
  connect(): Promise<readonly string[]> {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        this.abortConnect = undefined;
        this.options.clock.clearTimeout(timer);
        this.off("welcome", onWelcome);
        this.off("refused", fail);
      };
      const fail = (error: HamokError) => {
        cleanup();
        this.close();
        reject(error);
      };
      const onWelcome = (peers: readonly string[]) => {
        cleanup();
        resolve(peers);
      };
      const timer = this.options.clock.setTimeout(
        () => fail(new HamokError("TransportFailure", `signaling server ${this.options.url} did not welcome us`)),
        this.options.openTimeoutMs,
      );
      this.abortConnect = fail;
      this.on("welcome", onWelcome);
      // At open, any refusal fails the caller (a peer id taken by a live tab must fail `join()`).
      this.on("refused", fail);
      this.socket.connect();
    });
  }

  /** Relay `data` to `to` in the room; resolves when the server accepted it. */
  async signal(to: string, data: unknown): Promise<void> {
    // socket.io would buffer the emit across a reconnect and deliver a stale offer later: refuse instead.
    if (!this.socket.connected) throw new HamokError("TransportFailure", `signaling is disconnected`);
    const ack = (await this.socket.timeout(this.options.openTimeoutMs).emitWithAck("signal", { to, data })) as {
      ok?: unknown;
      code?: unknown;
    };
    if (ack?.ok !== true) {
      throw new HamokError("TransportFailure", `signal to ${to} refused: ${String(ack?.code)}`);
    }
  }

  /** Leave the room and stop reconnecting. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.clock.clearTimeout(this.retryTimer);
    this.socket.removeAllListeners();
    this.socket.disconnect();
    this.abortConnect?.(new HamokError("Closed", "the signaling client was closed"));
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    this.options.clock.clearTimeout(this.retryTimer);
    const base = Math.min(this.options.reconnectDelayMs * 2 ** this.retries, this.options.reconnectDelayMaxMs);
    this.retries++;
    // Jitter spreads the reconnections of a whole room after a server restart.
    const delay = base / 2 + Math.random() * (base / 2);
    this.retryTimer = this.options.clock.setTimeout(() => {
      if (!this.closed) this.socket.connect();
    }, delay);
  }
}
