/**
 * The wire codec of byte transports: a message (any structured-cloneable object) becomes one or more frames
 * no larger than the chunk size, and frames become messages again on the other side. The format is written
 * down in PROTOCOL.md. Encoding a bad message throws (a local bug); decoding a bad frame returns an error
 * result (remote input), so the receive path never throws.
 */
import { realClock } from "../clock.js";
import { HamokError } from "../errors.js";
import { ChunkAssembler } from "./chunk-assembler.js";
import { chunkFrame, controlFrame, FrameKind, MAX_CHUNK_HEADER_BYTES, parseFrame, wholeFrame } from "./frame.js";
import { decodeValue, encodeValue } from "./value-codec.js";

/** 16 KiB: the data-channel message size every browser interoperates with. */
export const DEFAULT_CHUNK_SIZE = 16 * 1024;

/**
 * Default cap on one encoded message (a snapshot chunk, a batch of entries): 1 MiB, the same as Hamok's own
 * `maxMessageBytes` default, so a byte transport never buffers or decodes a message that `accept()` would
 * refuse anyway. A peer that raises Hamok's cap raises its transport's to match.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/** Default cap on partial messages buffered per channel. */
export const DEFAULT_MAX_PARTIAL_MESSAGES = 8;

/** Default idle time after which a partial message is dropped. */
export const DEFAULT_PARTIAL_TIMEOUT_MS = 60_000;

/** Options of {@link FrameEncoder}. */
export interface FrameEncoderOptions {
  /** Largest frame in bytes, header included. Default {@link DEFAULT_CHUNK_SIZE}. */
  readonly chunkSize?: number;
  /** Largest encoded message; a larger one is refused with `PayloadTooLarge`. Default {@link DEFAULT_MAX_MESSAGE_BYTES}. */
  readonly maxMessageBytes?: number;
}

/** Turns messages into frames for one channel (message ids are per sender). */
export class FrameEncoder {
  private readonly chunkSize: number;
  private readonly maxMessageBytes: number;
  private nextMessageId = 0;

  constructor(options: FrameEncoderOptions = {}) {
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isSafeInteger(this.chunkSize) || this.chunkSize <= MAX_CHUNK_HEADER_BYTES) {
      throw new HamokError("InvalidArgument", `chunkSize must be an integer above ${MAX_CHUNK_HEADER_BYTES}`);
    }
  }

  /**
   * Encode one message into frames of at most `chunkSize` bytes, to be sent in order.
   *
   * @throws HamokError `InvalidArgument` if the message is not encodable, `PayloadTooLarge` if it exceeds
   *   `maxMessageBytes`.
   */
  encode(message: unknown): Uint8Array[] {
    const payload = encodeValue(message, { maxBytes: this.maxMessageBytes });
    if (payload.length > this.maxMessageBytes) {
      throw new HamokError("PayloadTooLarge", `message of ${payload.length} bytes exceeds ${this.maxMessageBytes}`);
    }
    if (payload.length + 2 <= this.chunkSize) return [wholeFrame(payload)];
    const step = this.chunkSize - MAX_CHUNK_HEADER_BYTES;
    const count = Math.ceil(payload.length / step);
    const id = this.nextMessageId;
    // Ids only need to be unique among one sender's in-flight messages; wrapping keeps the varint short.
    this.nextMessageId = (this.nextMessageId + 1) % 2 ** 32;
    const frames = new Array<Uint8Array>(count);
    for (let i = 0; i < count; i++) {
      frames[i] = chunkFrame(id, i, count, payload.length, payload.subarray(i * step, (i + 1) * step));
    }
    return frames;
  }
}

/** A liveness probe frame: the peer's decoder reports `ping` and the peer answers with {@link pongFrame}. */
export function pingFrame(): Uint8Array {
  return controlFrame(FrameKind.Ping);
}

/** The answer to a ping. */
export function pongFrame(): Uint8Array {
  return controlFrame(FrameKind.Pong);
}

/** Options of {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /** Largest accepted message payload. Default {@link DEFAULT_MAX_MESSAGE_BYTES}. */
  readonly maxMessageBytes?: number;
  /** Most partial messages buffered at once. Default {@link DEFAULT_MAX_PARTIAL_MESSAGES}. */
  readonly maxPartialMessages?: number;
  /** Idle time after which a partial message is dropped. Default {@link DEFAULT_PARTIAL_TIMEOUT_MS}. */
  readonly partialTimeoutMs?: number;
  /** Most bytes announced by all partial messages together. Default `maxMessageBytes`. */
  readonly maxBufferedBytes?: number;
  /** Clock for the staleness timeout, in ms. Default `realClock.now`. */
  readonly now?: () => number;
}

/** The outcome of receiving one frame. */
export type DecodeResult =
  | { readonly kind: "message"; readonly message: unknown }
  | { readonly kind: "ping" }
  | { readonly kind: "pong" }
  | { readonly kind: "pending" }
  | { readonly kind: "error"; readonly error: HamokError };

const PENDING: DecodeResult = { kind: "pending" };
const PING: DecodeResult = { kind: "ping" };
const PONG: DecodeResult = { kind: "pong" };

/** Turns the frames of one channel back into messages. Never throws. */
export class FrameDecoder {
  private readonly assembler: ChunkAssembler;
  private readonly maxMessageBytes: number;
  private readonly now: () => number;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.now = options.now ?? realClock.now;
    this.assembler = new ChunkAssembler({
      maxMessageBytes: this.maxMessageBytes,
      ...(options.maxBufferedBytes === undefined ? {} : { maxBufferedBytes: options.maxBufferedBytes }),
      maxPartialMessages: options.maxPartialMessages ?? DEFAULT_MAX_PARTIAL_MESSAGES,
      partialTimeoutMs: options.partialTimeoutMs ?? DEFAULT_PARTIAL_TIMEOUT_MS,
    });
  }

  /** Number of partial messages currently buffered. */
  get pendingCount(): number {
    return this.assembler.pendingCount;
  }

  /** Receive one frame; a complete message comes back decoded, a defect comes back as an error result. */
  receive(frame: Uint8Array): DecodeResult {
    // No honest frame is larger than a whole message plus the largest chunk header: refuse before parsing.
    if (frame.length > this.maxMessageBytes + MAX_CHUNK_HEADER_BYTES) {
      return {
        kind: "error",
        error: new HamokError("PayloadTooLarge", `frame of ${frame.length} bytes exceeds the cap`),
      };
    }
    const parsed = parseFrame(frame);
    if (parsed instanceof HamokError) return { kind: "error", error: parsed };
    let payload: Uint8Array;
    if (parsed.kind === FrameKind.Ping) return PING;
    if (parsed.kind === FrameKind.Pong) return PONG;
    if (parsed.kind === FrameKind.Whole) {
      if (parsed.payload.length > this.maxMessageBytes) {
        return {
          kind: "error",
          error: new HamokError("PayloadTooLarge", `frame of ${parsed.payload.length} bytes exceeds the cap`),
        };
      }
      payload = parsed.payload;
    } else {
      const result = this.assembler.add(parsed, this.now());
      if (result.kind === "pending") return PENDING;
      if (result.kind === "error") return result;
      payload = result.payload;
    }
    try {
      return { kind: "message", message: decodeValue(payload) };
    } catch (error) {
      const hamokError =
        error instanceof HamokError ? error : new HamokError("InvalidMessage", "undecodable message", { cause: error });
      return { kind: "error", error: hamokError };
    }
  }

  /** Forget partial messages (the channel closed or was re-established). */
  reset(): void {
    this.assembler.clear();
  }
}
