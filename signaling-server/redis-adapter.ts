import { createAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";
import type { SignalingLogger } from "./logger";

/**
 * Scale-out through Redis with `@socket.io/redis-streams-adapter` (node-redis v5 client).
 *
 * Why the streams adapter and not `@socket.io/redis-adapter` (plain PUB/SUB): broadcasts (`peer-joined`,
 * `peer-left`, relayed signals) travel through a Redis stream that each instance reads from its last offset, so
 * when Redis restarts or a connection drops, an instance resumes reading instead of silently losing what was
 * published meanwhile; with PUB/SUB those notices would be lost and a room's members would disagree about who is
 * there. Requests and responses (`fetchSockets`, used for membership) still use PUB/SUB, which is fine: they are
 * retried by their caller.
 */

/** Stream entries kept in Redis: relayed signals pass through the stream, so this bounds its memory (entries × 64 KiB). */
const STREAM_MAX_LEN = 2_000;
/** How long `close()` waits for queued Redis commands before dropping them. */
const CLOSE_TIMEOUT_MS = 1_000;
/** The longest wait between two reconnection attempts to Redis. */
const RECONNECT_MAX_DELAY_MS = 2_000;
/** Stream and channel names, so that the signaling server can share a Redis with other socket.io apps. */
const KEY_PREFIX = "hamok-signaling";

/*
 * The adapter sends PUB/SUB messages (and subscribes) without handling the returned promise, so a command in
 * flight when Redis goes away becomes an unhandled rejection, which terminates Node. Commands called on the
 * client (and its duplicates) through this proxy get a handler that logs the failure; the adapter's own timeouts
 * then turn the lost message into a failed membership query, which the server handles.
 */
const FIRE_AND_FORGET = new Set(["publish", "sPublish", "subscribe", "sSubscribe", "PUBLISH", "SPUBLISH"]);

function guarded<T extends object>(client: T, logger: SignalingLogger): T {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      if (property === "duplicate") {
        return (...args: unknown[]) => guarded(value.apply(target, args) as object, logger);
      }
      if (typeof property === "string" && FIRE_AND_FORGET.has(property)) {
        return (...args: unknown[]) => {
          const result: unknown = value.apply(target, args);
          if (result instanceof Promise) {
            result.catch((error: unknown) =>
              logger.warn("redis command failed", { command: property, error: String(error) }),
            );
          }
          return result;
        };
      }
      return value.bind(target);
    },
  });
}

/** A connected Redis client and the socket.io adapter factory built on it. */
export interface RedisScaleOut {
  adapter: ReturnType<typeof createAdapter>;
  /**
   * Closes the client after its pending commands (at most about a second). The adapter's own connections close with
   * the socket.io server.
   */
  close(): Promise<void>;
}

/** Connects to `url` and creates the streams adapter. Rejects when Redis cannot be reached at start. */
export async function connectRedisScaleOut(url: string, logger: SignalingLogger): Promise<RedisScaleOut> {
  let connected = false;
  const client = createClient({
    url,
    socket: {
      // At start a wrong or unreachable REDIS_URL fails `listen()` at once instead of retrying forever; once
      // connected, node-redis reconnects with backoff (duplicates made by the adapter share this strategy).
      reconnectStrategy: (retries: number, cause: Error) =>
        connected ? Math.min(50 * 2 ** retries, RECONNECT_MAX_DELAY_MS) : cause,
    },
  });
  // Without an 'error' listener a Redis restart would crash the process; node-redis reconnects by itself.
  client.on("error", (error: unknown) => logger.warn("redis connection error", { error: String(error) }));
  await client.connect();
  connected = true;
  const adapter = createAdapter(guarded(client, logger), {
    streamName: KEY_PREFIX,
    channelPrefix: KEY_PREFIX,
    maxLen: STREAM_MAX_LEN,
  });
  const close = async () => {
    if (!client.isReady) {
      // Redis is unreachable: queued commands would never drain, so drop them and stop reconnecting.
      client.destroy();
      return;
    }
    // close() waits for queued commands; if Redis dies meanwhile they never drain, so give up after a while.
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), CLOSE_TIMEOUT_MS);
    });
    const outcome = await Promise.race([client.close().then(() => "closed" as const), gaveUp]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      logger.warn("redis did not answer; dropping its queued commands");
      try {
        // Rejects the queued commands; it then throws because close() already marked the client closed.
        client.destroy();
      } catch {
        // The client is closed already, which is what we want.
      }
    }
  };
  return { adapter, close };
}
