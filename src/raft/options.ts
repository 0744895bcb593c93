import { defaultSizeOf } from "./size.js";
import type { RaftConfig, Random } from "./types.js";

/** {@link RaftConfig} with every default filled in. */
export interface RaftOptions {
  readonly random: Random;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxInflightMessages: number;
  readonly maxMessageBytes: number;
  readonly maxUncommittedEntries: number;
  readonly snapshotChunkBytes: number;
  readonly sizeOf: (data: unknown) => number;
  readonly asyncStorageWrites: boolean;
}

export function resolveOptions(config: RaftConfig): RaftOptions {
  const electionTicks = Math.max(2, Math.floor(config.electionTicks));
  return {
    random: config.random,
    electionTicks,
    // Heartbeats must come more often than election timeouts, or followers would campaign.
    heartbeatTicks: Math.max(1, Math.min(Math.floor(config.heartbeatTicks), electionTicks - 1)),
    preVote: config.preVote ?? true,
    checkQuorum: config.checkQuorum ?? true,
    maxInflightMessages: Math.max(1, config.maxInflightMessages ?? 64),
    maxMessageBytes: Math.max(1, config.maxMessageBytes ?? 256 * 1024),
    maxUncommittedEntries: Math.max(1, config.maxUncommittedEntries ?? 10_000),
    snapshotChunkBytes: Math.max(1, config.snapshotChunkBytes ?? 64 * 1024),
    sizeOf: config.sizeOf ?? defaultSizeOf,
    asyncStorageWrites: config.asyncStorageWrites ?? false,
  };
}
