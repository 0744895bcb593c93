import { createServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { createAdmission } from "./admission";
import { type SignalingLogger, silentLogger } from "./logger";
import { startPeerSession } from "./peer-session";
import type { RedisScaleOut } from "./redis-adapter";
import { connectRedisOnDemand } from "./redis-loader";
import { RoomDirectory, type SignalingIo } from "./room-directory";
import { TargetLimiter } from "./target-limiter";

/** Options of {@link createSignalingServer}. Every limit has a default fit for a LAN demo. */
export interface SignalingServerOptions {
  /** TCP port; default 8787; 0 picks a free port (see the result of `listen()`). */
  port?: number;
  /** Interface to bind; default `127.0.0.1` (use `0.0.0.0` to serve other machines). */
  host?: string;
  /**
   * Browser origins allowed to connect (checked on the WebSocket upgrade, where browsers send `Origin`); default
   * any. Clients without an `Origin` header (Node peers) are always allowed: the check protects against other
   * web pages, tokens protect against everyone else.
   */
  corsOrigins?: readonly string[];
  /** When set, clients need a token from `createRoomToken` with this secret for their room. */
  secret?: string;
  /** Members per room, across all instances; default 64. */
  maxPeersPerRoom?: number;
  /** Connections served by this instance; default 10 000. */
  maxClients?: number;
  /** Size limit of one signal's `data`; default 64 KiB. */
  maxSignalBytes?: number;
  /** Sustained events per second per socket; default 100. */
  signalsPerSecond?: number;
  /** Events per socket accepted in a burst above the sustained rate; default 200. */
  signalBurst?: number;
  /** Sustained signals per second to one peer from all senders on this instance together; default 200. */
  targetSignalsPerSecond?: number;
  /** Signals to one peer accepted in a burst above that rate; default 1000 (a full room handshaking with a newcomer). */
  targetSignalBurst?: number;
  /** With it, instances sharing this Redis share rooms (Redis Streams adapter). */
  redisUrl?: string;
  /** Structured log sink; default silent. `main.ts` passes a JSON-lines logger. */
  logger?: SignalingLogger;
}

/** A signaling server, created stopped. */
export interface SignalingServer {
  /** Connects to Redis (if configured) and starts listening. Resolves with the bound address. */
  listen(): Promise<{ port: number; host: string }>;
  /** Stops accepting, disconnects every socket (clients see a transport close and reconnect elsewhere), closes Redis. Idempotent. */
  close(): Promise<void>;
  readonly httpServer: HttpServer;
  readonly io: SignalingIo;
}

/** Default limits, exported for documentation and tests. */
export const SIGNALING_DEFAULTS = {
  port: 8787,
  host: "127.0.0.1",
  maxPeersPerRoom: 64,
  maxClients: 10_000,
  maxSignalBytes: 64 * 1024,
  signalsPerSecond: 100,
  signalBurst: 200,
  targetSignalsPerSecond: 200,
  targetSignalBurst: 1000,
} as const;

/*
 * Engine-level settings. Heartbeats every 10 s with a 5 s timeout detect a dead client within 15 s, which bounds
 * how long a reconnecting peer id is refused as `peer-id-in-use` after a silent drop.
 */
const PING_INTERVAL_MS = 10_000;
const PING_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT_MS = 10_000;

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`signaling server: ${name} must be a positive number`);
  return value;
}

/** Creates a signaling server (see README.md for the protocol). Call `listen()` to start it. */
export function createSignalingServer(options: SignalingServerOptions = {}): SignalingServer {
  const logger = options.logger ?? silentLogger;
  const maxSignalBytes = positive("maxSignalBytes", options.maxSignalBytes ?? SIGNALING_DEFAULTS.maxSignalBytes);
  const limits = {
    maxSignalBytes,
    signalsPerSecond: positive("signalsPerSecond", options.signalsPerSecond ?? SIGNALING_DEFAULTS.signalsPerSecond),
    signalBurst: positive("signalBurst", options.signalBurst ?? SIGNALING_DEFAULTS.signalBurst),
  };
  const targets = new TargetLimiter({
    ratePerSecond: positive(
      "targetSignalsPerSecond",
      options.targetSignalsPerSecond ?? SIGNALING_DEFAULTS.targetSignalsPerSecond,
    ),
    burst: positive("targetSignalBurst", options.targetSignalBurst ?? SIGNALING_DEFAULTS.targetSignalBurst),
  });
  const policy = {
    secret: options.secret,
    maxPeersPerRoom: positive("maxPeersPerRoom", options.maxPeersPerRoom ?? SIGNALING_DEFAULTS.maxPeersPerRoom),
    maxClients: positive("maxClients", options.maxClients ?? SIGNALING_DEFAULTS.maxClients),
  };
  if (options.secret !== undefined && options.secret.length === 0) {
    throw new TypeError("signaling server: secret must not be empty");
  }
  const origins = options.corsOrigins === undefined ? undefined : new Set(options.corsOrigins);
  const startedAt = Date.now();

  const httpServer = createServer((request, response) => handleHttp(request, response));
  const io: SignalingIo = new Server(httpServer, {
    transports: ["websocket"],
    serveClient: false,
    pingInterval: PING_INTERVAL_MS,
    pingTimeout: PING_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // A frame larger than this closes the connection at the engine level; below it, an oversized signal gets a
    // `payload-too-large` answer. The margin covers the event envelope and JSON escaping.
    maxHttpBufferSize: maxSignalBytes * 4 + 16 * 1024,
    allowRequest: (request, callback) => {
      const origin = request.headers.origin;
      const allowed = origins === undefined || origin === undefined || origins.has(origin);
      if (!allowed) logger.info("origin refused", { origin });
      callback(allowed ? null : "origin not allowed", allowed);
    },
  });
  const directory = new RoomDirectory(io);
  io.use(createAdmission(policy, directory, logger));
  io.on("connection", (socket) => startPeerSession(io, socket, directory, limits, logger, targets));

  function handleHttp(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? "").split("?")[0];
    if (request.method === "GET" && path === "/health") {
      const body = JSON.stringify({
        status: "ok",
        rooms: directory.localRooms,
        clients: io.of("/").sockets.size,
        uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
      });
      response.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      response.end(body);
      return;
    }
    response.writeHead(404, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: "not found" }));
  }

  let redis: RedisScaleOut | undefined;
  let closing: Promise<void> | undefined;

  async function listen(): Promise<{ port: number; host: string }> {
    if (options.redisUrl !== undefined) {
      redis = await connectRedisOnDemand(options.redisUrl, logger);
      io.adapter(redis.adapter);
    }
    try {
      await new Promise<void>((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(options.port ?? SIGNALING_DEFAULTS.port, options.host ?? SIGNALING_DEFAULTS.host, () => {
          httpServer.off("error", reject);
          resolve();
        });
      });
    } catch (error) {
      // The port is taken (or the host invalid): release Redis so that the caller can exit or retry.
      await redis?.close();
      throw error;
    }
    const address = httpServer.address() as AddressInfo;
    logger.info("listening", { host: address.address, port: address.port, redis: redis !== undefined });
    return { port: address.port, host: address.address };
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      await io.close();
      if (redis !== undefined) await redis.close();
      logger.info("closed");
    })();
    return closing;
  }

  return { listen, close, httpServer, io };
}
