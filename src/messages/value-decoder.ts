/**
 * The value decoder: bytes of the value grammar (PROTOCOL.md, "Values") back into a value. It treats its
 * input as hostile: every length is checked against the bytes that remain, nesting is capped, UTF-8 is
 * validated, and what it allocates is charged against a budget (containers pay a minimum even when empty),
 * so a small input can neither overflow the stack nor amplify into a large allocation. Any defect throws
 * `HamokError` (`InvalidMessage`, or `PayloadTooLarge` for the budget), never a `RangeError`.
 */
import { HamokError } from "../errors.js";
import {
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_LENGTH,
  Tag,
  VALUE_CODEC_VERSION,
  type ValueCodecOptions,
} from "./value-format.js";

/**
 * Default decoding budget, per input byte: the estimated memory of a decoded value may be at most this many
 * times its encoding (plus {@link DECODE_BUDGET_BASE_BYTES}). Honest data stays far below (measured on every
 * message shape peers send); a flood of empty containers, the cheapest thing to encode, hits it.
 */
export const DECODE_BUDGET_PER_INPUT_BYTE = 16;

/** The part of the default decoding budget that does not depend on the input length. */
export const DECODE_BUDGET_BASE_BYTES = 4096;

/**
 * What decoding charges per value, in estimated bytes of memory (V8 heap sizes, rounded): a slot in its
 * container plus the value itself. Containers pay a minimum even when empty, so no encoding is free to decode.
 */
export const DECODE_COST = {
  /** A primitive (undefined, null, boolean, number) or a container slot. */
  slot: 8,
  /** A string or byte array, plus its length in bytes. */
  string: 16,
  bytes: 64,
  date: 32,
  array: 32,
  object: 32,
  map: 64,
  set: 64,
} as const;

const textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function invalid(reason: string): never {
  throw new HamokError("InvalidMessage", `value codec: ${reason}`);
}

/** A bounds-checked reader over hostile bytes. */
class Reader {
  pos = 0;
  readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    readonly maxDepth: number,
    readonly maxLength: number,
    /** What is left of the decoding budget, in estimated bytes. */
    public budget: number,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Charge the estimated memory of what is about to be allocated; refuse once the budget is spent. */
  charge(bytes: number): void {
    this.budget -= bytes;
    if (this.budget < 0) throw new HamokError("PayloadTooLarge", "value codec: decoded value exceeds its budget");
  }

  byte(): number {
    if (this.pos >= this.buf.length) invalid("truncated input");
    return this.buf[this.pos++]!;
  }

  /** Unsigned LEB128, at most 8 bytes, canonical (no redundant trailing zero groups), within 2^53 - 1. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (b === 0 && i > 0) invalid("non-canonical varint");
        if (result > Number.MAX_SAFE_INTEGER) invalid("varint out of range");
        return result;
      }
      scale *= 0x80;
    }
    return invalid("varint too long");
  }

  /** A byte length or element count: each element takes at least `minBytesEach` of the remaining input. */
  length(minBytesEach: number): number {
    const n = this.varint();
    if (n * minBytesEach > this.buf.length - this.pos) invalid("length exceeds input");
    return n;
  }

  /** An element count of a container, also capped by `maxLength`. */
  count(minBytesEach: number): number {
    const n = this.length(minBytesEach);
    if (n > this.maxLength) invalid(`container longer than ${this.maxLength}`);
    return n;
  }

  take(n: number): Uint8Array {
    const start = this.pos;
    this.pos += n;
    return this.buf.subarray(start, this.pos);
  }

