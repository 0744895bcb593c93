import { describe, expect, it } from "vitest";
import { decodeValue, encodeValue } from "../../src/messages/value-codec.js";

/** An array whose items are `make(i)` each, or one shared item per run of `run` (as a session window shares results). */
function items(count: number, run: number, make: (i: number) => unknown, shared: boolean): unknown[] {
  let current: unknown;
  return Array.from({ length: count }, (_, i) => {
    if (!shared) return make(Math.floor(i / run));
    if (i % run === 0) current = make(i / run);
    return current;
  });
}

describe("value codec: an object repeated in an array", () => {
  const shapes: [string, (i: number) => unknown][] = [
    ["a short array", () => [null]],
    ["an object longer than 16 bytes", (i) => ({ code: "NotMember", message: `closed ${i}`, seq: i })],
    ["bytes", (i) => new Uint8Array(40).fill(i % 256)],
  ];
  for (const [name, make] of shapes) {
    it(`${name}: the same bytes as distinct copies, across buffer growth, and decodes back`, () => {
      for (const run of [1, 2, 7, 600]) {
        const shared = items(600, run, make, true);
        const copies = items(600, run, make, false);
        const bytes = encodeValue({ window: shared, tail: [shared[0], 1, shared[0]] });
        expect(bytes).toEqual(encodeValue({ window: copies, tail: [copies[0], 1, copies[0]] }));
        // Budgeted like a snapshot (tiny nested arrays cost more to decode than messages are allowed).
        const decoded = decodeValue(bytes, { maxDecodedBytes: 64 * bytes.length + 4096 });
        expect(decoded).toEqual({ window: copies, tail: [copies[0], 1, copies[0]] });
      }
    });
  }

  it("refuses a repeated item beyond maxBytes as it refuses distinct copies", () => {
    const item = { text: "x".repeat(100) };
    const shared = Array.from({ length: 50 }, () => item);
    expect(() => encodeValue(shared, { maxBytes: 1000 })).toThrow(expect.objectContaining({ code: "PayloadTooLarge" }));
  });
});
