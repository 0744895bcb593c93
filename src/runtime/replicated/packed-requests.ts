import type { StorageCommand, StorageType } from "../../collections/contract.js";
import { decodeValue, encodeValue } from "../../messages/value-codec.js";
import type { RequestBatchPayload, RequestPayload } from "./log-payload.js";

/**
 * A batch of one session's requests as the data of one log entry, packed into a single `Uint8Array`.
 *
 * Why bytes: every entry is structured-cloned several times on its way (the forward to the leader, each append
 * over BroadcastChannel or `postMessage`, each IndexedDB save) and encoded again for WebRTC. Cloning a command
 * object with a `Uint8Array` key and value costs microseconds (an object per level and an `ArrayBuffer` per
 * array); cloning one `Uint8Array` costs about as much as copying its bytes. The batch is packed once by the
 * proposer and unpacked once per peer when applied.
 *
 * Layout (varint = unsigned LEB128, str = varint byte length then UTF-8):
 *
 *     packed  = 0x01 str(sourcePeerId) str(session) varint(count) varint(stringCount) str* request*
 *     request = varint(seq) varint(ackBelow) varint(storageId) varint(storageType) varint(op) args
 *     args    = 0x00                                    no args
 *             | 0x01 bytes(key)                          { key }
 *             | 0x02 bytes(key) bytes(value)             { key, value }
 *             | 0x03 bytes(encodeValue(args))            anything else, in the value codec
 *     bytes   = varint(length) byte*
 *
 * `storageId`, `storageType` and `op` are indexes into the string table (a batch names few of each).
 * Unpacking fails (returns undefined) on anything malformed, the same way on every peer.
 */

const FORMAT = 1;
const NO_ARGS = 0;
const KEY = 1;
const KEY_VALUE = 2;
const VALUE_CODEC = 3;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

class Writer {
  bytes = new Uint8Array(256);
  at = 0;

  private reserve(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.at + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.at));
    this.bytes = grown;
  }

  byte(value: number): void {
    this.reserve(1);
    this.bytes[this.at++] = value;
  }

  varint(value: number): void {
    this.reserve(8);
    if (value < 0x80) {
      this.bytes[this.at++] = value;
      return;
    }
    let rest = value;
    while (rest >= 0x80) {
      this.bytes[this.at++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.bytes[this.at++] = rest;
  }

  raw(bytes: Uint8Array): void {
    const length = bytes.length;
    this.varint(length);
    this.reserve(length);
    // Keys and values are mostly a few bytes: a loop beats the call into `set` for those.
    if (length <= 32) {
      const out = this.bytes;
      let at = this.at;
      for (let i = 0; i < length; i++) out[at++] = bytes[i]!;
    } else {
      this.bytes.set(bytes, this.at);
    }
    this.at += length;
  }

  string(value: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit; write after a 5-byte length slot, then move it down.
    // Reserved once for both, so writing the length cannot move the buffer under the encoded text.
    this.reserve(8 + value.length * 3);
    const start = this.at + 5;
    const { written } = encoder.encodeInto(value, this.bytes.subarray(start));
    this.varint(written);
    this.bytes.copyWithin(this.at, start, start + written);
    this.at += written;
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.at);
  }
}

class Reader {
  at = 0;
  private readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    // A plain view: a subclass (a Buffer polyfill, as byte transports hand out) makes `slice` return views
    // and go through its species constructor, the slow path.
    this.bytes =
      bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  byte(): number {
    if (this.at >= this.bytes.length) throw new RangeError("truncated");
    return this.bytes[this.at++]!;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 0x80;
      if (scale > 2 ** 49) throw new RangeError("varint too long");
    }
    if (!Number.isSafeInteger(value)) throw new RangeError("varint beyond a safe integer");
    return value;
  }

  raw(): Uint8Array {
    const length = this.varint();
    if (this.at + length > this.bytes.length) throw new RangeError("truncated");
    // A copy, not a view: a state machine may keep the key or value, and a view would pin the whole entry.
    let out: Uint8Array;
    if (length <= 32) {
      out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = this.bytes[this.at + i]!;
    } else {
      out = this.bytes.slice(this.at, this.at + length);
    }
    this.at += length;
    return out;
  }

  /** Step over a byte field without reading it. */
  skip(): void {
    const length = this.varint();
    if (this.at + length > this.bytes.length) throw new RangeError("truncated");
    this.at += length;
  }

  string(): string {
    const length = this.varint();
    if (this.at + length > this.bytes.length) throw new RangeError("truncated");
    const out = decoder.decode(this.bytes.subarray(this.at, this.at + length));
    this.at += length;
    return out;
  }

  done(): boolean {
    return this.at === this.bytes.length;
  }
}

