import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HamokError } from "../../src/errors.js";
import { ChunkAssembler } from "../../src/messages/chunk-assembler.js";
import { FrameDecoder, FrameEncoder } from "../../src/messages/codec.js";
import { chunkFrame, FRAME_VERSION, FrameKind, parseFrame } from "../../src/messages/frame.js";
import { decodeValue, encodeValue } from "../../src/messages/value-codec.js";
import { createSignalCipher } from "../../src/transport/webrtc/signal-cipher.js";
import { check, checkAsync, codecValue, prototypesSnapshot } from "./fuzz-settings.js";

/**
 * Every decoder of remote input, fed random bytes and mutated valid encodings: it fails only with its typed
 * error, never allocates far beyond its input, and pollutes no prototype.
 */

const TYPED = new Set(["InvalidMessage", "PayloadTooLarge"]);

/** What a decoder threw, as a string: a typed code, or the foreign error that must never happen. */
function outcome(run: () => unknown): string {
  try {
    run();
    return "ok";
  } catch (error) {
    if (error instanceof HamokError && TYPED.has(error.code)) return error.code;
    return `foreign: ${String(error)}`;
  }
}

/**
 * An estimate of what a decoded value holds in memory, independent of the decoder's own accounting:
 * 64 bytes per container, 16 per other value, plus string and byte contents. Returns also the node count.
 */
function footprint(value: unknown, seen = { nodes: 0, bytes: 0 }): { nodes: number; bytes: number } {
  seen.nodes++;
  if (typeof value === "string") seen.bytes += 16 + value.length * 2;
  else if (value instanceof Uint8Array) seen.bytes += 64 + value.length;
  else if (Array.isArray(value)) {
    seen.bytes += 64 + 8 * value.length;
    for (const item of value) footprint(item, seen);
  } else if (value instanceof Map) {
    seen.bytes += 64;
    for (const [k, v] of value) footprint(v, footprint(k, seen));
  } else if (value instanceof Set) {
    seen.bytes += 64;
    for (const item of value) footprint(item, seen);
  } else if (typeof value === "object" && value !== null && !(value instanceof Date)) {
    seen.bytes += 64;
    for (const key of Object.keys(value)) footprint((value as Record<string, unknown>)[key], footprint(key, seen));
  } else seen.bytes += 16;
  return seen;
}

/** A valid encoding with a few bytes changed, inserted, removed or the end cut off. */
function mutated(base: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      base,
      fc.array(
        fc.record({ kind: fc.constantFrom("set", "insert", "delete", "cut"), at: fc.nat(), byte: fc.nat(255) }),
        { minLength: 1, maxLength: 4 },
      ),
    )
    .map(([bytes, edits]) => {
      let out = Array.from(bytes);
      for (const edit of edits) {
        const at = out.length === 0 ? 0 : edit.at % out.length;
        if (edit.kind === "set") out[at] = edit.byte;
        else if (edit.kind === "insert") out.splice(at, 0, edit.byte);
        else if (edit.kind === "delete") out.splice(at, 1);
        else out = out.slice(0, at);
      }
      return Uint8Array.from(out);
    });
}

const encoded = codecValue().map((value) => encodeValue(value));

describe("fuzz: value codec", () => {
  it("round-trips every value it can encode", () => {
    check(
      fc.property(codecValue(), (value) => {
        expect(decodeValue(encodeValue(value))).toEqual(value);
      }),
      300,
    );
  });

  it("fails only with its typed error on random bytes and mutated encodings, within a bounded footprint", () => {
    const before = prototypesSnapshot();
    check(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 256 }), mutated(encoded)), (bytes) => {
        let value: unknown;
        const result = outcome(() => {
          value = decodeValue(bytes);
        });
        expect(result).not.toMatch(/^foreign/);
        if (result === "ok") {
          const { nodes, bytes: held } = footprint(value);
          // Every value costs at least one tag byte of input; memory stays within a fixed multiple of the input.
          expect(nodes).toBeLessThanOrEqual(bytes.length);
          expect(held).toBeLessThanOrEqual(32 * bytes.length + 8192);
        }
      }),
      1000,
    );
    expect(prototypesSnapshot()).toBe(before);
  });

  it("never lets a container flood amplify: n empty containers in 2n bytes decode only within the budget", () => {
    check(
      fc.property(fc.constantFrom(0x09, 0x0a, 0x0b, 0x0c), fc.integer({ min: 1, max: 50_000 }), (tag, n) => {
        // Version, an array of n, then n empty containers of one kind (tag, count 0).
        const head = encodeValue(new Array(n).fill(null)).subarray(0, 1 + 1 + (n < 128 ? 1 : n < 16384 ? 2 : 3));
        const bytes = new Uint8Array(head.length + 2 * n);
        bytes.set(head);
        for (let i = 0; i < n; i++) bytes[head.length + 2 * i] = tag;
        let value: unknown;
        const result = outcome(() => {
          value = decodeValue(bytes);
        });
        expect(result).not.toMatch(/^foreign/);
        if (result === "ok") expect(footprint(value).bytes).toBeLessThanOrEqual(32 * bytes.length + 8192);
      }),
      60,
    );
  });
});

