import { parseArgs } from "node:util";
import { isLogLevel, type LogLevel } from "./logger";
import type { SignalingServerOptions } from "./server";

/** Command-line usage of `hamok-signal` (`npm run signal --` in the repository). */
export const USAGE = `Usage: hamok-signal [options]
       hamok-signal token --room <room> [--ttl <seconds>] [--secret <secret>]
(in the repository: npm run signal -- [options])

Options (flag, then environment variable; flags win):
  --port <n>                PORT                 TCP port (default 8787; 0 = any free port)
  --host <addr>             HOST                 interface to bind (default 127.0.0.1)
  --cors <o1,o2>            CORS_ORIGINS         browser origins allowed to connect (default any)
  --secret <s>              SIGNALING_SECRET     require room tokens signed with this secret (prefer the env var)
  --max-peers-per-room <n>  MAX_PEERS_PER_ROOM   default 64
  --max-clients <n>         MAX_CLIENTS          default 10000
  --max-signal-bytes <n>    MAX_SIGNAL_BYTES     default 65536
  --signals-per-second <n>  SIGNALS_PER_SECOND   default 100
  --signal-burst <n>        SIGNAL_BURST         default 200
  --redis-url <url>         REDIS_URL            share rooms with other instances through Redis
  --log-level <level>       LOG_LEVEL            debug | info | warn | error (default info)

The token command prints a room token (for scripts and demos; apps issue tokens from their backend).`;

/** What `main.ts` runs. */
export type SignalingCommand =
  | { kind: "help" }
  | { kind: "serve"; options: Omit<SignalingServerOptions, "logger">; logLevel: LogLevel }
  | { kind: "token"; secret: string; room: string; ttlSeconds: number };

const FLAGS = {
  help: { type: "boolean" },
  port: { type: "string" },
  host: { type: "string" },
  cors: { type: "string" },
  secret: { type: "string" },
  "max-peers-per-room": { type: "string" },
  "max-clients": { type: "string" },
  "max-signal-bytes": { type: "string" },
  "signals-per-second": { type: "string" },
  "signal-burst": { type: "string" },
  "redis-url": { type: "string" },
  "log-level": { type: "string" },
  room: { type: "string" },
  ttl: { type: "string" },
} as const;

function integer(name: string, value: string, minimum: number): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < minimum) {
    throw new Error(`${name} must be an integer >= ${minimum}, got "${value}"`);
  }
  return parsed;
}

/** Reads flags (`argv` without node and the script) and environment variables. Throws with a readable message. */
export function parseSignalingCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): SignalingCommand {
  const { values, positionals } = parseArgs({ args: [...argv], options: FLAGS, allowPositionals: true, strict: true });
  if (values.help === true) return { kind: "help" };
  const pick = (flag: keyof typeof FLAGS, variable: string): string | undefined => {
    const value = (values[flag] as string | undefined) ?? env[variable];
    return value === undefined || value === "" ? undefined : value;
  };
  const secret = pick("secret", "SIGNALING_SECRET");
  if (positionals[0] === "token") {
    const room = values.room;
    if (secret === undefined) throw new Error("token: --secret or SIGNALING_SECRET is required");
    if (room === undefined) throw new Error("token: --room is required");
    return { kind: "token", secret, room, ttlSeconds: integer("--ttl", values.ttl ?? "3600", 1) };
  }
  if (positionals.length > 0) throw new Error(`unknown command "${positionals[0]}"`);

  const options: Omit<SignalingServerOptions, "logger"> = {};
  const numeric: Array<[keyof typeof FLAGS, string, keyof SignalingServerOptions, number]> = [
    ["port", "PORT", "port", 0],
    ["max-peers-per-room", "MAX_PEERS_PER_ROOM", "maxPeersPerRoom", 1],
    ["max-clients", "MAX_CLIENTS", "maxClients", 1],
    ["max-signal-bytes", "MAX_SIGNAL_BYTES", "maxSignalBytes", 1],
    ["signals-per-second", "SIGNALS_PER_SECOND", "signalsPerSecond", 1],
    ["signal-burst", "SIGNAL_BURST", "signalBurst", 1],
  ];
  for (const [flag, variable, option, minimum] of numeric) {
    const raw = pick(flag, variable);
    if (raw !== undefined) Object.assign(options, { [option]: integer(`--${flag}`, raw, minimum) });
  }
  const host = pick("host", "HOST");
  if (host !== undefined) options.host = host;
  const cors = pick("cors", "CORS_ORIGINS");
  if (cors !== undefined && cors.trim() !== "*") {
    options.corsOrigins = cors
      .split(",")
      .map((origin) => origin.trim())
      .filter((origin) => origin.length > 0);
  }
  if (secret !== undefined) options.secret = secret;
  const redisUrl = pick("redis-url", "REDIS_URL");
  if (redisUrl !== undefined) options.redisUrl = redisUrl;
  const logLevel = pick("log-level", "LOG_LEVEL") ?? "info";
  if (!isLogLevel(logLevel)) throw new Error(`--log-level must be debug, info, warn or error, got "${logLevel}"`);
  return { kind: "serve", options, logLevel };
}
