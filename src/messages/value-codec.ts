/**
 * The value codec: a compact, versioned binary encoding of structured-cloneable data
 * (the payload of every message on a byte transport). The grammar is in PROTOCOL.md
 * ("Values"). Decoding treats its input as hostile: every length is checked against
 * the bytes that remain, nesting is capped, UTF-8 is validated, and any defect throws
 * `HamokError` with code `InvalidMessage` (never a `RangeError` or a stack overflow).
 */
import { HamokError } from "../errors.js";

/** The first byte of every encoded value. A decoder refuses any other version. */
export const VALUE_CODEC_VERSION = 1;

/** Default cap on nesting (arrays, objects, maps, sets) for encoding and decoding. */
export const DEFAULT_MAX_DEPTH = 64;

/** Default cap on the element count of one container when decoding (bounds memory amplification). */
export const DEFAULT_MAX_LENGTH = 1 << 24;

/** Tags of the value grammar (PROTOCOL.md). Stable: never renumber, only append. */
enum Tag {
  Undefined = 0x00,
  Null = 0x01,
  False = 0x02,
  True = 0x03,
  UInt = 0x04,
  NegInt = 0x05,
  Float64 = 0x06,
  String = 0x07,
  Bytes = 0x08,
  Array = 0x09,
  Object = 0x0a,
  Map = 0x0b,
  Set = 0x0c,
  Date = 0x0d,
}

/** Options of {@link encodeValue} and {@link decodeValue}. */
export interface ValueCodecOptions {
  /** Maximum nesting of containers; deeper input is refused. Default {@link DEFAULT_MAX_DEPTH}. */
  readonly maxDepth?: number;
  /** Decoding only: maximum element count of one array, object, map or set. Default {@link DEFAULT_MAX_LENGTH}. */
  readonly maxLength?: number;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A growable output buffer. One is reused across calls unless encoding re-enters (a getter that encodes). */
class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  ensure(extra: number): void {
    const needed = this.pos + extra;
    if (needed <= this.buf.length) return;
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
    for (let i = 0; i < value.length; i++) writeValue(w, value[i], depth + 1, maxDepth);
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
 *   deeper than `maxDepth` (which also catches cycles).
 */
export function encodeValue(value: unknown, options?: ValueCodecOptions): Uint8Array {
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  // Reuse one scratch buffer on the hot path; a re-entrant call (from a getter) gets its own.
  const w = sharedWriter ?? new Writer(256);
  sharedWriter = undefined;
  try {
    w.pos = 0;
    w.byte(VALUE_CODEC_VERSION);
    writeValue(w, value, 0, maxDepth);
    return w.buf.slice(0, w.pos);
  } finally {
    // Keep the scratch buffer only if it stayed small, so one huge message does not pin memory.
    if (w.buf.length <= 1 << 20) sharedWriter = w;
  }
}

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
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
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
    case Tag.Bytes:
      // A copy, so the value never aliases a reassembly buffer that is reused or retained.
      return r.take(r.length(1)).slice();
    case Tag.Date:
      return new Date(r.float64());
    default:
      break;
  }
  if (depth >= r.maxDepth) invalid(`nesting deeper than ${r.maxDepth}`);
  switch (tag) {
    case Tag.Array: {
      const n = r.count(1);
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = readValue(r, depth + 1);
      return out;
    }
    case Tag.Object: {
      const n = r.count(2);
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
      const out = new Map<unknown, unknown>();
      for (let i = 0; i < n; i++) {
        const k = readValue(r, depth + 1);
        out.set(k, readValue(r, depth + 1));
      }
      return out;
    }
    case Tag.Set: {
      const n = r.count(1);
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
 *   `maxLength`, a duplicate object key, or nesting deeper than `maxDepth`. Never any other error.
 */
export function decodeValue(bytes: Uint8Array, options?: ValueCodecOptions): unknown {
  // A Node Buffer (what Node data channels deliver) is a Uint8Array whose `slice` does not copy: view it as a plain one.
  const plain =
    bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader(plain, options?.maxDepth ?? DEFAULT_MAX_DEPTH, options?.maxLength ?? DEFAULT_MAX_LENGTH);
  const version = r.byte();
  if (version !== VALUE_CODEC_VERSION) invalid(`unsupported version ${version}`);
  const value = readValue(r, 0);
  if (r.pos !== plain.length) invalid("trailing bytes");
  return value;
}
