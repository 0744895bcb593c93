/**
 * What makes hamok's messages expensive to structured-clone (what BroadcastChannel and `postMessage` do to every
 * message between tabs, and `MemoryHub`'s `cloneMessages`): the appends of 10,000 pipelined sets are recorded
 * from a live 3-peer cluster, then cloned as they are (each batch packed into one `Uint8Array`) and in the
 * object shapes entries had before (unpacked: one object per command), so the table shows which part of the
 * shape costs what (and what reshaping, e.g. encoding, costs once per message).
 *
 *   npx tsx bench/clone-cost.ts
 */

import type { StorageCommand } from "../src/collections/contract";
import { Hamok } from "../src/hamok";
import type { HamokMessage } from "../src/messages/hamok-message";
import { encodeValue } from "../src/messages/value-codec";
import { packRequests, unpackRequests } from "../src/runtime/replicated/packed-requests";
import { MemoryHub } from "../src/transport/memory-hub";

const WRITES = 10_000;
const ROUNDS = 10;

type Reshape = (data: Record<string, unknown>) => unknown;

async function recordAppends(): Promise<HamokMessage[]> {
  const hub = new MemoryHub();
  const peers = Array.from({ length: 3 }, () => new Hamok());
  await Promise.all(peers.map((peer) => peer.join({ transport: hub.transport() })));
  const follower = peers.find((peer) => !peer.leader)!;
  const map = follower.createMap<string, number>({ mapId: "clone" });
  await map.set("warm", 0);
  const appends: HamokMessage[] = [];
  for (const peer of peers) {
    peer.on("message", (message) => {
      if (message.type === "raft" && message.raft.type === "append" && (message.raft.entries?.length ?? 0) > 0) {
        appends.push(message);
      }
    });
  }
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < WRITES; i++) writes.push(map.set(`key-${i}`, i));
  await Promise.all(writes);
  await Promise.all(peers.map((peer) => peer.close()));
  return appends;
}

/** `message` with `reshape` applied to each entry's data. */
function reshaped(message: HamokMessage, reshape: Reshape): HamokMessage {
  if (message.type !== "raft" || message.raft.type !== "append") return message;
  const entries = (message.raft.entries ?? []).map((entry) =>
    typeof entry.data === "object" && entry.data !== null
      ? { ...entry, data: reshape(entry.data as Record<string, unknown>) }
      : entry,
  );
  return { ...message, raft: { ...message.raft, entries } } as HamokMessage;
}

/** The entry data in the object shape the log used before packing: one object per command. */
function unpacked(data: Record<string, unknown>): unknown {
  return data instanceof Uint8Array ? (unpackRequests(data) ?? data) : data;
}

function commandsOf(data: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(data.commands) ? (data.commands as Record<string, unknown>[]) : [];
}

function cloneMs(messages: readonly unknown[]): number {
  for (const message of messages) structuredClone(message);
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) for (const message of messages) structuredClone(message);
  return (performance.now() - started) / ROUNDS;
}

async function main(): Promise<void> {
  const packed = await recordAppends();
  const appends = packed.map((message) => reshaped(message, unpacked));
  const commands = appends.reduce(
    (sum, message) =>
      sum +
      (message.type === "raft"
        ? (message.raft.entries ?? []).reduce(
            (n, entry) => n + commandsOf((entry.data ?? {}) as Record<string, unknown>).length,
            0,
          )
        : 0),
    0,
  );
  const shapes: [string, Reshape | undefined][] = [
    ["before: one object per command, key and value Uint8Arrays", undefined],
    [
      "key and value as strings (decoded)",
      (data) => ({
        ...data,
        commands: commandsOf(data).map((c) => {
          const args = c.args as { key?: Uint8Array; value?: Uint8Array };
          return { ...c, args: { key: String(args.key?.length), value: String(args.value?.length) } };
        }),
      }),
    ],
    [
      "commands without their Uint8Arrays (keys and values in two arrays)",
      (data) => ({
        ...data,
        commands: commandsOf(data).map(({ args, ...rest }) => rest),
        keys: commandsOf(data).map((c) => (c.args as { key?: Uint8Array }).key),
        values: commandsOf(data).map((c) => (c.args as { value?: Uint8Array }).value),
      }),
    ],
    [
      "the batch's commands in the value codec, one Uint8Array",
      (data) => {
        const { commands: list, ...rest } = data;
        return { ...rest, commands: encodeValue(list) };
      },
    ],
    ["the whole entry data in the value codec, one Uint8Array", (data) => encodeValue(data)],
    [
      "now: packed by packed-requests.ts, one Uint8Array (as sent)",
      (data) =>
        packRequests(
          data.sourcePeerId as string,
          data.session as string,
          data.seqs as number[],
          data.ackBelows as number[],
          commandsOf(data) as unknown as StorageCommand[],
        ),
    ],
  ];
  console.log(
    `structuredClone of the ${appends.length} appends (${commands.toLocaleString("en-US")} commands) of ${WRITES.toLocaleString("en-US")} pipelined sets, mean of ${ROUNDS} rounds\n`,
  );
  const width = Math.max(...shapes.map(([name]) => name.length));
  console.log(
    `${"entry data shape".padEnd(width)} | ${"clone ms".padStart(8)} | ns per command | x before  | reshape ms`,
  );
  console.log(`${"-".repeat(width)}-|----------|----------------|-----------|-----------`);
  let base = Number.NaN;
  for (const [name, reshape] of shapes) {
    // Once unmeasured, so the figure is the compiled encoder's.
    if (reshape !== undefined) appends.map((message) => reshaped(message, reshape));
    const reshapeStarted = performance.now();
    const messages = reshape === undefined ? appends : appends.map((message) => reshaped(message, reshape));
    const reshapeMs = performance.now() - reshapeStarted;
    const ms = cloneMs(messages);
    if (reshape === undefined) base = ms;
    printRow(name, ms, reshape === undefined ? "" : reshapeMs.toFixed(2));
  }

  function printRow(name: string, ms: number, reshapeMs: string): void {
    const perCommand = ((ms * 1e6) / Math.max(1, commands)).toFixed(0);
    console.log(
      `${name.padEnd(width)} | ${ms.toFixed(2).padStart(8)} | ${perCommand.padStart(14)} | ${(ms / base).toFixed(3).padStart(9)} | ${reshapeMs}`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
