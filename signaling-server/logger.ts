/**
 * Structured logging: one JSON object per line (`time`, `level`, `msg`, then fields). The server never passes
 * tokens or signal payloads as fields; only ids, counts, codes and reasons.
 */

/** Log levels, most verbose first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Fields attached to a log line. */
export type LogFields = Record<string, string | number | boolean | undefined>;

/** The logger the server writes to. Any object with these four methods works (pino and bunyan fit). */
export interface SignalingLogger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Whether `value` names a log level. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === "string" && Object.hasOwn(LEVEL_RANK, value);
}

/** Options of {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /** Lines below this level are dropped; default `info`. */
  level?: LogLevel;
  /** Where a line goes; default `process.stdout`. */
  write?: (line: string) => void;
  /** The clock; default `() => new Date()`. */
  now?: () => Date;
}

/** A logger that writes one JSON object per line. */
export function createJsonLogger(options: JsonLoggerOptions = {}): SignalingLogger {
  const minimum = LEVEL_RANK[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const now = options.now ?? (() => new Date());
  const log = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (LEVEL_RANK[level] < minimum) return;
    write(`${JSON.stringify({ time: now().toISOString(), level, msg, ...fields })}\n`);
  };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

/** A logger that drops everything (the default of `createSignalingServer`, so embedding apps stay quiet). */
export const silentLogger: SignalingLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
