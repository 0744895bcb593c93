/**
 * Reassembly of chunked messages on the receiving side of one channel, with limits so that a hostile or
 * broken sender can neither exhaust memory nor wedge the channel: a cap on the message size (checked on the
 * first chunk, before buffering anything), a cap on concurrent partial messages (the oldest is evicted), and
 * a staleness timeout. Every defect is a returned error; nothing throws.
 */
import { HamokError } from "../errors.js";
import type { Frame, FrameKind } from "./frame.js";

/** Limits of a {@link ChunkAssembler}. */
export interface ChunkAssemblerOptions {
  /** Largest accepted message payload in bytes. */
  readonly maxMessageBytes: number;
  /** Most partial messages buffered at once; a new one beyond it evicts the least recently fed. */
  readonly maxPartialMessages: number;
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

  constructor(private readonly options: ChunkAssemblerOptions) {}

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
    if (index === 0) this.partials.delete(messageId);
    if (partial === undefined) {
      if (index !== 0) return failure("InvalidMessage", `message ${messageId} starts at chunk ${index}`);
      if (totalBytes > this.options.maxMessageBytes) {
        return failure("PayloadTooLarge", `message of ${totalBytes} bytes exceeds ${this.options.maxMessageBytes}`);
      }
      // Every chunk carries at least one byte, so more chunks than bytes is impossible.
      if (count > totalBytes) return failure("InvalidMessage", `${count} chunks for ${totalBytes} bytes`);
      if (this.partials.size >= this.options.maxPartialMessages) this.evictOldest();
      partial = { count, totalBytes, parts: [], receivedBytes: 0, lastSeen: now };
      this.partials.set(messageId, partial);
    } else if (index !== partial.parts.length || count !== partial.count || totalBytes !== partial.totalBytes) {
      this.partials.delete(messageId);
      return failure("InvalidMessage", `message ${messageId}: unexpected chunk ${index} of ${count}`);
    }
    partial.receivedBytes += payload.length;
    const remainingChunks = count - index - 1;
    // The bytes so far plus at least one byte per remaining chunk must still fit the announced total.
    if (partial.receivedBytes + remainingChunks > totalBytes) {
      this.partials.delete(messageId);
      return failure("InvalidMessage", `message ${messageId}: chunks exceed ${totalBytes} bytes`);
    }
    // Copy: the frame buffer may belong to the channel and be reused after this call.
    partial.parts.push(payload.slice());
    partial.lastSeen = now;
    if (remainingChunks > 0) return PENDING;
    this.partials.delete(messageId);
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
        this.partials.delete(id);
        dropped++;
      }
    }
    return dropped;
  }

  /** Forget every partial message (the channel closed). */
  clear(): void {
    this.partials.clear();
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
    if (oldestId !== undefined) this.partials.delete(oldestId);
  }
}