/** The own enumerable keys of a plain `{ key, value? }` of byte arrays, else undefined. */
function keyValueShape(args: unknown): typeof KEY | typeof KEY_VALUE | undefined {
  if (typeof args !== "object" || args === null || Object.getPrototypeOf(args) !== Object.prototype) return undefined;
  const keys = Object.keys(args);
  const a = args as { key?: unknown; value?: unknown };
  if (!(a.key instanceof Uint8Array) || keys[0] !== "key") return undefined;
  if (keys.length === 1) return KEY;
  return keys.length === 2 && keys[1] === "value" && a.value instanceof Uint8Array ? KEY_VALUE : undefined;
}

/** Pack one session's requests (column `i` of each list is request `i`); see the module comment. */
export function packRequests(
  sourcePeerId: string,
  session: string,
  seqs: readonly number[],
  ackBelows: readonly number[],
  commands: readonly StorageCommand[],
): Uint8Array {
  const table = new Map<string, number>();
  const ref = (value: string) => {
    let index = table.get(value);
    if (index === undefined) {
      index = table.size;
      table.set(value, index);
    }
    return index;
  };
  const body = new Writer();
  for (let i = 0; i < commands.length; i++) {
    const command = commands[i]!;
    body.varint(seqs[i]!);
    body.varint(ackBelows[i]!);
    body.varint(ref(command.storageId));
    body.varint(ref(command.storageType));
    body.varint(ref(command.op));
    const args = command.args;
    const shape = keyValueShape(args);
    if (args === undefined) {
      body.byte(NO_ARGS);
    } else if (shape !== undefined) {
      const { key, value } = args as { key: Uint8Array; value?: Uint8Array };
      body.byte(shape);
      body.raw(key);
      if (shape === KEY_VALUE) body.raw(value!);
    } else {
      body.byte(VALUE_CODEC);
      body.raw(encodeValue(args));
    }
  }
  const head = new Writer();
  head.byte(FORMAT);
  head.string(sourcePeerId);
  head.string(session);
  head.varint(commands.length);
  head.varint(table.size);
  for (const value of table.keys()) head.string(value);
  const packed = new Uint8Array(head.at + body.at);
  packed.set(head.bytes.subarray(0, head.at));
  packed.set(body.bytes.subarray(0, body.at), head.at);
  return packed;
}

/** Whether `data` is (claims to be) a packed batch: a log entry's data that {@link unpackRequests} reads. */
export function isPackedRequests(data: unknown): data is Uint8Array {
  return data instanceof Uint8Array && data[0] === FORMAT;
}

/** What a batch's header says: whose requests they are and how many. */
interface BatchHead {
  readonly sourcePeerId: string;
  readonly session: string;
  readonly count: number;
}

/**
 * Read a batch's header and string table with `r`, from the batch's start; undefined when the format byte or
 * a count is wrong. Throws (`RangeError`) on truncation, as every `Reader` call does.
 */
function readHead(r: Reader, bytes: Uint8Array): (BatchHead & { readonly strings: string[] }) | undefined {
  if (r.byte() !== FORMAT) return undefined;
  const sourcePeerId = r.string();
  const session = r.string();
  const count = r.varint();
  // Every request takes at least six bytes: a count beyond that is a lie, not a reason to allocate.
  if (count * 6 > bytes.length) return undefined;
  const strings: string[] = [];
  const stringCount = r.varint();
  if (stringCount > bytes.length) return undefined;
  for (let i = 0; i < stringCount; i++) strings.push(r.string());
  return { sourcePeerId, session, count, strings };
}

/** Step over a request's args of kind `tag` (value-codec args unchecked); false for an unknown tag. */
function skipArgs(r: Reader, tag: number): boolean {
  if (tag === KEY || tag === VALUE_CODEC) r.skip();
  else if (tag === KEY_VALUE) {
    r.skip();
    r.skip();
  } else return tag === NO_ARGS;
  return true;
}

/** Called per request of a batch, in order, with its command built (see {@link readBatch}). */
type RequestVisitor = (seq: number, ackBelow: number, command: StorageCommand) => void;

