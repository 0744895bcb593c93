import { Hamok } from "../../src/hamok";
import { createSeededRandom } from "../../src/raft/random";
import type { HamokConstructorConfig } from "../../src/runtime/peer/config";
import { MemoryHub, type MemoryHubOptions } from "../../src/transport/memory-hub";

/** Fast timings for tests: 10 ms ticks, elections after 100 to 200 ms of silence. */
export const FAST: Partial<HamokConstructorConfig> = {
  heartbeatInMs: 10,
  followerMaxIdleInMs: 200,
  electionTimeoutInMs: 500,
  requestTimeoutInMs: 2000,
};

/** A hub and `count` peers named p1..pN, not yet joined. */
export function makePeers(
  count: number,
  config: Partial<HamokConstructorConfig> = {},
  hubOptions: MemoryHubOptions = {},
): { hub: MemoryHub; peers: Hamok[] } {
  const hub = new MemoryHub({ cloneMessages: true, ...hubOptions });
  const peers = Array.from(
    { length: count },
    (_, i) => new Hamok({ ...FAST, peerId: `p${i + 1}`, seed: i + 1, ...config }),
  );
  return { hub, peers };
}

/** Join every peer to the hub at once. */
export async function joinAll(hub: MemoryHub, peers: readonly Hamok[]): Promise<void> {
  await Promise.all(peers.map((peer) => peer.join({ transport: hub.transport() })));
}

/** What `promise` rejected with, or the string "resolved" if it resolved (for asserting on the rejection). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    return error;
  }
}

/** Poll until `check()` holds (or fail after `timeoutInMs`). */
export async function eventually(check: () => boolean, timeoutInMs = 5000, what = "condition"): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutInMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The single leader among `peers` (throws if there is not exactly one that all agree on). */
export function leaderOf(peers: readonly Hamok[]): Hamok {
  const leaders = peers.filter((peer) => peer.leader);
  if (leaders.length !== 1) throw new Error(`expected one leader, found ${leaders.length}`);
  return leaders[0]!;
}

/** Close every peer. */
export async function closeAll(peers: readonly Hamok[]): Promise<void> {
  await Promise.all(peers.map((peer) => peer.close()));
}

/** Faults of {@link wireBroadcast}. */
export interface BroadcastFaults {
  readonly seed?: number;
  readonly dropRate?: number;
  readonly duplicateRate?: number;
  readonly maxDelayInMs?: number;
}

/**
 * The manual's own pattern: every `message` of a peer handed to every other peer's `accept()`
 * (no transport object), here with seeded loss, duplication and delay (so reordering).
 */
export function wireBroadcast(peers: readonly Hamok[], faults: BroadcastFaults = {}): void {
  const random = createSeededRandom(faults.seed ?? 1);
  const deliver = (to: Hamok, message: unknown) => {
    const copy = structuredClone(message);
    const delay = (faults.maxDelayInMs ?? 0) * random();
    if (delay <= 0) queueMicrotask(() => to.accept(copy));
    else setTimeout(() => to.accept(copy), delay);
  };
  for (const from of peers) {
    from.on("message", (message) => {
      for (const to of peers) {
        if (to === from || to.closed) continue;
        if (random() < (faults.dropRate ?? 0)) continue;
        deliver(to, message);
        if (random() < (faults.duplicateRate ?? 0)) deliver(to, message);
      }
    });
  }
}
