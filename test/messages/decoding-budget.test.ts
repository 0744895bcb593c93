import { describe, expect, it } from "vitest";
import { HamokError } from "../../src/errors.js";
import { DEFAULT_MAX_MESSAGE_BYTES, FrameDecoder, FrameEncoder } from "../../src/messages/codec.js";
import { chunkFrame, FRAME_VERSION, FrameKind } from "../../src/messages/frame.js";
import { decodeValue, encodeValue } from "../../src/messages/value-codec.js";

const MiB = 1024 * 1024;

function decodeError(bytes: Uint8Array, options?: Parameters<typeof decodeValue>[1]): string {
  try {
    decodeValue(bytes, options);
    return "decoded";
  } catch (error) {
    return error instanceof HamokError ? error.code : `foreign ${String(error)}`;
  }
}

describe("the value decoder's budget", () => {
  it.each([
    ["empty Maps", () => new Map()],
    ["empty Sets", () => new Set()],
    ["empty objects", () => ({})],
    ["empty arrays", () => []],
  ])("refuses a flood of %s (the cheapest thing to encode) with PayloadTooLarge", (_name, make) => {
    const bytes = encodeValue(Array.from({ length: 100_000 }, make));
    expect(bytes.length).toBeLessThan(300_000);
    expect(decodeError(bytes)).toBe("PayloadTooLarge");
  });

  it("decodes honest data of the same size: strings, numbers, bytes, records", () => {
    const honest = Array.from({ length: 20_000 }, (_, i) => ({ key: `k${i}`, value: i, bytes: new Uint8Array(4) }));
    expect(decodeValue(encodeValue(honest))).toEqual(honest);
  });

  it("honours an explicit maxDecodedBytes", () => {
    const bytes = encodeValue("x".repeat(1000));
    expect(decodeError(bytes, { maxDecodedBytes: 500 })).toBe("PayloadTooLarge");
    expect(decodeValue(bytes, { maxDecodedBytes: 2000 })).toBe("x".repeat(1000));
  });

  it("charges an array's backing store before allocating it", () => {
    // 200,000 undefined elements: 1 byte each to encode, 8 bytes of slots each to allocate, plus the values.
    const bytes = encodeValue(new Array(200_000).fill(undefined));
    expect(decodeError(bytes, { maxDecodedBytes: 200_000 * 8 })).toBe("PayloadTooLarge");
  });
});

describe("the value encoder's limit", () => {
  it("stops at maxBytes: a shared-reference value of 2^40 leaves is refused, not walked", () => {
    let dag: unknown = "leaf";
    for (let i = 0; i < 40; i++) dag = [dag, dag];
    expect(() => encodeValue(dag, { maxBytes: 64 * 1024 })).toThrow(
      expect.objectContaining({ name: "HamokError", code: "PayloadTooLarge" }),
    );
    expect(() => new FrameEncoder({ maxMessageBytes: 64 * 1024 }).encode({ dag })).toThrow(
      expect.objectContaining({ code: "PayloadTooLarge" }),
    );
    expect(decodeValue(encodeValue([1, "two"], { maxBytes: 64 }))).toEqual([1, "two"]);
  });
});

describe("chunk headers and reassembly", () => {
  it("refuses a chunk header with a non-canonical varint", () => {
    const payload = encodeValue("ok");
    const canonical = chunkFrame(1, 0, 1, payload.length, payload);
    expect(new FrameDecoder().receive(canonical)).toEqual({ kind: "message", message: "ok" });
    // messageId 1 spelled as 0x81 0x00 (two groups, the last one zero).
    const padded = Uint8Array.of(FRAME_VERSION, FrameKind.Chunk, 0x81, 0x00, ...canonical.subarray(3));
    const decoder = new FrameDecoder();
    const result = decoder.receive(padded);
    expect(result.kind === "error" && result.error.code).toBe("InvalidMessage");
    expect(decoder.pendingCount).toBe(0);
  });

  it("defaults to Hamok's own 1 MiB cap: a larger chunked message is refused on its first chunk", () => {
    expect(DEFAULT_MAX_MESSAGE_BYTES).toBe(MiB);
    const decoder = new FrameDecoder();
    const result = decoder.receive(chunkFrame(1, 0, 200, 2 * MiB, new Uint8Array(100)));
    expect(result.kind === "error" && result.error.code).toBe("PayloadTooLarge");
    expect(decoder.pendingCount).toBe(0);
    expect(() => new FrameEncoder().encode({ blob: new Uint8Array(2 * MiB) })).toThrow(/exceeds/);
  });

  it("refuses a frame larger than the cap before parsing it", () => {
    const decoder = new FrameDecoder({ maxMessageBytes: 1024 });
    const huge = new Uint8Array(4096);
    huge[0] = FRAME_VERSION;
    huge[1] = FrameKind.Chunk;
    const result = decoder.receive(huge);
    expect(result.kind === "error" && result.error.code).toBe("PayloadTooLarge");
  });

  it("honours an explicit maxBufferedBytes: two partials that fit it are both kept", () => {
    const decoder = new FrameDecoder({ maxMessageBytes: 1000, maxBufferedBytes: 1200 });
    expect(decoder.receive(chunkFrame(1, 0, 6, 600, new Uint8Array(100))).kind).toBe("pending");
    expect(decoder.receive(chunkFrame(2, 0, 6, 600, new Uint8Array(100))).kind).toBe("pending");
    expect(decoder.pendingCount).toBe(2);
    expect(decoder.receive(chunkFrame(3, 0, 6, 600, new Uint8Array(100))).kind).toBe("pending");
    expect(decoder.pendingCount).toBe(2);
  });

  it("bounds the bytes all partial messages announce together, evicting the oldest", () => {
    const decoder = new FrameDecoder({ maxMessageBytes: 1000 });
    // Each announces 600 bytes: two would reserve 1200, more than one message's cap.
    expect(decoder.receive(chunkFrame(1, 0, 6, 600, new Uint8Array(100))).kind).toBe("pending");
    expect(decoder.receive(chunkFrame(2, 0, 6, 600, new Uint8Array(100))).kind).toBe("pending");
    expect(decoder.pendingCount).toBe(1);
    // Message 1 was evicted: its next chunk is an orphan; message 2 still completes.
    const orphan = decoder.receive(chunkFrame(1, 1, 6, 600, new Uint8Array(100)));
    expect(orphan.kind === "error" && orphan.error.code).toBe("InvalidMessage");
  });
});
