import { type HamokClock, realClock } from "../../clock.js";
import { HamokError } from "../../errors.js";
import { DeferredRaftLogs } from "../../storage/deferred-raft-logs.js";
import type { IndexedDbDurability } from "../../storage/indexeddb/indexeddb-raft-logs.js";
import { MemoryRaftLogs } from "../../storage/memory-raft-logs.js";
import type { RaftLogs } from "../../storage/raft-logs.js";
import { validateConfig } from "./validate-config.js";

/**
 * Hamok's configuration: what the user may pass, its defaults, and how the
 * timing options map onto the tick-based Raft core.
 */

/**
 * Where Raft state is kept when no `raftLogs` is given: `memory` (the default) or one
 * IndexedDB database per room and peer id (`hamok/<room>/<peerId>`), which lets a reloaded
 * tab restart from its own log. Give the peer a stable id (`acquirePeerId`) with IndexedDB,
 * or every page opens a new database. The IndexedDB code is loaded (a separate chunk in a
 * bundled app) and the database opened when the peer joins.
 */
export type HamokPersistence =
  | { readonly type: "memory" }
  | {
      readonly type: "indexeddb";
      /** The cluster's name; with the peer id it names the database. */
      readonly room: string;
      /** Transaction durability. Default `relaxed` (see `DEFAULT_DURABILITY`). */
      readonly durability?: IndexedDbDurability;
      /** The IndexedDB factory. Default `globalThis.indexedDB`. */
      readonly indexedDB?: IDBFactory;
    };

/** Options of `new Hamok(config)`. Every field is optional. */
export interface HamokConstructorConfig<AppData extends Record<string, unknown> = Record<string, unknown>> {
  /** The peer's id in the cluster. Default: a UUID v4. */
  peerId: string;
  /**
   * How long a peer that has joined may go without a leader before it gives up on its
   * current view and runs discovery again (event `rejoining`); also the default timeout
   * of `waitUntilLeader()`. Default 3000.
   */
  electionTimeoutInMs: number;
  /**
   * The longest a follower waits without hearing from the leader before it campaigns. Each
   * election draws its timeout in [followerMaxIdleInMs / 2, followerMaxIdleInMs) (Raft §5.2
   * randomisation; the core's E is half this, in ticks). Default 1000.
   */
  followerMaxIdleInMs: number;
  /** The tick: the leader's heartbeat period and the resolution of every timer. Default 100. */
  heartbeatInMs: number;
  /** A learner that never votes, campaigns or leads. Default false. */
  onlyFollower: boolean;
  /**
   * Minimum time in ms an entry stays in the log after a snapshot covers it: a snapshot
   * captured when the log reached `snapshotThresholdEntries` is used for compaction only
   * once it is this old. 0 compacts as soon as the snapshot exists. Default 0.
   */
  logEntriesExpirationTimeInMs: number;
  /** Where Raft hard state, entries and snapshots are persisted (closed by `hamok.close()`). Default: a new `MemoryRaftLogs`. */
  raftLogs: RaftLogs;
  /**
   * Selects the built-in storage when `raftLogs` is not given (both together are refused).
   * Default `{ type: "memory" }`.
   */
  persistence: HamokPersistence;
  /** Stop (`stopped` event) once the cluster has no other member left. Default false. */
  autoStopOnNoRemotePeers: boolean;
  /** Free application data, exposed as `hamok.appData`. Default `{}`. */
  appData: AppData;
  /** The leader promotes learners to voters up to this many voters. Default 5. */
  maxVoters: number;
  /** Applied requests (entries; a batched entry counts each request) after the last snapshot that trigger a new one. Default 10000. */
  snapshotThresholdEntries: number;
  /** Default timeout of submitted requests and read barriers, in ms. Default 5000. */
  requestTimeoutInMs: number;
  /** Uncommitted proposals the leader accepts before refusing with `TooManyProposals`. Default 10000. */
  maxUncommittedEntries: number;
  /** Largest inbound message accepted, in bytes (estimated); also caps one command. Default 1 MiB. */
  maxMessageBytes: number;
  /**
   * The leader removes a member it has not heard from for this long (ms); 0 never removes
   * for silence (only when the transport says the peer left). Default 0.
   */
  removeUnreachableAfterMs: number;
  /** Seed of the PRNG for election jitter. Default: random. */
  seed: number;
  /**
   * Every timer and time reading of this peer (ticks, request and barrier deadlines, discovery rounds,
   * rejoin and leave patience). Default `realClock`; a test or simulation passes a virtual clock.
   */
  clock: HamokClock;
}

/** The resolved configuration, as exposed by `hamok.config`. */
export type HamokConfig<AppData extends Record<string, unknown> = Record<string, unknown>> = Readonly<
  HamokConstructorConfig<AppData>
>;

