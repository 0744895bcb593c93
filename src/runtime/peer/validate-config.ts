/**
 * Checks what an app passes to `new Hamok(config)` before any default is filled in: an unknown key (a typo such
 * as `electionTimeout`, which would otherwise be ignored in silence) or a value of the wrong type throws
 * `HamokError` code `InvalidConfig` naming the key, with the closest known key as a suggestion; a timer option
 * beyond what the platform's timers can represent throws too (Node and browsers turn a delay above 2^31 - 1 ms
 * into 1 ms, so `heartbeatInMs: 3e9` would heartbeat every millisecond). The lower bounds and the rules that
 * relate options to each other stay with `resolveConfig` (code `InvalidArgument`).
 */
import { HamokError } from "../../errors.js";
import type { HamokConstructorConfig } from "./config.js";

/** The longest delay `setTimeout`/`setInterval` honour: a signed 32-bit number of milliseconds. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

type Rule =
  | "string"
  | "boolean"
  | "timer"
  | "duration"
  | "number"
  | "object"
  | "raft-logs"
  | "page-lifecycle"
  | "stand-ins"
  | "clock";

/** Options the facade reads besides {@link HamokConstructorConfig} (page lifecycle; the injected clock). */
type FacadeOption = "pageLifecycle" | "standIns" | "clock";

const RULES: { readonly [Key in keyof HamokConstructorConfig | FacadeOption]: Rule } = {
  peerId: "string",
  electionTimeoutInMs: "timer",
  followerMaxIdleInMs: "timer",
  heartbeatInMs: "timer",
  onlyFollower: "boolean",
  logEntriesExpirationTimeInMs: "duration",
  raftLogs: "raft-logs",
  persistence: "object",
  autoStopOnNoRemotePeers: "boolean",
  appData: "object",
  maxVoters: "number",
  snapshotThresholdEntries: "number",
  requestTimeoutInMs: "timer",
  maxUncommittedEntries: "number",
  maxMessageBytes: "number",
  removeUnreachableAfterMs: "duration",
  seed: "number",
  pageLifecycle: "page-lifecycle",
  standIns: "stand-ins",
  clock: "clock",
};

const EXPECTED: { readonly [R in Rule]: string } = {
  string: "a string",
  boolean: "a boolean",
  timer: `a number of milliseconds (at most ${MAX_TIMER_MS})`,
  duration: `a number of milliseconds (at most ${MAX_TIMER_MS})`,
  number: "a number",
  object: "an object",
  "raft-logs": "a RaftLogs (an object with load, save, stats and close)",
  "page-lifecycle": "a boolean or { document, window }",
  "stand-ins": "a boolean or { room, transport }",
  clock: "a HamokClock (an object with now, setTimeout, clearTimeout, setInterval and clearInterval)",
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const hasMethods = (value: unknown, names: readonly string[]): boolean =>
  isObject(value) && names.every((name) => typeof value[name] === "function");

function fits(rule: Rule, value: unknown): boolean {
  switch (rule) {
    case "string":
    case "boolean":
    case "number":
      return typeof value === rule;
    case "timer":
    case "duration":
      // NaN and negative values are a number of the right type: resolveConfig refuses them by range.
      return typeof value === "number" && !(value > MAX_TIMER_MS);
    case "object":
      return isObject(value);
    case "raft-logs":
      return hasMethods(value, ["load", "save", "stats", "close"]);
    case "page-lifecycle":
      return typeof value === "boolean" || isObject(value);
    case "stand-ins":
      return (
        typeof value === "boolean" ||
        (isObject(value) && typeof value.room === "string" && typeof value.transport === "function")
      );
    case "clock":
      return hasMethods(value, ["now", "setTimeout", "clearTimeout", "setInterval", "clearInterval"]);
  }
}

/** Edit distance (insertions, deletions, substitutions), case-insensitive: typos and case slips count alike. */
function distance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= right.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (left[i - 1] === right[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

/** The known key closest to `key`, if one is close enough to be what was meant. */
function closestKey(key: string): string | undefined {
  let best: { key: string; cost: number } | undefined;
  for (const known of Object.keys(RULES)) {
    const lowered = known.toLowerCase();
    // A key missing only its unit (`electionTimeout`) or given with extra words is a prefix match.
    const prefix = lowered.startsWith(key.toLowerCase()) || key.toLowerCase().startsWith(lowered);
    // A key with a typo that also lacks its unit (`electionTimout`) is measured against the key without it.
    const stem = known.endsWith("InMs") ? known.slice(0, -"InMs".length) : undefined;
    const cost = Math.min(
      prefix && key.length >= 4 ? 1 : distance(key, known),
      stem === undefined ? Number.POSITIVE_INFINITY : distance(key, stem),
    );
    if (best === undefined || cost < best.cost) best = { key: known, cost };
  }
  return best !== undefined && best.cost <= Math.max(2, Math.floor(key.length / 3)) ? best.key : undefined;
}

/**
 * Throws `InvalidConfig` when `provided` (what was passed to `new Hamok()`) is not an object, has a key Hamok does
 * not know, or a value of the wrong type (see the module comment). An `undefined` value means "the default".
 */
export function validateConfig(provided: unknown): void {
  if (provided === undefined) return;
  if (!isObject(provided)) throw new HamokError("InvalidConfig", "the Hamok config must be an object");
  for (const [key, value] of Object.entries(provided)) {
    const rule = Object.hasOwn(RULES, key) ? RULES[key as keyof typeof RULES] : undefined;
    if (rule === undefined) {
      const suggestion = closestKey(key);
      throw new HamokError(
        "InvalidConfig",
        `unknown Hamok config key "${key}"${suggestion === undefined ? "" : `: did you mean ${suggestion}?`}`,
      );
    }
    if (value !== undefined && !fits(rule, value)) {
      const shown = typeof value === "number" || typeof value === "boolean" ? String(value) : typeof value;
      throw new HamokError("InvalidConfig", `Hamok config "${key}" must be ${EXPECTED[rule]}, got ${shown}`);
    }
  }
}
