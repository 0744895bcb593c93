/**
 * A transport for tabs (and workers) of one origin in one browser profile: no server, no WebRTC, messages
 * cross a `BroadcastChannel` as structured clones. Node 20 has `BroadcastChannel` too (between instances and
 * worker threads of one process).
 *
 * Presence: `open()` announces itself (`hello`); every open peer answers (`here`); `open()` resolves after a
 * short presence round (`presenceMs`) with the peers that answered. Peers send a heartbeat every
 * `heartbeatMs`; one not heard from for `peerTimeoutMs` is reported `peer-left` (so is one that says `bye`
 * on close). Any traffic from an unknown peer (a tab that was frozen, or woke from intensive throttling)
 * reports it `peer-joined` again.
 *
 * Sending: the messages sent in one turn of the event loop (a Raft Ready's appends to every peer, say) cross the
 * channel as one post (`msgs`, or `msg` when there is one), so each tab takes one event and one clone per
 * turn instead of one per message; a receiving tab checks a message's destination before reading the rest of
 * it. Older releases read only `msg`: tabs of both kinds in one room lose the batched messages.
 *
 * Guarantees: per-sender FIFO delivery to every other open instance of the room (the BroadcastChannel order),
 * never to the sender itself; best effort otherwise (a frozen tab receives nothing). `sourceId` is checked
 * against the sending instance's announced id. Where the Web Locks API exists, the presence round of
 * `open()` runs under an exclusive lock per room, so two tabs opening at once are serialised: the first
 * resolves alone (and may bootstrap), the second then finds it. Two instances with the same peer id are
 * refused: the later `open()` rejects with `PeerIdInUse`.
 */
import { EventEmitter } from "eventemitter3";
import { type ClockTimer, type HamokClock, realClock } from "../clock.js";
import { HamokError } from "../errors.js";
import { type Budget, checkPlainData, Invalid, isPlainRecord } from "../messages/plain-data.js";
import type { HamokTransport, TransportEvents } from "./transport.js";

