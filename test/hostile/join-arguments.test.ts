import { afterEach, describe, expect, it } from "vitest";
import { HamokError } from "../../src/errors";
import { Hamok } from "../../src/hamok";
import { rejection } from "../hamok/helpers";

/** Issue 13 item 7: malformed transports and out-of-range timer options fail with a clear HamokError. */

const made: Hamok[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((peer) => peer.close()));
});

function peer(config: Record<string, unknown> = {}): Hamok {
  const hamok = new Hamok({ peerId: `p${made.length + 1}`, ...config });
  made.push(hamok);
  return hamok;
}

describe("join() with a malformed transport", () => {
  it.each([
    ["an empty object", {}],
    ["open that is not a function", { open: 1, send: () => {}, on: () => {}, off: () => {}, close: async () => {} }],
    ["no send", { open: async () => [], on: () => {}, off: () => {}, close: async () => {} }],
    ["a string", "ws://example"],
  ])("rejects %s with a HamokError", async (_name, transport) => {
    const error = await rejection(peer().join({ transport } as never));
    expect(error).toBeInstanceOf(HamokError);
    expect(["InvalidArgument", "InvalidConfig"]).toContain((error as HamokError).code);
    expect((error as HamokError).message).toMatch(/transport/);
  });
});

describe("join() with a malformed argument", () => {
  it.each([
    ["null", null],
    ["a string", "transport"],
  ])("rejects %s with InvalidArgument instead of throwing a TypeError", async (_name, params) => {
    const error = await rejection(peer().join(params as never));
    expect(error).toBeInstanceOf(HamokError);
    expect((error as HamokError).code).toBe("InvalidArgument");
  });
});

/**
 * Timer options must be at least 1 ms: platform timers silently turn a fraction below it into 1 ms. Types,
 * infinity and the upper bound (2^31 - 1 ms, what platform timers represent) are the config validation's
 * (InvalidConfig, src/runtime/peer/validate-config.ts).
 */
describe("timer options below 1 ms", () => {
  it.each([
    ["heartbeatInMs", 0.5],
    ["electionTimeoutInMs", 0.9],
    ["followerMaxIdleInMs", 0.5],
    ["requestTimeoutInMs", 0.25],
  ])("refuses %s = %s", (name, value) => {
    let error: unknown;
    try {
      peer({ [name]: value });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(HamokError);
    expect((error as HamokError).code).toBe("InvalidArgument");
    expect((error as HamokError).message).toContain(name);
  });
});
