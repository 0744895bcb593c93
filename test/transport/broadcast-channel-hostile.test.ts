import { afterEach, describe, expect, it } from "vitest";
import type { HamokError } from "../../src/errors.js";
import { type BroadcastChannelTransport, broadcastChannelTransport } from "../../src/transport/broadcast-channel.js";

/** A same-origin script posting on the room's channel: what reaches the transport's listeners. */

type Msg = { sourceId: string; destinationId?: string; body: unknown };

const open: BroadcastChannelTransport<Msg>[] = [];
const rawChannels: BroadcastChannel[] = [];
let roomCounter = 0;

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
  for (const channel of rawChannels.splice(0)) channel.close();
});

async function openVictim(maxMessageBytes?: number) {
  const room = `hostile-${process.pid}-${roomCounter++}`;
  const transport = broadcastChannelTransport<Msg>({
    room,
    presenceMs: 50,
    heartbeatMs: 20,
    ...(maxMessageBytes === undefined ? {} : { maxMessageBytes }),
  });
  open.push(transport);
  const log = { messages: [] as Msg[], joined: [] as string[], errors: [] as HamokError[] };
  transport.on("message", (m) => log.messages.push(m));
  transport.on("peer-joined", (p) => log.joined.push(p));
  transport.on("error", (e) => log.errors.push(e as HamokError));
  await transport.open("victim");
  const intruder = new BroadcastChannel(`hamok:${room}`);
  rawChannels.push(intruder);
  return { transport, log, intruder };
}

async function until(predicate: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("BroadcastChannel transport under hostile posts", () => {
  it("drops a message over maxMessageBytes with PayloadTooLarge before handing it on", async () => {
    const { log, intruder } = await openVictim(4096);
    intruder.postMessage({ t: "msg", from: "x", m: { sourceId: "x", body: "y".repeat(10_000) } });
    intruder.postMessage({ t: "msg", from: "x", m: { sourceId: "x", body: Array.from({ length: 1000 }, () => []) } });
    intruder.postMessage({ t: "msg", from: "x", m: { sourceId: "x", body: "small" } });
    await until(() => log.messages.length === 1);
    expect(log.messages.map((m) => m.body)).toEqual(["small"]);
    expect(log.errors.map((e) => e.code)).toEqual(["PayloadTooLarge", "PayloadTooLarge"]);
  });

  it("drops a message addressed to another peer without reading it (no error for what is not ours)", async () => {
    const { log, intruder } = await openVictim(4096);
    intruder.postMessage({
      t: "msg",
      from: "x",
      m: { sourceId: "x", destinationId: "other", body: "y".repeat(10_000) },
    });
    intruder.postMessage({ t: "msg", from: "x", m: { sourceId: "x", destinationId: "victim", body: "mine" } });
    await until(() => log.messages.length === 1);
    expect(log.messages.map((m) => m.body)).toEqual(["mine"]);
    expect(log.errors).toEqual([]);
  });

  it("reads a batch of messages in order, checking each, and drops a malformed batch with an error", async () => {
    const { log, intruder } = await openVictim(4096);
    intruder.postMessage({ t: "msgs", from: "x", m: "not a list" });
    intruder.postMessage({ t: "msgs", from: "x", m: Array.from({ length: 5000 }, () => ({ sourceId: "x", body: 1 })) });
    intruder.postMessage({
      t: "msgs",
      from: "x",
      m: [
        { sourceId: "x", body: "a" },
        { sourceId: "spoofed", body: "b" },
        { sourceId: "x", body: "y".repeat(10_000) },
        { sourceId: "x", body: "c" },
      ],
    });
    await until(() => log.messages.length === 2);
    expect(log.messages.map((m) => m.body)).toEqual(["a", "c"]);
    expect(log.errors.map((e) => e.code)).toEqual([
      "InvalidMessage",
      "InvalidMessage",
      "InvalidMessage",
      "PayloadTooLarge",
    ]);
  });

  it("drops envelopes and messages of the wrong kind: huge ids, unknown types, non-plain data", async () => {
    const { log, intruder } = await openVictim();
    intruder.postMessage({ t: "beat", from: "z".repeat(10_000) });
    intruder.postMessage({ t: "gossip", from: "x" });
    intruder.postMessage({ t: "msg", from: "x", to: 42, m: { sourceId: "x", body: 1 } });
    intruder.postMessage({ t: "msg", from: "x", m: { sourceId: "x", body: new Error("not plain data") } });
    intruder.postMessage({ t: "msg", from: "x", m: { sourceId: "x", body: "ok" } });
    await until(() => log.messages.length === 1);
    expect(log.messages.map((m) => m.body)).toEqual(["ok"]);
    expect(log.errors.map((e) => e.code)).toEqual([
      "InvalidMessage",
      "InvalidMessage",
      "InvalidMessage",
      "InvalidMessage",
    ]);
    expect(log.joined).toEqual(["x"]);
  });

  it("tracks a bounded number of peers however many ids a script invents", async () => {
    const { transport, intruder } = await openVictim();
    for (let i = 0; i < 1500; i++) intruder.postMessage({ t: "beat", from: `fake-${i}` });
    intruder.postMessage({ t: "beat", from: "last" });
    await new Promise((r) => setTimeout(r, 200));
    expect(transport.members().size).toBe(1024);
  });
});
