import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HamokMessage } from "../../src/messages/hamok-message.js";
import { validateHamokMessage } from "../../src/messages/validate.js";
import { decodeValue, encodeValue } from "../../src/messages/value-codec.js";
import { defaultSizeOf } from "../../src/raft/size.js";
import { anyValue, check, prototypesSnapshot } from "./fuzz-settings.js";
import { DELETE, type LiveCluster, pathsOf, replaceAt, startCluster } from "./live-cluster.js";

/**
 * Validation against random values and mutations of real traffic: it never throws, never reads through a
 * prototype it did not check, and whatever it accepts the binary codec carries unchanged (so a message that
 * arrives on a BroadcastChannel can always be forwarded over WebRTC).
 */

const LIMITS = { maxMessageBytes: 64 * 1024 };
let cluster: LiveCluster;
let genuine: readonly HamokMessage[] = [];

beforeAll(async () => {
  cluster = await startCluster(7);
  genuine = cluster.genuine;
});
afterAll(async () => cluster.close());

/** A genuine message with one to three fields replaced by anything (or removed). */
function mutatedGenuine(): fc.Arbitrary<unknown> {
  const edit = fc.tuple(fc.nat(), fc.oneof(anyValue(), fc.constant(DELETE)));
  return fc.tuple(fc.nat(genuine.length - 1), fc.array(edit, { minLength: 1, maxLength: 3 })).map(([which, edits]) => {
    let message: unknown = genuine[which];
    for (const [at, replacement] of edits) {
      const paths = pathsOf(message).filter((path) => path.length > 0);
      if (paths.length === 0) break;
      message = replaceAt(message, paths[at % paths.length]!, replacement);
    }
    return message;
  });
}

describe("fuzz: validateHamokMessage", () => {
  it("accepts every genuine message", () => {
    expect(genuine.length).toBeGreaterThan(20);
    for (const message of genuine) expect(validateHamokMessage(message, LIMITS)).toMatchObject({ ok: true });
  });

  it("never throws on anything, and what it accepts round-trips through the binary codec and validates again", () => {
    const before = prototypesSnapshot();
    check(
      fc.property(fc.oneof(anyValue(), mutatedGenuine()), (value) => {
        const verdict = validateHamokMessage(value, LIMITS);
        if (!verdict.ok) {
          expect(["InvalidMessage", "PayloadTooLarge"]).toContain(verdict.code);
          return;
        }
        const copy = decodeValue(encodeValue(value));
        expect(copy).toEqual(value);
        expect(validateHamokMessage(copy, LIMITS).ok).toBe(true);
        expect(Number.isFinite(defaultSizeOf(value))).toBe(true);
      }),
      2000,
    );
    expect(prototypesSnapshot()).toBe(before);
  });
});