/** Fill in defaults and check ranges. Throws `InvalidArgument` on a nonsensical value. */
export function resolveConfig<AppData extends Record<string, unknown>>(
  provided: Partial<HamokConstructorConfig<AppData>> = {},
): HamokConfig<AppData> {
  validateConfig(provided);
  if (provided.raftLogs !== undefined && provided.persistence !== undefined) {
    throw new HamokError("InvalidArgument", "give either raftLogs or persistence, not both");
  }
  const peerId = provided.peerId ?? crypto.randomUUID();
  const persistence = provided.persistence ?? { type: "memory" };
  const config: HamokConstructorConfig<AppData> = {
    peerId,
    electionTimeoutInMs: provided.electionTimeoutInMs ?? 3000,
    followerMaxIdleInMs: provided.followerMaxIdleInMs ?? 1000,
    heartbeatInMs: provided.heartbeatInMs ?? 100,
    onlyFollower: provided.onlyFollower ?? false,
    logEntriesExpirationTimeInMs: provided.logEntriesExpirationTimeInMs ?? 0,
    raftLogs: provided.raftLogs ?? builtInRaftLogs(persistence, peerId),
    persistence,
    autoStopOnNoRemotePeers: provided.autoStopOnNoRemotePeers ?? false,
    appData: provided.appData ?? ({} as AppData),
    maxVoters: provided.maxVoters ?? 5,
    snapshotThresholdEntries: provided.snapshotThresholdEntries ?? 10_000,
    requestTimeoutInMs: provided.requestTimeoutInMs ?? 5000,
    maxUncommittedEntries: provided.maxUncommittedEntries ?? 10_000,
    maxMessageBytes: provided.maxMessageBytes ?? 1024 * 1024,
    removeUnreachableAfterMs: provided.removeUnreachableAfterMs ?? 0,
    seed: provided.seed ?? Math.floor(Math.random() * 2 ** 32),
    clock: provided.clock ?? realClock,
  };
  if (typeof config.peerId !== "string" || config.peerId.length === 0 || config.peerId.length > 256) {
    throw new HamokError("InvalidArgument", "peerId must be a non-empty string of at most 256 characters");
  }
  timer(config, "heartbeatInMs");
  timer(config, "electionTimeoutInMs");
  timer(config, "requestTimeoutInMs");
  timer(config, "followerMaxIdleInMs");
  positive(config, "maxVoters");
  positive(config, "snapshotThresholdEntries");
  positive(config, "maxUncommittedEntries");
  if (config.maxMessageBytes < 1024) throw new HamokError("InvalidArgument", "maxMessageBytes must be >= 1024");
  if (config.followerMaxIdleInMs < 2 * config.heartbeatInMs) {
    throw new HamokError("InvalidArgument", "followerMaxIdleInMs must be at least twice heartbeatInMs");
  }
  if (!(config.logEntriesExpirationTimeInMs >= 0) || !(config.removeUnreachableAfterMs >= 0)) {
    throw new HamokError("InvalidArgument", "expiration and removal times must be >= 0");
  }
  return Object.freeze(config);
}

function builtInRaftLogs(persistence: HamokPersistence, peerId: string): RaftLogs {
  if (persistence.type === "memory") return new MemoryRaftLogs();
  if (persistence.type !== "indexeddb" || typeof persistence.room !== "string" || persistence.room.length === 0) {
    throw new HamokError("InvalidArgument", "persistence must be { type: 'memory' } or { type: 'indexeddb', room }");
  }
  // Checked here, not when the store is created in join(), so that `new Hamok()` refuses a runtime without
  // IndexedDB at once.
  if ((persistence.indexedDB ?? globalThis.indexedDB) === undefined) {
    throw new HamokError("InvalidArgument", "IndexedDB is not available here");
  }
  const options = {
    room: persistence.room,
    peerId,
    ...(persistence.durability === undefined ? {} : { durability: persistence.durability }),
    ...(persistence.indexedDB === undefined ? {} : { indexedDB: persistence.indexedDB }),
  };
  // Loaded when the peer joins (its first storage call), so an app that never persists to IndexedDB never
  // loads the IndexedDB code or `idb`.
  return new DeferredRaftLogs(async () => {
    const { createIndexedDbRaftLogs } = await import("../../storage/indexeddb/indexeddb-raft-logs.js");
    return createIndexedDbRaftLogs(options);
  }, "IndexedDB storage");
}

/**
 * A timer option: at least 1 ms (platform timers turn a fraction below it into 1 ms). Its type and upper bound
 * are checked before, by `validateConfig` (InvalidConfig).
 */
function timer(config: HamokConstructorConfig<Record<string, unknown>>, key: keyof HamokConstructorConfig): void {
  const value = config[key];
  if (typeof value !== "number" || !Number.isFinite(value) || value < 1) {
    throw new HamokError(
      "InvalidArgument",
      `${key} must be a finite number of milliseconds >= 1, got ${String(value)}`,
    );
  }
}

function positive(config: HamokConstructorConfig<Record<string, unknown>>, key: keyof HamokConstructorConfig): void {
  const value = config[key];
  if (typeof value !== "number" || !(value > 0)) throw new HamokError("InvalidArgument", `${key} must be > 0`);
}

/** Ticks of the core derived from the millisecond options. */
export interface TickPlan {
  readonly tickInMs: number;
  readonly heartbeatTicks: number;
  readonly electionTicks: number;
  /** 0 = never. */
  readonly removeUnreachableAfterTicks: number;
}

/** One tick per heartbeat; half the follower idle time, in ticks, is the core's E (timeouts fall in [E, 2E)). */
export function tickPlan(config: HamokConfig<Record<string, unknown>>): TickPlan {
  const tickInMs = config.heartbeatInMs;
  return {
    tickInMs,
    heartbeatTicks: 1,
    electionTicks: Math.max(2, Math.round(config.followerMaxIdleInMs / 2 / tickInMs)),
    removeUnreachableAfterTicks:
      config.removeUnreachableAfterMs === 0 ? 0 : Math.max(1, Math.ceil(config.removeUnreachableAfterMs / tickInMs)),
  };
}