  float64(): number {
    if (this.pos + 8 > this.buf.length) invalid("truncated input");
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  string(): string {
    const n = this.length(1);
    this.charge(DECODE_COST.string + n);
    if (n <= 32) {
      // Short ASCII (ids, keys, type names) is the common case; building it directly beats TextDecoder.
      const buf = this.buf;
      let s = "";
      let i = this.pos;
      const end = i + n;
      for (; i < end; i++) {
        const c = buf[i]!;
        if (c >= 0x80) break;
        s += String.fromCharCode(c);
      }
      if (i === end) {
        this.pos = end;
        return s;
      }
    }
    try {
      return textDecoder.decode(this.take(n));
    } catch {
      return invalid("malformed UTF-8");
    }
  }
}

function readValue(r: Reader, depth: number): unknown {
  const tag = r.byte();
  r.charge(DECODE_COST.slot);
  switch (tag) {
    case Tag.Undefined:
      return undefined;
    case Tag.Null:
      return null;
    case Tag.False:
      return false;
    case Tag.True:
      return true;
    case Tag.UInt:
      return r.varint();
    case Tag.NegInt: {
      const magnitude = r.varint();
      if (magnitude === 0) invalid("negative zero integer");
      return -magnitude;
    }
    case Tag.Float64:
      return r.float64();
    case Tag.String:
      return r.string();
    case Tag.Bytes: {
      const n = r.length(1);
      r.charge(DECODE_COST.bytes + n);
      // A copy, so the value never aliases a reassembly buffer that is reused or retained.
      return r.take(n).slice();
    }
    case Tag.Date:
      r.charge(DECODE_COST.date);
      return new Date(r.float64());
    default:
      break;
  }
  if (depth >= r.maxDepth) invalid(`nesting deeper than ${r.maxDepth}`);
  switch (tag) {
    case Tag.Array: {
      const n = r.count(1);
      // The backing store is allocated at once, before any element is read.
      r.charge(DECODE_COST.array + n * DECODE_COST.slot);
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = readValue(r, depth + 1);
      return out;
    }
    case Tag.Object: {
      const n = r.count(2);
      r.charge(DECODE_COST.object);
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const key = r.string();
        if (Object.hasOwn(out, key)) invalid("duplicate object key");
        const v = readValue(r, depth + 1);
        // `__proto__` as a plain assignment would replace the prototype: define it as an own property instead.
        if (key === "__proto__")
          Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
        else out[key] = v;
      }
      return out;
    }
    case Tag.Map: {
      const n = r.count(2);
      r.charge(DECODE_COST.map);
      const out = new Map<unknown, unknown>();
      for (let i = 0; i < n; i++) {
        const k = readValue(r, depth + 1);
        out.set(k, readValue(r, depth + 1));
      }
      return out;
    }
    case Tag.Set: {
      const n = r.count(1);
      r.charge(DECODE_COST.set);
      const out = new Set<unknown>();
      for (let i = 0; i < n; i++) out.add(readValue(r, depth + 1));
      return out;
    }
    default:
      return invalid(`unknown tag 0x${tag.toString(16)}`);
  }
}

/**
 * Decode bytes made by {@link encodeValue}. The whole input must be exactly one value.
 *
 * @throws HamokError `InvalidMessage` on an unknown version, unknown tag, truncated or trailing bytes,
 *   malformed UTF-8, a non-canonical or out-of-range varint, a length larger than the input or than
 *   `maxLength`, a duplicate object key, or nesting deeper than `maxDepth`; `PayloadTooLarge` when the
 *   decoded value would exceed `maxDecodedBytes`. Never any other error.
 */
export function decodeValue(bytes: Uint8Array, options?: ValueCodecOptions): unknown {
  // A Node Buffer (what Node data channels deliver) is a Uint8Array whose `slice` does not copy: view it as a plain one.
  const plain =
    bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const budget = options?.maxDecodedBytes ?? DECODE_BUDGET_PER_INPUT_BYTE * plain.length + DECODE_BUDGET_BASE_BYTES;
  const r = new Reader(plain, options?.maxDepth ?? DEFAULT_MAX_DEPTH, options?.maxLength ?? DEFAULT_MAX_LENGTH, budget);
  const version = r.byte();
  if (version !== VALUE_CODEC_VERSION) invalid(`unsupported version ${version}`);
  const value = readValue(r, 0);
  if (r.pos !== plain.length) invalid("trailing bytes");
  return value;
}
