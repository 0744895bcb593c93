/**
 * The page side of `bench/storage-browser.ts`: bundled with the storage by
 * Vite and run inside Chromium.
 */
import { Hamok } from "../src/hamok";
import { createIndexedDbRaftLogs, deleteIndexedDbRaftLogs, type IndexedDbDurability } from "../src/storage/indexeddb";
import { MemoryHub } from "../src/transport/memory-hub";

/** One measured configuration. */
export interface StorageBenchRow {
  readonly durability: IndexedDbDurability;
  readonly entriesPerSave: number;
  readonly saves: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly savesPerSecond: number;
  readonly entriesPerSecond: number;
}

const WARMUP_SAVES = 20;
const PAYLOAD = "x".repeat(100);

/** Every configuration against a fresh database, one save awaited at a time (as the runtime does per Ready). */
export async function measureStorage(saves: number): Promise<StorageBenchRow[]> {
  const rows: StorageBenchRow[] = [];
  for (const entriesPerSave of [1, 100]) {
    for (const durability of ["relaxed", "strict", "default"] as const) {
      rows.push(await measureOne(durability, entriesPerSave, saves));
    }
  }
  return rows;
}

async function measureOne(
  durability: IndexedDbDurability,
  entriesPerSave: number,
  saves: number,
): Promise<StorageBenchRow> {
  const room = `bench-${durability}-${entriesPerSave}`;
  await deleteIndexedDbRaftLogs({ room, peerId: "p1" });
  const logs = createIndexedDbRaftLogs({ room, peerId: "p1", durability });
  await logs.load();
  const latencies: number[] = [];
  let index = 1;
  let startedAt = 0;
  for (let i = 0; i < saves + WARMUP_SAVES; i++) {
    if (i === WARMUP_SAVES) startedAt = performance.now();
    const entries = [];
    for (let k = 0; k < entriesPerSave; k++, index++) {
      entries.push({ term: 1, index, type: "normal" as const, data: { key: `key-${index % 64}`, value: PAYLOAD } });
    }
    const before = performance.now();
    await logs.save({ entries, hardState: { term: 1, vote: "p1", commit: index - 1 } });
    if (i >= WARMUP_SAVES) latencies.push(performance.now() - before);
  }
  const seconds = (performance.now() - startedAt) / 1000;
  await logs.close();
  await deleteIndexedDbRaftLogs({ room, peerId: "p1" });
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    durability,
    entriesPerSave,
    saves,
    p50Ms: quantile(0.5),
    p99Ms: quantile(0.99),
    savesPerSecond: saves / seconds,
    entriesPerSecond: (saves * entriesPerSave) / seconds,
  };
}

/** One measured cluster configuration. */
export interface ClusterBenchRow {
  readonly storage: "memory" | IndexedDbDurability;
  readonly writes: number;
  readonly concurrency: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly writesPerSecond: number;
}

/**
 * Three Hamok peers in one page on a MemoryHub, each persisting to its own
 * database; `writes` map writes through a follower, `concurrency` in flight.
 */
export async function measureCluster(writes: number, concurrency: number): Promise<ClusterBenchRow[]> {
  const rows: ClusterBenchRow[] = [];
  for (const storage of ["memory", "relaxed", "strict"] as const) {
    rows.push(await measureClusterOnce(storage, writes, concurrency));
  }
  return rows;
}

async function measureClusterOnce(
  storage: "memory" | IndexedDbDurability,
  writes: number,
  concurrency: number,
): Promise<ClusterBenchRow> {
  const room = `bench-cluster-${storage}`;
  const ids = ["p1", "p2", "p3"];
  await Promise.all(ids.map((peerId) => deleteIndexedDbRaftLogs({ room, peerId })));
  const hub = new MemoryHub({ cloneMessages: true });
  const peers = ids.map(
    (peerId, i) =>
      new Hamok({
        peerId,
        seed: i + 1,
        heartbeatInMs: 20,
        followerMaxIdleInMs: 200,
        ...(storage === "memory" ? {} : { raftLogs: createIndexedDbRaftLogs({ room, peerId, durability: storage }) }),
      }),
  );
  await Promise.all(peers.map((peer) => peer.join({ transport: hub.transport() })));
  const maps = peers.map((peer) => peer.createMap<string, string>({ mapId: "bench" }));
  const writer = maps[peers.findIndex((peer) => !peer.leader)]!;
  const latencies: number[] = [];
  let next = 0;
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < writes) {
        const i = next++;
        const before = performance.now();
        await writer.set(`key-${i % 64}`, PAYLOAD);
        latencies.push(performance.now() - before);
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  await Promise.all(peers.map((peer) => peer.close()));
  await Promise.all(ids.map((peerId) => deleteIndexedDbRaftLogs({ room, peerId })));
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    storage,
    writes,
    concurrency,
    p50Ms: quantile(0.5),
    p99Ms: quantile(0.99),
    writesPerSecond: writes / seconds,
  };
}
