import { describe, expect, it } from "vitest";
import { HamokError } from "../../src/errors.js";
import { DEFAULT_MAX_DEPTH, decodeValue, encodeValue, VALUE_CODEC_VERSION } from "../../src/messages/value-codec.js";
import { createSeededRandom } from "../../src/raft/random";

function randomValue(rand: () => number, depth: number): unknown {
  const pick = Math.floor(rand() * (depth > 3 ? 8 : 12));
  switch (pick) {
    case 0:
      return undefined;
    case 1:
      return null;
    case 2:
      return rand() < 0.5;
    case 3:
      return Math.floor((rand() - 0.5) * 2 ** 40);
    case 4:
      return (rand() - 0.5) * 1e300;
    case 5:
      return String.fromCodePoint(
        ...Array.from({ length: Math.floor(rand() * 50) }, () => Math.floor(rand() * 0xd7ff)),
      );
    case 6:
      return Uint8Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256));
    case 7:
      return Number.MAX_SAFE_INTEGER * (rand() < 0.5 ? -1 : 1);
    case 8:
      return Array.from({ length: Math.floor(rand() * 5) }, () => randomValue(rand, depth + 1));
    case 9: {
      const out: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 5); i > 0; i--)
        out[`k${Math.floor(rand() * 100)}`] = randomValue(rand, depth + 1);
      return out;
    }
    case 10:
      return new Map([[randomValue(rand, depth + 1), randomValue(rand, depth + 1)]]);
    default:
      return new Set([Math.floor(rand() * 10), "x"]);
  }
}

function roundTrip(value: unknown): unknown {
  return decodeValue(encodeValue(value));
}

function expectInvalid(bytes: Uint8Array): void {
  try {
    decodeValue(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(HamokError);
    expect((error as HamokError).code).toBe("InvalidMessage");
    return;
  }
  throw new Error(`decoded malformed input ${Array.from(bytes).join(",")}`);
}

describe("value codec", () => {
  it("round-trips scalars, keeping -0, NaN, infinities and large integers exact", () => {
    const values = [
      undefined,
      null,
      true,
      false,
      0,
      1,
      127,
      128,
      -1,
      -128,
      2 ** 31,
      -(2 ** 31),
      2 ** 32 + 5,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      2 ** 53,
      1.5,
      -0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.MIN_VALUE,
      "",
      "hello",
      "ünïcödé ✓ 😀",
      "x".repeat(42),
      "é".repeat(43),
      "long ".repeat(10_000),
    ];
    for (const value of values) expect(Object.is(roundTrip(value), value)).toBe(true);
  });

  it("encodes small integers compactly and starts with the version byte", () => {
    expect(Array.from(encodeValue(5))).toEqual([VALUE_CODEC_VERSION, 0x04, 5]);
    expect(encodeValue(300).length).toBe(4);
    expect(encodeValue(1.5).length).toBe(10);
  });

  it("round-trips containers, raw bytes, maps, sets and dates", () => {
    const value = {
      sourceId: "peer-a",
      destinationId: undefined,
      entries: [{ term: 3, index: 10, data: new Uint8Array([0, 1, 255]) }],
      nested: { a: [1, [2, [3, null]]], empty: {}, list: [] },
      map: new Map<unknown, unknown>([
        ["k", 1],
        [2, { v: true }],
      ]),
      set: new Set(["x", 1]),
      when: new Date(1_700_000_000_000),
    };
    const decoded = roundTrip(value) as typeof value;
    expect(decoded).toEqual(value);
    expect(Object.hasOwn(decoded, "destinationId")).toBe(true);
    expect(decoded.entries[0]!.data).toBeInstanceOf(Uint8Array);
  });

  it("encodes bytes raw (no base64) and decodes them into a copy", () => {
    const bytes = new Uint8Array(1000).fill(7);
    const encoded = encodeValue(bytes);
    expect(encoded.length).toBe(1000 + 4);
    const decoded = decodeValue(encoded) as Uint8Array;
    encoded.fill(0);
    expect(decoded[999]).toBe(7);
  });

  it("keeps a __proto__ key as an own property and never replaces the prototype", () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const decoded = roundTrip(hostile) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.hasOwn(decoded, "__proto__")).toBe(true);
    expect((decoded as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it("refuses to encode functions, symbols, bigints, other typed arrays and cycles", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [() => 1, Symbol("s"), 10n, new Uint16Array(2), cyclic]) {
      expect(() => encodeValue({ bad })).toThrow(HamokError);
    }
  });

  it("refuses malformed input with InvalidMessage", () => {
    const cases: number[][] = [
      [],
      [2, 0x01],
      [1],
      [1, 0x7f],
      [1, 0x01, 0x00],
      [1, 0x04, 0x80],
      [1, 0x04, 0x81, 0x00],
      [1, 0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
      [1, 0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
      [1, 0x05, 0x00],
      [1, 0x06, 0, 0, 0],
      [1, 0x07, 5, 0x61],
      [1, 0x07, 2, 0xc3, 0x28],
      [1, 0x08, 0xff, 0xff, 0xff, 0x0f],
      [1, 0x09, 3, 0x00],
      [1, 0x0a, 2, 1, 0x61, 0x00, 1, 0x61, 0x00],
      [1, 0x0b, 1, 0x00],
    ];
    for (const bytes of cases) expectInvalid(Uint8Array.from(bytes));
  });

  it("refuses nesting beyond maxDepth and containers beyond maxLength without overflowing the stack", () => {
    const deep = new Uint8Array(100_002);
    deep[0] = VALUE_CODEC_VERSION;
    for (let i = 1; i < deep.length - 1; i += 2) {
      deep[i] = 0x09;
      deep[i + 1] = 1;
    }
    expectInvalid(deep);
    let nested: unknown = 1;
    for (let i = 0; i < DEFAULT_MAX_DEPTH; i++) nested = [nested];
    expect(roundTrip(nested)).toEqual(nested);
    expect(() => decodeValue(encodeValue([[1]]), { maxDepth: 1 })).toThrow(HamokError);
    expect(() => decodeValue(encodeValue([1, 2, 3]), { maxLength: 2 })).toThrow(HamokError);
  });

  it("refuses every truncation of a valid encoding", () => {
    const encoded = encodeValue({ a: [1, "two", new Uint8Array([3])], b: new Map([[1, 2.5]]) });
    for (let n = 0; n < encoded.length; n++) expectInvalid(encoded.subarray(0, n));
  });

  it("round-trips random values (seeded fuzz)", () => {
    const rand = createSeededRandom(42);
    for (let i = 0; i < 2000; i++) {
      const value = randomValue(rand, 0);
      expect(roundTrip(value)).toEqual(value);
    }
  });

  it("throws nothing but HamokError on random garbage and bit-flipped encodings (seeded fuzz)", () => {
    const rand = createSeededRandom(7);
    for (let i = 0; i < 5000; i++) {
      let bytes: Uint8Array;
      if (i % 2 === 0) {
        bytes = Uint8Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256));
        bytes[0] = VALUE_CODEC_VERSION;
      } else {
        bytes = encodeValue(randomValue(rand, 0));
        bytes[Math.floor(rand() * bytes.length)]! ^= 1 << Math.floor(rand() * 8);
      }
      try {
        decodeValue(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(HamokError);
      }
    }
  });
});
