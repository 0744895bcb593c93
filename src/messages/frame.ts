/**
 * Frames: the unit a byte channel carries (one data-channel message). A frame holds either a whole
 * encoded message or one chunk of a larger one. The grammar is in PROTOCOL.md ("Frames").
 */
import { HamokError } from "../errors.js";

/** The first byte of every frame. A receiver refuses any other version. */
export const FRAME_VERSION = 1;

/** Frame kinds (PROTOCOL.md). Stable: never renumber, only append. */
export const FrameKind = {
  /** The payload is one whole encoded message. */
  Whole: 0,
  /** The payload is one chunk of a message split across several frames. */
  Chunk: 1,
  /** A liveness probe; the receiver answers with a pong. No payload. */
  Ping: 2,
  /** The answer to a ping. No payload. */
  Pong: 3,
} as const;

/** Upper bound of a chunk header: version, kind and four varints of at most 8 bytes each. */
export const MAX_CHUNK_HEADER_BYTES = 2 + 4 * 8;

/** A parsed frame; `payload` is a view into the frame. */
export type Frame =
  | { readonly kind: typeof FrameKind.Ping }
  | { readonly kind: typeof FrameKind.Pong }
  | { readonly kind: typeof FrameKind.Whole; readonly payload: Uint8Array }
  | {
      readonly kind: typeof FrameKind.Chunk;
      /** Sender-chosen id shared by every chunk of one message (unique among the sender's partial messages). */
      readonly messageId: number;
      /** Position of this chunk, from 0. */
      readonly index: number;
      /** Number of chunks of the message. */
      readonly count: number;
      /** Byte length of the whole message payload. */
      readonly totalBytes: number;
      readonly payload: Uint8Array;
    };

/** Build a frame holding a whole message payload. */
export function wholeFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(2 + payload.length);
  frame[0] = FRAME_VERSION;
  frame[1] = FrameKind.Whole;
  frame.set(payload, 2);
  return frame;
}

/** Build a ping or pong frame. */
export function controlFrame(kind: typeof FrameKind.Ping | typeof FrameKind.Pong): Uint8Array {
  return Uint8Array.of(FRAME_VERSION, kind);
}

function varintLength(value: number): number {
  let n = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return n;
}

function writeVarint(out: Uint8Array, pos: number, value: number): number {
  let p = pos;
  let v = value;
  while (v >= 0x80) {
    out[p++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[p++] = v;
  return p;
}

/** Build a frame holding chunk `index` of `count` of message `messageId`. */
export function chunkFrame(
  messageId: number,
  index: number,
  count: number,
  totalBytes: number,
  payload: Uint8Array,
): Uint8Array {
  const header = 2 + varintLength(messageId) + varintLength(index) + varintLength(count) + varintLength(totalBytes);
  const frame = new Uint8Array(header + payload.length);
  frame[0] = FRAME_VERSION;
  frame[1] = FrameKind.Chunk;
  let p = writeVarint(frame, 2, messageId);
  p = writeVarint(frame, p, index);
  p = writeVarint(frame, p, count);
  p = writeVarint(frame, p, totalBytes);
  frame.set(payload, p);
  return frame;
}

function invalid(reason: string): HamokError {
  return new HamokError("InvalidMessage", `frame: ${reason}`);
}

/**
 * Parse a frame. Returns a `HamokError` (code `InvalidMessage`) instead of throwing, because this runs on the
 * receive path where a hostile peer must never be able to raise an exception.
 */
export function parseFrame(frame: Uint8Array): Frame | HamokError {
  if (frame.length < 2) return invalid("shorter than its header");
  if (frame[0] !== FRAME_VERSION) return invalid(`unsupported version ${frame[0]}`);
  const kind = frame[1];
  if (kind === FrameKind.Whole) return { kind: FrameKind.Whole, payload: frame.subarray(2) };
  if (kind === FrameKind.Ping || kind === FrameKind.Pong) {
    return frame.length === 2 ? { kind } : invalid("control frame with a payload");
  }
  if (kind !== FrameKind.Chunk) return invalid(`unknown kind ${kind}`);
  let pos = 2;
  const fields: number[] = [];
  for (let f = 0; f < 4; f++) {
    let value = 0;
    let scale = 1;
    let done = false;
    for (let i = 0; i < 8 && pos < frame.length; i++) {
      const b = frame[pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        // Canonical only (PROTOCOL.md): a trailing zero group would give one header many spellings.
        if (b === 0 && i > 0) return invalid("non-canonical header varint");
        done = true;
        break;
      }
      scale *= 0x80;
    }
    if (!done || value > Number.MAX_SAFE_INTEGER) return invalid("truncated or oversized header field");
    fields.push(value);
  }
  const [messageId, index, count, totalBytes] = fields as [number, number, number, number];
  if (count < 1 || index >= count) return invalid(`chunk ${index} of ${count}`);
  const payload = frame.subarray(pos);
  if (payload.length === 0) return invalid("empty chunk");
  return { kind: FrameKind.Chunk, messageId, index, count, totalBytes, payload };
}
