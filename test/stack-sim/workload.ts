import type { HamokClock } from "../../src/clock.js";
import type { MapKeyInput, MapKeyOutput } from "../../src/testing/models.js";
import type { History } from "./history.js";
import type { SimPeer } from "./sim-peer.js";

/**
 * One client per peer incarnation, one operation at a time (as a user's code awaits each call):
 * map set/get/insert/updateIf/removeIf/delete, record set/insert/updateIf/delete/get, queue
 * push/pop, emitter publish. Reads are linearizable: `sync()` then the local `get()`, recorded
 * from before the barrier to after the read. Every written value is unique, so a write that
 * should not have applied (or applied twice) is recognised wherever it shows up.
 */

export const MAP_KEYS = ["a", "b", "c", "d"] as const;
export const RECORD_FIELDS = ["x", "y", "z"] as const;

/** What the workload needs from the run. */
export interface WorkloadHost {
  readonly random: () => number;
  readonly history: History;
  /** Publish id -> peer id -> how many times its listener received it. */
  readonly delivered: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Whether clients should still issue operations. */
  active(): boolean;
}

function pick<T>(random: () => number, xs: readonly T[]): T {
  return xs[Math.floor(random() * xs.length)]!;
}

/** The cluster a peer belongs to now (a peer that joined has one). */
export function clusterOf(peer: SimPeer): string {
  return peer.hamok.raft.clusterId ?? "none";
}

function sleep(clock: HamokClock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/**
 * Runs client number `index` of `peer` until the workload ends or the peer goes (a crashed peer's
 * sleep never ends). Several clients of one peer run concurrently, as several parts of one app do.
 */
export async function runClient(host: WorkloadHost, peer: SimPeer, index: number): Promise<void> {
  const clock = peer.hamok.config.clock;
  const client = index === 0 ? `${peer.id}#${peer.incarnation}` : `${peer.id}#${peer.incarnation}c${index}`;
  /** The last value this client saw per key: compare-and-set candidates that often succeed. */
  const seen = new Map<string, string>();
  let n = 0;
  while (host.active() && (peer.status === "up" || peer.status === "joining")) {
    await sleep(clock, 5 + Math.floor(host.random() * 60));
    if (!host.active() || peer.status !== "up") continue;
    const value = `${client}.${++n}`;
    const r = host.random();
    if (r < 0.5) await mapOperation(host, peer, client, value, seen, "m");
    else if (r < 0.7) await mapOperation(host, peer, client, value, seen, "r");
    else if (r < 0.95) await queueOperation(host, peer, client, value);
    else await publish(host, peer, value);
  }
}

async function mapOperation(
  host: WorkloadHost,
  peer: SimPeer,
  client: string,
  value: string,
  seen: Map<string, string>,
  collection: "m" | "r",
): Promise<void> {
  const { random, history } = host;
  const name = collection === "m" ? pick(random, MAP_KEYS) : pick(random, RECORD_FIELDS);
  const key = `${collection}:${name}`;
  const expected = seen.get(key) ?? value;
  const r = random();
  let input: MapKeyInput;
  if (r < 0.3) input = { op: "set", key, value };
  else if (r < 0.55) input = { op: "get", key };
  else if (r < 0.65) input = { op: "insert", key, value };
  else if (r < 0.8) input = { op: "updateIf", key, value, expected };
  else if (r < 0.9 && collection === "m") input = { op: "removeIf", key, expected };
  else input = { op: "delete", key };
  const id = history.called("map", client, input, clusterOf(peer));
  try {
    const output = await (collection === "m" ? onMap(peer, name, input) : onRecord(peer, name, input));
    if (typeof output === "string") seen.set(key, output);
    if (input.op === "set" || (input.op === "updateIf" && output === true)) seen.set(key, value);
    if (input.op === "insert" && output === undefined) seen.set(key, value);
    history.returned(id, output);
  } catch (error) {
    if (input.op === "get") history.abandon(id);
    else history.failed(id, error);
  }
}

async function onMap(peer: SimPeer, key: string, input: MapKeyInput): Promise<MapKeyOutput> {
  const { map } = peer;
  switch (input.op) {
    case "set":
      return map.set(key, String(input.value));
    case "get":
      await map.sync();
      return map.get(key);
    case "insert":
      return map.insert(key, String(input.value));
    case "updateIf":
      return map.updateIf(key, String(input.value), String(input.expected));
    case "removeIf":
      return map.removeIf(key, String(input.expected));
    case "delete":
      return map.delete(key);
  }
}

async function onRecord(peer: SimPeer, field: string, input: MapKeyInput): Promise<MapKeyOutput> {
  const { record } = peer;
  switch (input.op) {
    case "set":
      return record.set(field, String(input.value));
    case "get":
      await record.sync();
      return record.get(field);
    case "insert":
      return record.insert(field, String(input.value));
    case "updateIf":
      return record.updateIf(field, String(input.value), String(input.expected));
    case "delete":
      return record.delete(field);
    case "removeIf":
      throw new Error("a record has no removeIf");
  }
}

async function queueOperation(host: WorkloadHost, peer: SimPeer, client: string, value: string): Promise<void> {
  const { history } = host;
  if (host.random() < 0.55) {
    const id = history.called("queue", client, { op: "push", items: [value] }, clusterOf(peer));
    try {
      await peer.queue.push(value);
      history.returned(id, undefined);
    } catch (error) {
      history.failed(id, error);
    }
    return;
  }
  const id = history.called("queue", client, { op: "pop" }, clusterOf(peer));
  try {
    history.returned(id, await peer.queue.pop());
  } catch (error) {
    history.failed(id, error);
  }
}

async function publish(host: WorkloadHost, peer: SimPeer, publishId: string): Promise<void> {
  try {
    const receivers = await peer.emitter.publish("ev", publishId);
    host.history.trace(`published ${publishId} to ${receivers.join(",")}`);
    // An acknowledgement means delivered: a listener of that peer ran with this event.
    for (const receiver of receivers) {
      if (!host.delivered.get(publishId)?.has(receiver)) {
        host.history.violation(`publish ${publishId} reported ${receiver} as a receiver, which never received it`);
      }
    }
  } catch (error) {
    host.history.trace(`publish ${publishId} failed: ${String(error)}`);
  }
}
