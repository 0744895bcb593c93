/**
 * WebRTC cluster benchmark: 3 Hamok peers in one Node process, connected over real `@roamhq/wrtc` data
 * channels introduced by the real signaling server, default Hamok options.
 *
 *   npx tsx bench/webrtc-cluster.ts            (re-runs itself inside a private network namespace)
 *
 * Prints the commit latency (p50/p99) of sequential `map.set` calls from a follower, the throughput of pipelined
 * sets from a follower, the cold start (three `join()` until the first write commits) and, as the floor to
 * compare with, the round trip of a small message between two transports over one data channel. WebRTC needs a
 * non-loopback interface for ICE host candidates, so everything (signaling server and peers) runs inside the
 * namespace of `scripts/netns.sh`; no packet leaves this machine. The three peers share one event loop (and
 * the machine's 2 cores), so the numbers include the CPU time of all three.
 */
import wrtc from "@roamhq/wrtc";
import { createSignalingServer } from "../signaling-server/server";
import { Hamok } from "../src/hamok";
import type { HamokMessage } from "../src/messages/hamok-message";
import { type WebRtcTransport, webrtcTransport } from "../src/transport/webrtc/index";
import { type BenchRow, NAMESPACE_ADDRESS, runInNamespace } from "./namespace-bench";

/** The namespace's veth address (see `scripts/netns.sh`): the signaling server binds it. */
const HOST = NAMESPACE_ADDRESS;
const LATENCY_WARM_UP = 200;
const LATENCY_WRITES = 2_000;
const THROUGHPUT_WRITES = 10_000;
const THROUGHPUT_IN_FLIGHT = 256;
const PING_WARM_UP = 200;
const PING_ROUNDS = 2_000;
/** The whole run is bounded: a stuck step ends the benchmark with an error instead of hanging it. */
const RUN_TIMEOUT_MS = 180_000;

type Row = BenchRow;

interface Cluster {
  readonly peers: readonly Hamok[];
  readonly coldStartMs: number;
}

/** The small message of the round-trip floor: routed like a Hamok message, opaque otherwise. */
interface Ping {
  readonly sourceId: string;
  readonly destinationId: string;
  readonly seq: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function follower(peers: readonly Hamok[]): Hamok {
  const found = peers.find((peer) => !peer.leader);
  if (found === undefined) throw new Error("no follower in the cluster");
  return found;
}

/** Three peers join at once (the room list makes one bootstrap), then a follower's first write commits. */
async function startCluster(url: string): Promise<Cluster> {
  const started = performance.now();
  const peers = ["w1", "w2", "w3"].map((peerId) => new Hamok({ peerId }));
  await Promise.all(
    peers.map((peer) => peer.join({ transport: webrtcTransport<HamokMessage>({ url, room: "bench", wrtc }) })),
  );
  await follower(peers).createMap<string, number>({ mapId: "cold" }).set("first", 1);
  return { peers, coldStartMs: performance.now() - started };
}

/** Sequential sets from a follower: each is forwarded to the leader, committed by a quorum, applied here. */
async function latency(peers: readonly Hamok[]): Promise<{ p50: number; p99: number }> {
  const map = follower(peers).createMap<string, number>({ mapId: "latency" });
  for (let i = 0; i < LATENCY_WARM_UP; i++) await map.set(`k${i % 100}`, i);
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_WRITES; i++) {
    const t0 = performance.now();
    await map.set(`k${i % 100}`, i);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** `count` sets from a follower with at most `inFlight` outstanding at any time. */
async function pipelined(
  peers: readonly Hamok[],
  mapId: string,
  count: number,
): Promise<{ rate: number; cpuMs: number }> {
  const map = follower(peers).createMap<string, number>({ mapId });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await map.set(`k${i}`, i);
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: THROUGHPUT_IN_FLIGHT }, worker));
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { rate: count / (elapsed / 1000), cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Round trips of a small message between two bare transports of another room: the physical floor. */
async function pingPong(url: string): Promise<{ p50: number; p99: number }> {
  const a: WebRtcTransport<Ping> = webrtcTransport<Ping>({ url, room: "floor", wrtc });
  const b: WebRtcTransport<Ping> = webrtcTransport<Ping>({ url, room: "floor", wrtc });
  await a.open("pa");
  await b.open("pb");
  b.on("message", (m) => b.send({ sourceId: "pb", destinationId: m.sourceId, seq: m.seq }));
  let waiting: ((seq: number) => void) | undefined;
  a.on("message", (m) => waiting?.(m.seq));
  const roundTrip = (seq: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const timer = setTimeout(() => reject(new Error(`ping ${seq} got no answer`)), 5_000);
      waiting = (got) => {
        if (got !== seq) return;
        clearTimeout(timer);
        resolve(performance.now() - t0);
      };
      a.send({ sourceId: "pa", destinationId: "pb", seq });
    });
  const samples: number[] = [];
  try {
    for (let seq = 0; seq < PING_WARM_UP + PING_ROUNDS; seq++) {
      const ms = await roundTrip(seq);
      if (seq >= PING_WARM_UP) samples.push(ms);
    }
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
  samples.sort((x, y) => x - y);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function run(): Promise<Row[]> {
  const server = createSignalingServer({ host: HOST, port: 0 });
  const { port } = await server.listen();
  const url = `http://${HOST}:${port}`;
  try {
    const floor = await pingPong(url);
    const { peers, coldStartMs } = await startCluster(url);
    try {
      const { p50, p99 } = await latency(peers);
      // One unmeasured round first, so the JIT has compiled the pipelined path.
      await pipelined(peers, "warm-up", 2_000);
      const { rate, cpuMs } = await pipelined(peers, "throughput", THROUGHPUT_WRITES);
      return [
        { name: "data-channel round trip (small message), p50", value: floor.p50, unit: "ms" },
        { name: "data-channel round trip (small message), p99", value: floor.p99, unit: "ms" },
        { name: "set latency from a follower, p50", value: p50, unit: "ms" },
        { name: "set latency from a follower, p99", value: p99, unit: "ms" },
        {
          name: `pipelined sets from a follower (10,000; ${THROUGHPUT_IN_FLIGHT} in flight)`,
          value: rate,
          unit: "sets/s",
        },
        { name: "  CPU time of those sets, 3 peers", value: cpuMs, unit: "ms" },
        { name: "cold start: 3 x join() + first write", value: coldStartMs, unit: "ms" },
      ];
    } finally {
      await Promise.all(peers.map((peer) => peer.close()));
    }
  } finally {
    await server.close();
  }
}

runInNamespace(
  import.meta.url,
  "hamok WebRTC cluster benchmark: 3 Node peers in one process, @roamhq/wrtc data channels,\n" +
    "signaling server in a private network namespace, default Hamok options\ncommand: npx tsx bench/webrtc-cluster.ts",
  run,
  RUN_TIMEOUT_MS,
);
