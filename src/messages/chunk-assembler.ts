/**
 * Reassembly of chunked messages on the receiving side of one channel, with limits so that a hostile or
 * broken sender can neither exhaust memory nor wedge the channel: a cap on the message size (checked on the
 * first chunk, before buffering anything), caps on concurrent partial messages and on the bytes they announce
 * (the oldest is evicted), and a staleness timeout. Every defect is a returned error; nothing throws.
 */
import { HamokError } from "../errors.js";
import type { Frame, FrameKind } from "./frame.js";

/** Limits of a {@link ChunkAssembler}. */
export interface ChunkAssemblerOptions {
  /** Largest accepted message payload in bytes. */
  readonly maxMessageBytes: number;
  /** Most partial messages buffered at once; a new one beyond it evicts the least recently fed. */
  readonly maxPartialMessages: number;
  /**
   * Most bytes announced (`totalBytes`) by all partial messages together; a new one beyond it evicts the least
   * recently fed until it fits. Default `maxMessageBytes`: an honest sender has one chunked message in flight.
   */
  readonly maxBufferedBytes?: number;
  /** A partial message that received no chunk for this long is dropped. */
  readonly partialTimeoutMs: number;
}

interface Partial {
  readonly count: number;
  readonly totalBytes: number;
  readonly parts: Uint8Array[];
  receivedBytes: number;
  lastSeen: number;
}

/** The outcome of feeding one chunk. */
export type AssembleResult =
  | { readonly kind: "complete"; readonly payload: Uint8Array }
  | { readonly kind: "pending" }
  | { readonly kind: "error"; readonly error: HamokError };

const PENDING: AssembleResult = { kind: "pending" };

function failure(code: "InvalidMessage" | "PayloadTooLarge", reason: string): AssembleResult {
  return { kind: "error", error: new HamokError(code, `chunk: ${reason}`) };
}

/**
 * Reassembles the chunks of one sender. Chunks of one message must arrive in order (an ordered channel and
 * a sender that enqueues a message's chunks contiguously guarantee it); different messages may interleave.
 */
export class ChunkAssembler {
  private readonly partials = new Map<number, Partial>();
  private readonly maxBufferedBytes: number;
  /** Sum of `totalBytes` over the partial messages: the most they can come to buffer. */
  private reservedBytes = 0;

  constructor(private readonly options: ChunkAssemblerOptions) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? options.maxMessageBytes;
  }

  /** Number of partial messages currently buffered. */
  get pendingCount(): number {
    return this.partials.size;
  }

  /** Feed one parsed chunk frame received at time `now` (ms). */
  add(chunk: Extract<Frame, { kind: typeof FrameKind.Chunk }>, now: number): AssembleResult {
    this.dropStale(now);
    const { messageId, index, count, totalBytes, payload } = chunk;
    // Chunk 0 always starts the message afresh: a leftover partial with a reused id is abandoned.
    let partial = index === 0 ? undefined : this.partials.get(messageId);
    if (index === 0) this.remove(messageId);
    if (partial === undefined) {
      if (index !== 0) return failure("InvalidMessage", `message ${messageId} starts at chunk ${index}`);
      if (totalBytes > this.options.maxMessageBytes) {
        return failure("PayloadTooLarge", `message of ${totalBytes} bytes exceeds ${this.options.maxMessageBytes}`);
      }
      // Every chunk carries at least one byte, so more chunks than bytes is impossible.
      if (count > totalBytes) return failure("InvalidMessage", `${count} chunks for ${totalBytes} bytes`);
      if (this.partials.size >= this.options.maxPartialMessages) this.evictOldest();
      while (this.partials.size > 0 && this.reservedBytes + totalBytes > this.maxBufferedBytes) this.evictOldest();
      partial = { count, totalBytes, parts: [], receivedBytes: 0, lastSeen: now };
      this.partials.set(messageId, partial);
      this.reservedBytes += totalBytes;
    } else if (index !== partial.parts.length || count !== partial.count || totalBytes !== partial.totalBytes) {
      this.remove(messageId);
      return failure("InvalidMessage", `message ${messageId}: unexpected chunk ${index} of ${count}`);
    }
    partial.receivedBytes += payload.length;
    const remainingChunks = count - index - 1;
    // The bytes so far plus at least one byte per remaining chunk must still fit the announced total.
    if (partial.receivedBytes + remainingChunks > totalBytes) {
      this.remove(messageId);
      return failure("InvalidMessage", `message ${messageId}: chunks exceed ${totalBytes} bytes`);
    }
    // Copy: the frame buffer may belong to the channel and be reused after this call.
    partial.parts.push(payload.slice());
    partial.lastSeen = now;
    if (remainingChunks > 0) return PENDING;
    this.remove(messageId);
    if (partial.receivedBytes !== totalBytes) {
      return failure("InvalidMessage", `message ${messageId}: ${partial.receivedBytes} of ${totalBytes} bytes`);
    }
    const out = new Uint8Array(totalBytes);
    let offset = 0;
    for (const part of partial.parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return { kind: "complete", payload: out };
  }

  /** Drop partial messages idle for longer than the timeout; returns how many were dropped. */
  dropStale(now: number): number {
    let dropped = 0;
    for (const [id, partial] of this.partials) {
      if (now - partial.lastSeen > this.options.partialTimeoutMs) {
        this.remove(id);
        dropped++;
      }
    }
    return dropped;
  }

  /** Forget every partial message (the channel closed). */
  clear(): void {
    this.partials.clear();
    this.reservedBytes = 0;
  }

  /** Bytes the partial messages may still come to hold (their announced totals). */
  get bufferedBytesBound(): number {
    return this.reservedBytes;
  }

  private remove(id: number): void {
    const partial = this.partials.get(id);
    if (partial === undefined) return;
    this.partials.delete(id);
    this.reservedBytes -= partial.totalBytes;
  }

  private evictOldest(): void {
    let oldestId: number | undefined;
    let oldestSeen = Number.POSITIVE_INFINITY;
    for (const [id, partial] of this.partials) {
      if (partial.lastSeen < oldestSeen) {
        oldestSeen = partial.lastSeen;
        oldestId = id;
      }
    }
    if (oldestId !== undefined) this.remove(oldestId);
  }
}
