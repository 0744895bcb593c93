/**
 * The library on a bare page: one Hamok peer per tab with its IndexedDB persistence, over WebRTC (through the
 * project's signaling server) or over the zero-configuration BroadcastChannel transport, and one map. No
 * rendering, no demo: what these functions time is hamok itself.
 */
import { Hamok } from "../../src/hamok.js";
import type { HamokMap, HamokMessage } from "../../src/index.js";
import { createIndexedDbRaftLogs, deleteIndexedDbRaftLogs } from "../../src/storage/indexeddb/index.js";
import type { RaftLogs } from "../../src/storage/raft-logs.js";
import { webrtcTransport } from "../../src/transport/webrtc/index.js";
import { type LatencySummary, summarise } from "./stats.js";

/** How a bench tab's peer is built. */
export interface BenchPeerOptions {
  readonly peerId: string;
  readonly room: string;
  readonly durability: "relaxed" | "strict";
  /** `webrtc` needs `signalUrl`; `zero-config` is `join()` without a transport (BroadcastChannel). */
  readonly transport: "webrtc" | "zero-config";
  readonly signalUrl?: string;
  /** Record a timeline of sends, receives and saves (see {@link traceEvents}). Default false. */
  readonly trace?: boolean;
}

/** One event of a traced peer, at `performance.timeOrigin + performance.now()` (comparable across tabs). */
export interface TraceEvent {
  readonly at: number;
  readonly peerId: string;
  readonly what: string;
}

/** What the Node side reads to find the leader and the learners. */
export interface BenchPeerState {
  readonly peerId: string;
  readonly state: string;
  readonly leaderId: string | undefined;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
  readonly appliedIndex: number;
}

/** The value written: the shape of the demo's task, so the bare page and the demo write the same bytes. */
interface BenchTask {
  readonly text: string;
  readonly done: boolean;
  readonly author: string;
  readonly createdAt: number;
}

let peer: Hamok | undefined;
let trace: TraceEvent[] | undefined;

function record(peerId: string, what: string): void {
  trace?.push({ at: performance.timeOrigin + performance.now(), peerId, what });
}

function describeMessage(message: HamokMessage): string {
  if (message.type !== "raft") return message.type;
  const raft = message.raft;
  const entries = raft.entries?.length ? ` ${raft.entries.length} entries` : "";
  return `${raft.type} to ${raft.to} index ${raft.index ?? "-"}${entries} commit ${raft.commit ?? "-"}`;
}

/** Wrap `logs` so every save is recorded when it starts and when it is durable. */
function tracedLogs(logs: RaftLogs, peerId: string): RaftLogs {
  const save = logs.save.bind(logs);
  logs.save = async (batch) => {
    const what = `${batch.entries?.length ?? 0} entries${batch.hardState ? ` commit ${batch.hardState.commit}` : ""}`;
    record(peerId, `save start: ${what}`);
    await save(batch);
    record(peerId, `save done: ${what}`);
  };
  return logs;
}
let map: HamokMap<string, BenchTask> | undefined;

function joined(): { peer: Hamok; map: HamokMap<string, BenchTask> } {
  if (peer === undefined || map === undefined) throw new Error("startPeer first");
  return { peer, map };
}

/** Build this tab's peer on a fresh database and join the room. */
export async function startPeer(options: BenchPeerOptions): Promise<void> {
  const { peerId, room, durability } = options;
  await deleteIndexedDbRaftLogs({ room, peerId });
  trace = options.trace === true ? [] : undefined;
  const hamok =
    trace === undefined
      ? new Hamok({ peerId, persistence: { type: "indexeddb", room, durability } })
      : new Hamok({ peerId, raftLogs: tracedLogs(createIndexedDbRaftLogs({ room, peerId, durability }), peerId) });
  peer = hamok;
  if (trace !== undefined) hamok.on("message", (message) => record(peerId, `send ${describeMessage(message)}`));
  map = hamok.createMap<string, BenchTask>({ mapId: "bench" });
  if (options.transport === "webrtc") {
    if (options.signalUrl === undefined) throw new Error("webrtc needs signalUrl");
    const transport = webrtcTransport<HamokMessage>({ url: options.signalUrl, room });
    if (trace !== undefined) transport.on("message", (message) => record(peerId, `recv ${describeMessage(message)}`));
    await hamok.join({ transport });
  } else {
    await hamok.join();
  }
}

/** This tab's view of the cluster. */
export function peerState(): BenchPeerState {
  const { peer: hamok } = joined();
  const raft = hamok.raft;
  return {
    peerId: hamok.localPeerId,
    state: raft.state,
    leaderId: raft.leaderId,
    voters: [...raft.voters],
    learners: [...raft.learners],
    appliedIndex: raft.appliedIndex,
  };
}

function task(prefix: string, i: number, author: string): BenchTask {
  return { text: `${prefix} ${i}`, done: false, author, createdAt: i };
}

/** Sequential writes from this tab: each resolves once committed and applied here. */
export async function writeLatencies(prefix: string, count: number, warmUp: number): Promise<LatencySummary> {
  const { peer: hamok, map: tasks } = joined();
  const samples: number[] = [];
  for (let i = 0; i < count + warmUp; i++) {
    const started = performance.now();
    await tasks.set(`${prefix}-${i}`, task(prefix, i, hamok.localPeerId));
    if (i >= warmUp) samples.push(performance.now() - started);
  }
  return summarise(samples);
}

/** `count` writes from this tab, `inFlight` outstanding at any time; resolves with the elapsed ms. */
export async function throughput(prefix: string, count: number, inFlight: number): Promise<number> {
  const { peer: hamok, map: tasks } = joined();
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await tasks.set(`${prefix}-${i}`, task(prefix, i, hamok.localPeerId));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return performance.now() - started;
}

/** `count` sequential writes, each marked in the trace; returns the events recorded since tracing began. */
export async function tracedWrites(count: number): Promise<TraceEvent[]> {
  const { peer: hamok, map: tasks } = joined();
  for (let i = 0; i < count; i++) {
    record(hamok.localPeerId, `write ${i} start`);
    await tasks.set(`traced-${i}`, task("traced", i, hamok.localPeerId));
    record(hamok.localPeerId, `write ${i} done`);
  }
  return trace ?? [];
}

/** The events recorded in this tab so far. */
export function traceEvents(): TraceEvent[] {
  return trace ?? [];
}

/** Close this tab's peer (its database stays; the next run starts from a fresh one). */
export async function stopPeer(): Promise<void> {
  await peer?.close();
  peer = undefined;
  map = undefined;
}