/**
 * Read a packed batch from its start. With `visit`, each request's command is built and handed to it in
 * order; without, the requests are only checked, and the value-codec args (only decoding tells whether they
 * are well formed) are pushed to `decoded`. With both, those args are taken from `decoded` (as a check left
 * them) instead of being decoded again. Returns the header, or undefined when `bytes` is malformed (and then
 * `visit` may have seen some of the requests: check first when that matters).
 */
function readBatch(bytes: Uint8Array, visit: RequestVisitor | undefined, decoded?: unknown[]): BatchHead | undefined {
  try {
    const r = new Reader(bytes);
    const head = readHead(r, bytes);
    if (head === undefined) return undefined;
    const { strings, count } = head;
    const text = (index: number) => {
      const value = strings[index];
      if (value === undefined) throw new RangeError("bad string reference");
      return value;
    };
    let nextDecoded = 0;
    for (let i = 0; i < count; i++) {
      const seq = r.varint();
      const ackBelow = r.varint();
      const storageId = text(r.varint());
      const storageType = text(r.varint()) as StorageType;
      const op = text(r.varint());
      const tag = r.byte();
      if (visit === undefined) {
        if (tag === VALUE_CODEC) decoded?.push(decodeValue(r.raw()));
        else if (!skipArgs(r, tag)) return undefined;
      } else if (tag === NO_ARGS) {
        visit(seq, ackBelow, { storageId, storageType, op });
      } else if (tag === KEY) {
        visit(seq, ackBelow, { storageId, storageType, op, args: { key: r.raw() } });
      } else if (tag === KEY_VALUE) {
        visit(seq, ackBelow, { storageId, storageType, op, args: { key: r.raw(), value: r.raw() } });
      } else if (tag === VALUE_CODEC) {
        let args: unknown;
        if (decoded === undefined) args = decodeValue(r.raw());
        else {
          r.skip();
          args = decoded[nextDecoded++];
        }
        visit(seq, ackBelow, { storageId, storageType, op, args });
      } else {
        return undefined;
      }
    }
    if (!r.done()) return undefined;
    return { sourcePeerId: head.sourcePeerId, session: head.session, count };
  } catch {
    return undefined;
  }
}

/** The batch packed in `bytes`, or undefined when it is malformed. */
export function unpackRequests(bytes: Uint8Array): RequestBatchPayload | undefined {
  const seqs: number[] = [];
  const ackBelows: number[] = [];
  const commands: StorageCommand[] = [];
  const head = readBatch(bytes, (seq, ackBelow, command) => {
    seqs.push(seq);
    ackBelows.push(ackBelow);
    commands.push(command);
  });
  if (head === undefined) return undefined;
  const { sourcePeerId, session } = head;
  return { kind: "requests", bytes: bytes.length, sourcePeerId, session, seqs, ackBelows, commands };
}

/**
 * Hand each request of a packed batch to `visit`, in order, built one at a time: a batch holds thousands of
 * requests, and building them all first (as {@link unpackRequests} does) keeps all of them alive at once, for
 * the garbage collector to copy. Returns how many there were; a malformed batch visits none and returns
 * undefined, as {@link unpackRequests} refuses it whole.
 */
export function forEachPackedRequest(bytes: Uint8Array, visit: (request: RequestPayload) => void): number | undefined {
  // The check decodes the value-codec args (only decoding proves them well formed); the visit reuses them.
  const decoded: unknown[] = [];
  const head = readBatch(bytes, undefined, decoded);
  if (head === undefined) return undefined;
  const { sourcePeerId, session } = head;
  readBatch(
    bytes,
    (seq, ackBelow, command) => visit({ kind: "request", sourcePeerId, session, seq, ackBelow, command }),
    decoded,
  );
  return head.count;
}

/**
 * The seqs of a packed batch if it is one of `session`'s, else undefined (also when malformed): what a
 * submitter needs to know that its requests reached its log, without unpacking their commands.
 */
export function packedSeqsOf(bytes: Uint8Array, session: string): number[] | undefined {
  try {
    const r = new Reader(bytes);
    const head = readHead(r, bytes);
    if (head === undefined || head.session !== session) return undefined;
    const seqs: number[] = [];
    for (let i = 0; i < head.count; i++) {
      seqs.push(r.varint());
      // ackBelow, then the storage id, storage type and op (string references).
      r.varint();
      r.varint();
      r.varint();
      r.varint();
      if (!skipArgs(r, r.byte())) return undefined;
    }
    return r.done() ? seqs : undefined;
  } catch {
    return undefined;
  }
}
