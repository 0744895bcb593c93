import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HamokError } from "../../src/errors.js";
import { isPlainRecord } from "../../src/messages/plain-data.js";
import { type BroadcastChannelTransport, broadcastChannelTransport } from "../../src/transport/broadcast-channel.js";
import { anyValue, checkAsync, prototypesSnapshot } from "./fuzz-settings.js";

/**
 * A same-origin script posting anything on a room's BroadcastChannel: the transport never throws, reports
 * what it drops as a typed error, hands on only plain messages from the peer they claim to come from, and
 * keeps delivering honest traffic (per-sender FIFO: an honest message posted last arrives last).
 */

type Msg = { sourceId: string; body?: unknown };

const ROOM = `fuzz-bc-${process.pid}`;
let victim: BroadcastChannelTransport<Msg>;
let intruder: BroadcastChannel;
const received: Msg[] = [];
const errors: unknown[] = [];

beforeAll(async () => {
  victim = broadcastChannelTransport<Msg>({ room: ROOM, presenceMs: 20, heartbeatMs: 1000, maxMessageBytes: 4096 });
  victim.on("message", (message) => received.push(message));
  victim.on("error", (error) => errors.push(error));
  await victim.open("victim");
  intruder = new BroadcastChannel(`hamok:${ROOM}`);
});
afterAll(async () => {
  intruder.close();
  await victim.close();
});

function post(value: unknown): void {
  try {
    intruder.postMessage(value);
  } catch {
    // Not structured-cloneable (a function inside): a real script could not post it either.
  }
}

describe("fuzz: BroadcastChannel transport", () => {
  it("drops anything malformed with a typed error and keeps delivering honest messages", async () => {
    const before = prototypesSnapshot();
    const envelope = fc.oneof(
      anyValue(),
      fc.record({ t: fc.constantFrom("hello", "here", "beat", "bye", "msg", "x"), from: anyValue(), m: anyValue() }),
      fc.record({
        t: fc.constant("msg"),
        from: fc.constant("x"),
        m: fc.record({ sourceId: anyValue(), body: anyValue() }),
      }),
    );
    let round = 0;
    await checkAsync(
      fc.asyncProperty(fc.array(envelope, { maxLength: 10 }), async (batch) => {
        round++;
        received.length = 0;
        errors.length = 0;
        for (const value of batch) post(value);
        const sentinel = `sentinel-${round}`;
        post({ t: "msg", from: "honest", m: { sourceId: "honest", body: sentinel } });
        const deadline = Date.now() + 2000;
        while (!received.some((m) => m.body === sentinel)) {
          if (Date.now() > deadline) throw new Error("the honest message did not arrive");
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        for (const message of received) {
          expect(isPlainRecord(message)).toBe(true);
          expect(typeof message.sourceId).toBe("string");
        }
        for (const error of errors) {
          expect(error).toBeInstanceOf(HamokError);
          expect(["InvalidMessage", "PayloadTooLarge"]).toContain((error as HamokError).code);
        }
      }),
      60,
      true,
    );
    expect(prototypesSnapshot()).toBe(before);
    expect(victim.members().size).toBeLessThanOrEqual(1024);
  });
});
