import { expect } from "vitest";
import type { Hamok } from "../../src/hamok.js";
import type { HamokMessage } from "../../src/messages/hamok-message.js";
import { closeAll, eventually, joinAll, makePeers } from "../hamok/helpers.js";

/**
 * A live 3-peer cluster on a MemoryHub for the fuzz properties: messages are injected straight into
 * `accept()`, and afterwards the cluster must still be one cluster that works.
 */

/** The real members. Anything else in a configuration was written by an attacker. */
export const MEMBERS = ["p1", "p2", "p3"] as const;

export interface LiveCluster {
  readonly peers: readonly Hamok[];
  readonly clusterId: string;
  /** Every message the peers sent while the cluster formed and took a few writes (structured clones). */
  readonly genuine: readonly HamokMessage[];
  /** Errors the peers reported on `error`. */
  readonly errors: unknown[];
  /** Events the app's emitter listeners received (every peer subscribes to `ping` of emitter "fuzz-e"). */
  readonly heard: unknown[];
  close(): Promise<void>;
}

/** Form a cluster, write a little through every kind of path, and record the traffic. */
export async function startCluster(seed: number): Promise<LiveCluster> {
  const { hub, peers } = makePeers(3, {}, { cloneMessages: true, seed });
  const genuine: HamokMessage[] = [];
  const errors: unknown[] = [];
  for (const peer of peers) {
    peer.on("message", (message) => genuine.push(structuredClone(message)));
    peer.on("error", (error) => errors.push(error));
  }
  await joinAll(hub, peers);
  const maps = peers.map((peer) => peer.createMap<string, number>({ mapId: "fuzz" }));
  const heard: unknown[] = [];
  const emitters = peers.map((peer) => peer.createEmitter<{ ping: [n: number] }>({ emitterId: "fuzz-e" }));
  for (const emitter of emitters) await emitter.subscribe("ping", (n) => heard.push(n));
  await Promise.all(maps.map((map, i) => map.set(`seed-${i}`, i)));
  await Promise.all(peers.map((peer) => peer.sync()));
  await Promise.all(peers.map((peer) => peer.waitUntilCommitHead()));
  await emitters[0]!.publish("ping", 1);
  const clusterId = peers[0]!.raft.clusterId!;
  heard.length = 0;
  return { peers, clusterId, genuine, errors, heard, close: () => closeAll(peers) };
}

/**
 * After the attack: exactly one leader all agree on, a write from every peer commits, every peer converges to
 * the same map, and the configuration holds only the real members.
 */
export async function expectHealthy(cluster: LiveCluster, round: number): Promise<void> {
  const { peers } = cluster;
  await eventually(
    () => {
      const leaders = peers.filter((peer) => peer.leader);
      return leaders.length === 1 && peers.every((peer) => peer.raft.leaderId === leaders[0]!.localPeerId);
    },
    10_000,
    "one leader that every peer knows",
  );
  const maps = peers.map((peer) => peer.getOrCreateMap<string, number>({ mapId: "fuzz" }));
  await Promise.all(maps.map((map, i) => map.set(`after-${round}-${i}`, round)));
  await Promise.all(peers.map((peer) => peer.sync()));
  const contents = maps.map((map) => JSON.stringify([...map.entries()]));
  expect(new Set(contents).size).toBe(1);
  for (let i = 0; i < peers.length; i++) expect(maps[0]!.get(`after-${round}-${i}`)).toBe(round);
  for (const peer of peers) {
    expect([...peer.raft.voters, ...peer.raft.learners].sort()).toEqual([...MEMBERS]);
    expect(peer.raft.clusterId).toBe(cluster.clusterId);
  }
}

/** Collects unhandled rejections and uncaught exceptions while `run` runs. */
export async function withoutStrayErrors(run: () => Promise<void>): Promise<unknown[]> {
  const stray: unknown[] = [];
  const onRejection = (reason: unknown) => stray.push(reason);
  const onException = (error: unknown) => stray.push(error);
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  try {
    await run();
    // A rejection is reported after the microtask queue drains.
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
  }
  return stray;
}

/** Every path to a value inside a plain message (arrays and plain objects only). */
export function pathsOf(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(prefix);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) pathsOf(value[i], [...prefix, i], out);
  } else if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    for (const key of Object.keys(value)) pathsOf((value as Record<string, unknown>)[key], [...prefix, key], out);
  }
  return out;
}

/** A copy of `message` with the value at `path` replaced (or deleted when `replacement` is the DELETE marker). */
export function replaceAt(message: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(message) as Record<string | number, unknown>;
  let node = copy;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (replacement === DELETE) delete node[last];
  else node[last] = replacement;
  return copy;
}

/** Marker for {@link replaceAt}: remove the field. */
export const DELETE = Symbol("delete");