/** The part of the Web Locks API the transport uses (`navigator.locks`). */
export interface LockManagerLike {
  /** Holds the lock `name` while `callback` runs (the shape of `navigator.locks.request`). */
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/** Options of {@link broadcastChannelTransport}. */
export interface BroadcastChannelTransportOptions {
  /** The room: instances with the same room on one origin form the cluster. */
  readonly room: string;
  /** How long `open()` waits for answers to its `hello`. Default 100 ms. */
  readonly presenceMs?: number;
  /** Heartbeat period. Default 1 000 ms. */
  readonly heartbeatMs?: number;
  /**
   * Silence after which a peer is reported `peer-left`. Default 15 000 ms: hidden tabs run timers once a
   * second, so this must stay well above `heartbeatMs`.
   */
  readonly peerTimeoutMs?: number;
  /** Lock manager serialising `open()`. Default `navigator.locks` where it exists, else none. */
  readonly locks?: LockManagerLike;
  /**
   * Largest message handed on, estimated as Hamok's validation does; a larger or malformed one is dropped
   * with an `error` before anyone reads it. Default 1 MiB, Hamok's own `maxMessageBytes` default.
   */
  readonly maxMessageBytes?: number;
  /** The clock of the presence round, heartbeats and silence timeouts. Default `realClock`. */
  readonly clock?: HamokClock;
}

/** Any same-origin script can post on the channel: ids are bounded, and so is the number of peers tracked. */
const MAX_ID_LENGTH = 256;
const MAX_PEERS = 1024;
const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
const ENVELOPE_DEPTH = 8;
const ENVELOPE_TYPES: ReadonlySet<unknown> = new Set(["hello", "here", "beat", "bye", "msg", "msgs"]);
/** Most messages in one `msgs` post that a receiver reads (the rest is dropped with an error). */
const MAX_BATCH = 4096;

function isId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

/** Fields the transport reads from a message. Everything else is opaque. */
type Routed = { readonly sourceId: string; readonly destinationId?: string };

/** What crosses the channel. */
type Envelope =
  | { readonly t: "hello" | "here" | "beat" | "bye"; readonly from: string; readonly to?: string }
  | { readonly t: "msg"; readonly from: string; readonly m: unknown }
  | { readonly t: "msgs"; readonly from: string; readonly m: readonly unknown[] };

function defaultLocks(): LockManagerLike | undefined {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return nav?.locks;
}

/** A {@link HamokTransport} over a `BroadcastChannel`. */
export class BroadcastChannelTransport<M extends Routed>
  extends EventEmitter<TransportEvents<M>>
  implements HamokTransport<M>
{
  private readonly lastHeard = new Map<string, number>();
  private channel: BroadcastChannel | undefined;
  private heartbeat: ClockTimer | undefined;
  private localId = "";
  private state: "new" | "opening" | "open" | "closed" = "new";
  private duplicate = false;
  /** Messages sent this turn, posted together in a microtask (see the module comment). */
  private outbox: M[] = [];

  private readonly clock: HamokClock;

  constructor(private readonly options: BroadcastChannelTransportOptions) {
    super();
    this.clock = options.clock ?? realClock;
  }

  async open(localPeerId: string): Promise<readonly string[]> {
    if (this.state !== "new") throw new HamokError("InvalidArgument", "the transport was already opened");
    if (typeof BroadcastChannel === "undefined") {
      throw new HamokError("TransportFailure", "BroadcastChannel is not available in this environment");
    }
    this.state = "opening";
    this.localId = localPeerId;
    const presence = async (): Promise<readonly string[]> => {
      const channel = new BroadcastChannel(`hamok:${this.options.room}`);
      this.channel = channel;
      channel.addEventListener("message", (event) => this.receive((event as MessageEvent).data));
      this.post({ t: "hello", from: localPeerId });
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, this.options.presenceMs ?? 100));
      if (this.duplicate) {
        this.shutdown(false);
        throw new HamokError("PeerIdInUse", `peer id ${localPeerId} is already open in room ${this.options.room}`);
      }
      if (this.state === "closed") throw new HamokError("Closed", "the transport was closed during open()");
      this.state = "open";
      const heartbeatMs = this.options.heartbeatMs ?? 1_000;
      this.heartbeat = this.clock.setInterval(() => this.tick(), heartbeatMs);
      return [...this.lastHeard.keys()];
    };
    const locks = this.options.locks ?? defaultLocks();
    return locks === undefined ? presence() : locks.request(`hamok:${this.options.room}:presence`, presence);
  }

  send(message: M): void {
    if (this.state !== "open") return;
    this.outbox.push(message);
    if (this.outbox.length === 1) queueMicrotask(() => this.flushOutbox());
  }

  /** Post the messages of this turn as one envelope; if one cannot be cloned, post them one by one. */
  private flushOutbox(): void {
    const batch = this.outbox;
    if (batch.length === 0) return;
    this.outbox = [];
    if (batch.length === 1) {
      this.post({ t: "msg", from: this.localId, m: batch[0] });
      return;
    }
    try {
      this.channel?.postMessage({ t: "msgs", from: this.localId, m: batch });
    } catch {
      // DataCloneError: only the offending message is lost, with an error; the others go out in order.
      for (const message of batch) this.post({ t: "msg", from: this.localId, m: message });
    }
  }

  members(): ReadonlySet<string> {
    return new Set(this.lastHeard.keys());
  }

  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.shutdown(true);
  }

  private shutdown(sayBye: boolean): void {
    this.state = "closed";
    this.clock.clearInterval(this.heartbeat);
    // What was sent before close() still goes out, ahead of the bye (post flushes it).
    if (sayBye) this.post({ t: "bye", from: this.localId });
    this.outbox = [];
    this.channel?.close();
    this.channel = undefined;
    this.lastHeard.clear();
  }

  private post(envelope: Envelope): void {
    // Per-sender FIFO: messages of this turn go before a control envelope posted after them.
    if (envelope.t !== "msg" && this.outbox.length > 0) this.flushOutbox();
    try {
      this.channel?.postMessage(envelope);
    } catch (error) {
      // DataCloneError: the message is not structured-cloneable.
      this.emit("error", new HamokError("InvalidArgument", "message cannot be cloned", { cause: error }));
    }
  }

  private tick(): void {
    this.post({ t: "beat", from: this.localId });
    const deadline = this.clock.now() - (this.options.peerTimeoutMs ?? 15_000);
    for (const [peerId, heard] of this.lastHeard) if (heard < deadline) this.forget(peerId);
  }

  private forget(peerId: string): void {
    if (this.lastHeard.delete(peerId)) this.emit("peer-left", peerId);
  }

  private heard(peerId: string): void {
    const known = this.lastHeard.has(peerId);
    if (!known && this.lastHeard.size >= MAX_PEERS) return;
    this.lastHeard.set(peerId, this.clock.now());
    if (!known && this.state === "open") this.emit("peer-joined", peerId);
  }

  private receive(data: unknown): void {
    if (this.state === "closed") return;
    // Structured clone makes plain objects: anything else, or fields of the wrong kind, is not from a peer.
    if (
      !isPlainRecord(data) ||
      !ENVELOPE_TYPES.has(data.t) ||
      !isId(data.from) ||
      (data.to !== undefined && !isId(data.to))
    ) {
      this.emit("error", new HamokError("InvalidMessage", "malformed BroadcastChannel envelope"));
      return;
    }
    const envelope = data as Partial<Envelope>;
    const from = data.from;
    if (from === this.localId) {
      // Another instance uses our id. During open() that instance came first: refuse ours.
      if (envelope.t === "here" && this.state === "opening") this.duplicate = true;
      if (envelope.t === "hello" && this.state === "open") this.post({ t: "here", from: this.localId, to: from });
      return;
    }
    switch (envelope.t) {
      case "hello":
        this.heard(from);
        this.post({ t: "here", from: this.localId, to: from });
        return;
      case "here":
        if ("to" in envelope && envelope.to === this.localId) this.heard(from);
        return;
      case "beat":
        this.heard(from);
        return;
      case "bye":
        this.forget(from);
        return;
      case "msg":
        this.deliver(from, (envelope as { m?: unknown }).m);
        return;
      case "msgs":
        this.deliverBatch(from, (envelope as { m?: unknown }).m);
        return;
    }
  }

  private deliverBatch(from: string, batch: unknown): void {
    if (!Array.isArray(batch) || batch.length > MAX_BATCH) {
      this.emit("error", new HamokError("InvalidMessage", `malformed batch of messages from ${from}`));
      return;
    }
    for (const message of batch) this.deliver(from, message);
  }

  private deliver(from: string, message: unknown): void {
    if (this.state !== "open") return;
    if (!isPlainRecord(message) || message.sourceId !== from) {
      this.emit("error", new HamokError("InvalidMessage", `message from ${from} with another or no sourceId`));
      return;
    }
    // Every tab gets every post: a message for another peer is dropped before anything reads the rest of it.
    const destinationId = message.destinationId;
    if (destinationId !== undefined && destinationId !== this.localId) return;
    const refusal = this.refusal(message);
    if (refusal !== undefined) {
      this.emit("error", new HamokError(refusal.code, `dropped a message from ${from}: ${refusal.message}`));
      return;
    }
    this.heard(from);
    this.emit("message", message as unknown as M);
  }

  /** Why a message may not be handed on (not plain data, or over the size cap), or undefined. */
  private refusal(message: unknown): Invalid | undefined {
    const budget: Budget = { left: this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES };
    try {
      // A Hamok message nests application data up to five levels down (envelope, raft, entries, entry, data):
      // the data keeps the full depth that Hamok's validation allows it.
      checkPlainData(message, budget, -ENVELOPE_DEPTH);
      return undefined;
    } catch (error) {
      return error instanceof Invalid ? error : new Invalid("InvalidMessage", "unreadable message");
    }
  }
}

/**
 * Create a BroadcastChannel transport: the zero-configuration transport for tabs of one origin.
 *
 * @example
 * await hamok.join({ transport: broadcastChannelTransport({ room: "doc-42" }) });
 */
export function broadcastChannelTransport<M extends Routed>(
  options: BroadcastChannelTransportOptions,
): BroadcastChannelTransport<M> {
  return new BroadcastChannelTransport<M>(options);
}
