import { describe, expect, it } from "vitest";
import { HamokError } from "../../src/errors.js";
import { DEFAULT_CHUNK_SIZE, type DecodeResult, FrameDecoder, FrameEncoder } from "../../src/messages/codec.js";
import { chunkFrame, FRAME_VERSION, wholeFrame } from "../../src/messages/frame.js";
import { createSeededRandom } from "../../src/raft/random";

function deliver(decoder: FrameDecoder, frames: Uint8Array[]): DecodeResult[] {
  return frames.map((frame) => decoder.receive(frame)).filter((r) => r.kind !== "pending");
}

function errorCode(result: DecodeResult | undefined): string | undefined {
  return result?.kind === "error" ? result.error.code : undefined;
}

describe("frame codec", () => {
  it("sends a small message as one whole frame", () => {
    const frames = new FrameEncoder().encode({ sourceId: "a", n: 1 });
    expect(frames).toHaveLength(1);
    expect(frames[0]![0]).toBe(FRAME_VERSION);
    expect(deliver(new FrameDecoder(), frames)).toEqual([{ kind: "message", message: { sourceId: "a", n: 1 } }]);
  });

  it("splits a 5 MiB message into frames of at most 16 KiB and reassembles it", () => {
    const blob = new Uint8Array(5 * 1024 * 1024);
    for (let i = 0; i < blob.length; i += 4096) blob[i] = i % 251;
    // Above the 1 MiB default cap: both ends raise it, as a peer with a larger Hamok maxMessageBytes does.
    const maxMessageBytes = 8 * 1024 * 1024;
    const frames = new FrameEncoder({ maxMessageBytes }).encode({ sourceId: "a", blob });
    expect(frames.length).toBeGreaterThan(320);
    for (const frame of frames) expect(frame.length).toBeLessThanOrEqual(DEFAULT_CHUNK_SIZE);
    const results = deliver(new FrameDecoder({ maxMessageBytes }), frames);
    expect(results).toHaveLength(1);
    const message = (results[0] as { message: { blob: Uint8Array } }).message;
    // Buffer.equals instead of toEqual: a deep equality walk over 5 Mi elements is needlessly slow.
    expect(Buffer.from(message.blob).equals(Buffer.from(blob))).toBe(true);
  });

  it("reassembles interleaved chunked messages", () => {
    const encoder = new FrameEncoder({ chunkSize: 64 });
    const a = encoder.encode({ text: "a".repeat(300) });
    const b = encoder.encode({ text: "b".repeat(300) });
    const interleaved: Uint8Array[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i]) interleaved.push(a[i]!);
      if (b[i]) interleaved.push(b[i]!);
    }
    const decoder = new FrameDecoder();
    expect(deliver(decoder, interleaved).map((r) => r.kind === "message" && r.message)).toEqual([
      { text: "a".repeat(300) },
      { text: "b".repeat(300) },
    ]);
    expect(decoder.pendingCount).toBe(0);
  });

  it("refuses to encode a message above maxMessageBytes", () => {
    expect(() => new FrameEncoder({ maxMessageBytes: 100 }).encode({ s: "x".repeat(200) })).toThrow(HamokError);
    expect(() => new FrameEncoder({ chunkSize: 10 })).toThrow(HamokError);
  });

  it("returns errors for corrupt, truncated and unknown frames", () => {
    const decoder = new FrameDecoder();
    expect(errorCode(decoder.receive(new Uint8Array([])))).toBe("InvalidMessage");
    expect(errorCode(decoder.receive(new Uint8Array([9, 0, 1])))).toBe("InvalidMessage");
    expect(errorCode(decoder.receive(new Uint8Array([FRAME_VERSION, 7, 1])))).toBe("InvalidMessage");
    expect(errorCode(decoder.receive(new Uint8Array([FRAME_VERSION, 1, 0x80])))).toBe("InvalidMessage");
    expect(errorCode(decoder.receive(wholeFrame(new Uint8Array([1, 0x7f]))))).toBe("InvalidMessage");
    const whole = new FrameEncoder().encode({ a: "hello" })[0]!;
    expect(errorCode(decoder.receive(whole.subarray(0, whole.length - 2)))).toBe("InvalidMessage");
    expect(errorCode(decoder.receive(chunkFrame(1, 2, 2, 10, new Uint8Array(1))))).toBe("InvalidMessage");
    expect(errorCode(decoder.receive(chunkFrame(1, 0, 2, 10, new Uint8Array())))).toBe("InvalidMessage");
  });

  it("refuses a chunked message announcing more than maxMessageBytes before buffering it", () => {
    const decoder = new FrameDecoder({ maxMessageBytes: 1000 });
    expect(errorCode(decoder.receive(chunkFrame(1, 0, 3, 5000, new Uint8Array(10))))).toBe("PayloadTooLarge");
    expect(decoder.pendingCount).toBe(0);
    expect(errorCode(decoder.receive(wholeFrame(new Uint8Array(2000))))).toBe("PayloadTooLarge");
  });

  it("drops a message whose chunks are out of order, inconsistent or exceed the announced size", () => {
    const decoder = new FrameDecoder();
    expect(decoder.receive(chunkFrame(1, 0, 3, 30, new Uint8Array(10))).kind).toBe("pending");
    expect(errorCode(decoder.receive(chunkFrame(1, 2, 3, 30, new Uint8Array(10))))).toBe("InvalidMessage");
    expect(decoder.pendingCount).toBe(0);
    expect(decoder.receive(chunkFrame(2, 0, 2, 20, new Uint8Array(10))).kind).toBe("pending");
    expect(errorCode(decoder.receive(chunkFrame(2, 1, 2, 20, new Uint8Array(11))))).toBe("InvalidMessage");
    expect(decoder.receive(chunkFrame(3, 0, 2, 20, new Uint8Array(10))).kind).toBe("pending");
    expect(errorCode(decoder.receive(chunkFrame(3, 1, 2, 20, new Uint8Array(5))))).toBe("InvalidMessage");
    expect(errorCode(decoder.receive(chunkFrame(4, 0, 50, 20, new Uint8Array(1))))).toBe("InvalidMessage");
  });

  it("bounds partial messages: evicts the oldest beyond the cap and drops stale ones", () => {
    let now = 0;
    const decoder = new FrameDecoder({ maxPartialMessages: 2, partialTimeoutMs: 1000, now: () => now });
    const encoder = new FrameEncoder({ chunkSize: 64 });
    const [m1, m2, m3] = [0, 1, 2].map((i) => encoder.encode({ i, pad: "p".repeat(200) }));
    decoder.receive(m1![0]!);
    now = 10;
    decoder.receive(m2![0]!);
    now = 20;
    decoder.receive(m3![0]!);
    expect(decoder.pendingCount).toBe(2);
    // m1 was evicted: its next chunk is now an orphan.
    expect(errorCode(decoder.receive(m1![1]!))).toBe("InvalidMessage");
    expect(deliver(decoder, m2!.slice(1))).toEqual([{ kind: "message", message: { i: 1, pad: "p".repeat(200) } }]);
    now = 5000;
    expect(errorCode(decoder.receive(m3![1]!))).toBe("InvalidMessage");
    expect(decoder.pendingCount).toBe(0);
  });

  it("accepts frames as Node Buffers and still decodes bytes as plain Uint8Array copies", () => {
    const frames = new FrameEncoder().encode({ bytes: new Uint8Array([1, 2, 3]) });
    const result = new FrameDecoder().receive(Buffer.from(frames[0]!));
    const bytes = (result as { message: { bytes: Uint8Array } }).message.bytes;
    expect(bytes.constructor).toBe(Uint8Array);
    expect(Array.from(bytes)).toEqual([1, 2, 3]);
  });

  it("never throws on random garbage or bit-flipped frames, and keeps working afterwards (seeded fuzz)", () => {
    const rand = createSeededRandom(99);
    const decoder = new FrameDecoder({ maxMessageBytes: 1 << 20 });
    const encoder = new FrameEncoder({ chunkSize: 100 });
    const good = encoder.encode({ sourceId: "x", payload: "y".repeat(500) });
    for (let i = 0; i < 5000; i++) {
      let frame: Uint8Array;
      if (i % 3 === 0) {
        frame = Uint8Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256));
        if (rand() < 0.7) frame[0] = FRAME_VERSION;
      } else {
        frame = good[Math.floor(rand() * good.length)]!.slice();
        frame[Math.floor(rand() * frame.length)]! ^= 1 << Math.floor(rand() * 8);
        if (i % 3 === 2) frame = frame.subarray(0, Math.floor(rand() * frame.length));
      }
      const result = decoder.receive(frame);
      if (result.kind === "error") expect(result.error).toBeInstanceOf(HamokError);
    }
    // The same decoder still reassembles a good message after all that garbage.
    const fresh = new FrameEncoder({ chunkSize: 100 }).encode({ ok: "z".repeat(300) });
    expect(deliver(decoder, fresh)).toEqual([{ kind: "message", message: { ok: "z".repeat(300) } }]);
    expect(decoder.pendingCount).toBeLessThanOrEqual(8);
  });
});
