/**
 * Codecs turn user values into the bytes that travel through the log and back. Replicated state
 * holds only bytes, so two peers agree on state whatever their local codecs are; a codec must
 * round-trip exactly (`decode(encode(v))` equals `v`).
 */
import { HamokError } from "../errors.js";

/** Encodes values of type `T` to bytes and back. */
export interface HamokCodec<T> {
  /** The bytes that represent `value` in the log and on the wire. */
  encode(value: T): Uint8Array;
  /** The value that `encode` turned into `bytes`. */
  decode(bytes: Uint8Array): T;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * UTF-8 bytes of a string. Short ASCII strings (most keys and JSON values) are copied by hand
 * into a small array: `TextEncoder.encode` gives each result its own off-heap buffer, which
 * costs the garbage collector far more than the copy when a map takes 100,000 writes a second.
 */
function utf8(value: string): Uint8Array {
  const length = value.length;
  if (length > 64) return textEncoder.encode(value);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0x80) return textEncoder.encode(value);
    out[i] = code;
  }
  return out;
}

/**
 * The default codec: `JSON.stringify` as UTF-8 bytes. `null`, `0`, `''` and `false` are values;
 * `undefined` (and anything JSON cannot encode) is refused with `InvalidArgument`, since
 * `undefined` means "absent" in every collection.
 */
export function createJsonCodec<T>(): HamokCodec<T> {
  return {
    encode(value: T): Uint8Array {
      let json: string | undefined;
      try {
        json = value === undefined ? undefined : JSON.stringify(value);
      } catch (error) {
        // JSON.stringify throws a bare TypeError on cycles and BigInt: the caller gets the typed error.
        throw new HamokError("InvalidArgument", "the JSON codec cannot encode a cyclic value or a BigInt", {
          cause: error,
        });
      }
      if (json === undefined) {
        throw new HamokError("InvalidArgument", "the JSON codec cannot encode undefined or a function");
      }
      return utf8(json);
    },
    decode(bytes: Uint8Array): T {
      return JSON.parse(textDecoder.decode(bytes)) as T;
    },
  };
}

/**
 * Raw bytes, copied both ways: the caller may reuse its array after a call, and a decoded array is
 * the caller's own (mutating it never touches replicated state).
 */
export function createBytesCodec(): HamokCodec<Uint8Array> {
  return {
    encode: (value) => {
      if (!(value instanceof Uint8Array)) throw new HamokError("InvalidArgument", "the bytes codec takes a Uint8Array");
      return value.slice();
    },
    decode: (bytes) => bytes.slice(),
  };
}

/** A string as UTF-8 bytes (no JSON quoting). */
export function createStringCodec(): HamokCodec<string> {
  return {
    encode: (value) => {
      if (typeof value !== "string") throw new HamokError("InvalidArgument", "the string codec takes a string");
      return utf8(value);
    },
    decode: (bytes) => textDecoder.decode(bytes),
  };
}
