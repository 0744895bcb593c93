import { describe, expect, it } from "vitest";
import {
  createBytesCodec,
  createJsonCodec,
  createStringCodec,
  HamokMap,
  HamokQueue,
} from "../../src/collections/index.js";
import { isHamokError } from "../../src/errors.js";
import { FakeCluster } from "./fake-cluster.js";

describe("codecs", () => {
  it("JSON codec round-trips falsy values and refuses undefined", () => {
    const codec = createJsonCodec<unknown>();
    for (const value of [0, "", false, null, { a: [1, "x"] }]) expect(codec.decode(codec.encode(value))).toEqual(value);
    expect(new TextDecoder().decode(codec.encode({ a: 1 }))).toBe('{"a":1}');
    let error: unknown;
    try {
      codec.encode(undefined);
    } catch (e) {
      error = e;
    }
    expect(isHamokError(error, "InvalidArgument")).toBe(true);
  });

  it("bytes codec copies both ways and string codec is plain UTF-8", () => {
    const bytes = createBytesCodec();
    const input = new Uint8Array([1, 2, 3]);
    const encoded = bytes.encode(input);
    input[0] = 9;
    expect(encoded).toEqual(new Uint8Array([1, 2, 3]));
    const decoded = bytes.decode(encoded);
    decoded[1] = 9;
    expect(encoded[1]).toBe(2);
    expect(() => bytes.encode("x" as never)).toThrow(/Uint8Array/);
    const strings = createStringCodec();
    expect(strings.encode("é")).toEqual(new Uint8Array([0xc3, 0xa9]));
    expect(strings.decode(new Uint8Array([0xc3, 0xa9]))).toBe("é");
  });

  it("refuses a connection of another storage type with StorageTypeMismatch", () => {
    const cluster = new FakeCluster();
    const connection = cluster.peer(0).connect("q", "queue");
    let error: unknown;
    try {
      new HamokMap(connection, { mapId: "q" });
    } catch (e) {
      error = e;
    }
    expect(isHamokError(error, "StorageTypeMismatch")).toBe(true);
    expect(new HamokQueue(connection, { queueId: "q" }).id).toBe("q");
  });
});