describe("fuzz: frames and reassembly", () => {
  const chunkArb = fc.record({
    messageId: fc.nat(5),
    index: fc.nat(6),
    count: fc.integer({ min: 1, max: 6 }),
    totalBytes: fc.nat(3000),
    payload: fc.uint8Array({ minLength: 1, maxLength: 700 }),
  });

  it("the frame decoder returns results and never throws on random and mutated frame streams", () => {
    const encoder = new FrameEncoder({ chunkSize: 64 });
    const frames = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      chunkArb.map((c) => chunkFrame(c.messageId, c.index, c.count, c.totalBytes, c.payload)),
      mutated(codecValue().chain((value) => fc.constantFrom(...encoder.encode({ value })))),
      fc.constant(Uint8Array.of(FRAME_VERSION, FrameKind.Ping)),
    );
    check(
      fc.property(fc.array(frames, { maxLength: 40 }), (stream) => {
        const decoder = new FrameDecoder({ maxMessageBytes: 2048, maxPartialMessages: 3 });
        for (const frame of stream) {
          const result = decoder.receive(frame);
          expect(["message", "ping", "pong", "pending", "error"]).toContain(result.kind);
          if (result.kind === "error") expect(TYPED.has(result.error.code)).toBe(true);
          expect(decoder.pendingCount).toBeLessThanOrEqual(3);
        }
      }),
      500,
    );
  });

  it("parseFrame accepts only canonical chunk headers: re-encoding a parsed chunk gives the same bytes", () => {
    check(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 40 }), (bytes) => {
        bytes[0] = FRAME_VERSION;
        bytes[1] = FrameKind.Chunk;
        const parsed = parseFrame(bytes);
        if (parsed instanceof HamokError || parsed.kind !== FrameKind.Chunk) return;
        const again = chunkFrame(parsed.messageId, parsed.index, parsed.count, parsed.totalBytes, parsed.payload);
        expect(Array.from(again)).toEqual(Array.from(bytes));
      }),
      2000,
    );
  });

  it("the chunk assembler stays within its bounds and completes only exact messages", () => {
    check(
      fc.property(fc.array(chunkArb, { maxLength: 60 }), (chunks) => {
        const assembler = new ChunkAssembler({ maxMessageBytes: 2000, maxPartialMessages: 3, partialTimeoutMs: 1000 });
        let now = 0;
        for (const chunk of chunks) {
          now += 7;
          const result = assembler.add({ kind: FrameKind.Chunk, ...chunk }, now);
          if (result.kind === "complete") expect(result.payload.length).toBe(chunk.totalBytes);
          if (result.kind === "error") expect(TYPED.has(result.error.code)).toBe(true);
          expect(assembler.pendingCount).toBeLessThanOrEqual(3);
          expect(assembler.bufferedBytesBound).toBeLessThanOrEqual(2000);
        }
      }),
      1000,
    );
  });
});

describe("fuzz: signal cipher", () => {
  it("open() rejects anything but a sealed signal of the room with HamokError InvalidMessage", async () => {
    const cipher = await createSignalCipher("fuzz secret", "room");
    const sealed = await cipher.seal("a", "b", { session: "s", signal: { type: "offer", sdp: "x" } });
    const forged = fc.oneof(
      fc.anything(),
      fc.record({ v: fc.constant(1), c: fc.base64String({ maxLength: 200 }) }),
      fc.record({ v: fc.constant(1), c: fc.string({ maxLength: 100 }) }),
      fc
        .tuple(fc.nat(sealed.c.length - 1), fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij0123456789+/"))
        .map(([at, ch]) => ({ v: 1, c: sealed.c.slice(0, at) + ch + sealed.c.slice(at + 1) }))
        // A change only to the spare bits of the last character spells the same bytes: that is the same signal.
        .filter((candidate) => !Buffer.from(candidate.c, "base64").equals(Buffer.from(sealed.c, "base64"))),
    );
    await checkAsync(
      fc.asyncProperty(forged, async (data) => {
        const error = await cipher.open("a", "b", data).then(
          () => "opened",
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(HamokError);
        expect((error as HamokError).code).toBe("InvalidMessage");
      }),
      200,
    );
    await expect(cipher.open("a", "b", sealed)).resolves.toEqual({ session: "s", signal: { type: "offer", sdp: "x" } });
  });
});
