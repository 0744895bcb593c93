/**
 * The value codec: a compact, versioned binary encoding of structured-cloneable data
 * (the payload of every message on a byte transport). The grammar is in PROTOCOL.md
 * ("Values"). Decoding treats its input as hostile: every length is checked against
 * the bytes that remain, nesting is capped, UTF-8 is validated, and any defect throws
 * `HamokError` with code `InvalidMessage` (never a `RangeError` or a stack overflow); see value-decoder.ts.
 */
import { HamokError } from "../errors.js";
import { DEFAULT_MAX_DEPTH, Tag, VALUE_CODEC_VERSION, type ValueCodecOptions } from "./value-format.js";

export {
  DECODE_BUDGET_BASE_BYTES,
  DECODE_BUDGET_PER_INPUT_BYTE,
  DECODE_COST,
  decodeValue,
} from "./value-decoder.js";
export { DEFAULT_MAX_DEPTH, DEFAULT_MAX_LENGTH, VALUE_CODEC_VERSION, type ValueCodecOptions } from "./value-format.js";

const textEncoder = new TextEncoder();

/** A growable output buffer. One is reused across calls unless encoding re-enters (a getter that encodes). */
class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;
  /** The longest encoding allowed for the value being written. */
  limit = Number.POSITIVE_INFINITY;

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  ensure(extra: number): void {
    const needed = this.pos + extra;
    if (needed <= this.buf.length) return;
    if (needed > this.limit + 8) {
      // `extra` is an upper bound (a varint reserves 8 bytes): only refuse what is surely over the limit.
      throw new HamokError("PayloadTooLarge", `value codec: encoding exceeds ${this.limit} bytes`);
    }
    let capacity = this.buf.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  /** Unsigned LEB128 of a safe integer (at most 8 bytes for 2^53 - 1). */
  varint(value: number): void {
    this.ensure(8);
    const buf = this.buf;
    let v = value;
    while (v >= 0x80) {
      buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[this.pos++] = v;
  }

  float64(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  string(value: string): void {
    if (value.length <= 42) {
      // Short string (the common case: keys, ids): a UTF-16 code unit becomes at most 3 UTF-8 bytes, so
      // 42 units fit in 126 bytes and a one-byte length always suffices. Encode in place, back-fill the length.
      this.ensure(1 + value.length * 3);
      const start = this.pos + 1;
      const { written } = textEncoder.encodeInto(value, this.buf.subarray(start));
      this.buf[this.pos] = written;
      this.pos = start + written;
      return;
    }
    const bytes = textEncoder.encode(value);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  /** Append a copy of the bytes already written at `[start, end)`. */
  repeat(start: number, end: number): void {
    const length = end - start;
    this.ensure(length);
    const buf = this.buf;
    // Mostly a few bytes: a loop beats the call into `copyWithin` for those.
    if (length <= 16) for (let i = 0; i < length; i++) buf[this.pos + i] = buf[start + i] as number;
    else buf.copyWithin(this.pos, start, end);
    this.pos += length;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }
}

let sharedWriter: Writer | undefined = new Writer(4096);

function unsupported(what: string): never {
  throw new HamokError("InvalidArgument", `value codec: cannot encode ${what}`);
}

function writeValue(w: Writer, value: unknown, depth: number, maxDepth: number): void {
  switch (typeof value) {
    case "undefined":
      w.byte(Tag.Undefined);
      return;
    case "boolean":
      w.byte(value ? Tag.True : Tag.False);
      return;
    case "number":
      if (Number.isSafeInteger(value) && !Object.is(value, -0)) {
        if (value >= 0) {
          w.byte(Tag.UInt);
          w.varint(value);
        } else {
          w.byte(Tag.NegInt);
          w.varint(-value);
        }
      } else {
        w.byte(Tag.Float64);
        w.float64(value);
      }
      return;
    case "string":
      w.byte(Tag.String);
      w.string(value);
      return;
    case "object":
      break;
    default:
      unsupported(typeof value);
  }
  if (value === null) {
    w.byte(Tag.Null);
    return;
  }
  if (depth >= maxDepth) throw new HamokError("InvalidArgument", `value codec: nesting deeper than ${maxDepth}`);
  if (Array.isArray(value)) {
    w.byte(Tag.Array);
    w.varint(value.length);
    // The same object again right after itself (a snapshot's session window shares one result object across
    // thousands of seqs) is the same bytes again: copied, not walked again. Structured clone reads a repeated
    // object once too.
    let previous: unknown;
    let start = 0;
    let end = 0;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (i > 0 && item === previous && typeof item === "object" && item !== null) {
        w.repeat(start, end);
        continue;
      }
      start = w.pos;
      writeValue(w, item, depth + 1, maxDepth);
      end = w.pos;
      previous = item;
    }
    return;
  }
  if (value instanceof Uint8Array) {
    w.byte(Tag.Bytes);
    w.varint(value.length);
    w.raw(value);
    return;
  }
  if (value instanceof Map) {
    w.byte(Tag.Map);
    w.varint(value.size);
    for (const [k, v] of value) {
      writeValue(w, k, depth + 1, maxDepth);
      writeValue(w, v, depth + 1, maxDepth);
    }
    return;
  }
  if (value instanceof Set) {
    w.byte(Tag.Set);
    w.varint(value.size);
    for (const v of value) writeValue(w, v, depth + 1, maxDepth);
    return;
  }
  if (value instanceof Date) {
    w.byte(Tag.Date);
    w.float64(value.getTime());
    return;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) unsupported("a typed array other than Uint8Array");
  // Any other object is encoded like structured clone does: its own enumerable string-keyed properties.
  const keys = Object.keys(value);
  w.byte(Tag.Object);
  w.varint(keys.length);
  const record = value as Record<string, unknown>;
  for (const key of keys) {
    w.string(key);
    writeValue(w, record[key], depth + 1, maxDepth);
  }
}

/**
 * Encode a structured-cloneable value: `undefined`, `null`, booleans, numbers (safe integers as varints,
 * everything else as float64, so `-0`, `NaN` and infinities survive), strings, `Uint8Array` (raw bytes),
 * arrays, plain objects (own enumerable string keys), `Map`, `Set` and `Date`.
 *
 * @throws HamokError `InvalidArgument` for functions, symbols, bigints, other typed arrays, or nesting
 *   deeper than `maxDepth` (which also catches cycles); `PayloadTooLarge` beyond `maxBytes`.
 */
export function encodeValue(value: unknown, options?: ValueCodecOptions): Uint8Array {
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  // Reuse one scratch buffer on the hot path; a re-entrant call (from a getter) gets its own.
  const w = sharedWriter ?? new Writer(256);
  sharedWriter = undefined;
  try {
    w.pos = 0;
    w.limit = options?.maxBytes ?? Number.POSITIVE_INFINITY;
    w.byte(VALUE_CODEC_VERSION);
    writeValue(w, value, 0, maxDepth);
    if (w.pos > w.limit) throw new HamokError("PayloadTooLarge", `value codec: encoding exceeds ${w.limit} bytes`);
    return w.buf.slice(0, w.pos);
  } finally {
    // Keep the scratch buffer only if it stayed small, so one huge message does not pin memory.
    if (w.buf.length <= 1 << 20) sharedWriter = w;
  }
}
