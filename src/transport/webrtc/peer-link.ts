/**
 * One WebRTC connection to one remote peer for one session: a simple-peer instance with an ordered, reliable
 * data channel, the frame decoder of that channel, and a bounded send queue. Sending: while the channel is open,
 * nothing waits in simple-peer's writable stream and the channel's `bufferedAmount` stays under 64 KiB, a
 * frame goes straight to the channel (`send`), which skips the stream's per-write copy into a Buffer and its
 * `nextTick` (a `setTimeout` in the browser bundle). Otherwise (backpressure, or before the channel opens)
 * frames are written to the stream, which sends while `bufferedAmount` is under 64 KiB and otherwise waits for
 * `bufferedamountlow`; once anything waits there every later frame queues behind it, so order is kept. The
 * stream's backlog is capped (`maxQueuedBytes`) so a dead peer cannot grow it without bound.
 */
import { EventEmitter } from "eventemitter3";
import type { Instance, Options, SignalData } from "simple-peer";
import SimplePeer from "simple-peer/simplepeer.min.js";
import type { ClockTimer, HamokClock } from "../../clock.js";
import { HamokError } from "../../errors.js";
import { FrameDecoder, pingFrame, pongFrame } from "../../messages/codec.js";
import type { WrtcImplementation } from "./wrtc.js";

/** simple-peer's backpressure threshold on the channel's `bufferedAmount` (its MAX_BUFFERED_AMOUNT). */
const DIRECT_SEND_MAX_BUFFERED = 64 * 1024;

/** The part of simple-peer's RTCDataChannel (its `_channel`) the link reads. */
interface ChannelState {
  readonly readyState?: string;
  readonly bufferedAmount?: number;
}

/** Events of a {@link PeerLink}. */
export interface PeerLinkEvents {
  /** A signaling payload to relay to the remote peer. */
  signal: [data: SignalData];
  /** The data channel opened. */
  open: [];
  /** A decoded message arrived (not yet checked against the channel's peer). */
  message: [message: unknown];
  error: [error: HamokError];
  /** The connection is gone for good (this session). Emitted once. */
  close: [];
}

/** Options of a {@link PeerLink}. */
export interface PeerLinkOptions {
  readonly remoteId: string;
  /** Identifies this connection attempt in signaling, so signals of an older attempt are told apart. */
  readonly session: string;
  readonly initiator: boolean;
  readonly iceServers: readonly RTCIceServer[];
  readonly wrtc: WrtcImplementation | undefined;
  readonly maxMessageBytes: number;
  readonly maxQueuedBytes: number;
  /** A link whose channel is not open after this long is abandoned. */
  readonly connectTimeoutMs: number;
  /** The clock of the connect timeout, probes and partial-message staleness. */
  readonly clock: HamokClock;
}

/** A data-channel connection to one peer. */
export class PeerLink extends EventEmitter<PeerLinkEvents> {
  readonly remoteId: string;
  readonly session: string;
  readonly initiator: boolean;
  private readonly peer: Instance;
  private readonly decoder: FrameDecoder;
  private readonly connectTimer: ClockTimer;
  private opened = false;
  private closed = false;
  /** ICE reported the remote unreachable (`disconnected`, `failed`, `closed`) since it last connected. */
  private iceLost = false;
  /** Pending liveness probes, answered by the next inbound frame of any kind. */
  private probes: ((alive: boolean) => void)[] = [];
  /** An upper bound of the channel's `bufferedAmount`: its last reading plus the bytes sent directly since. */
  private bufferedBound = Number.POSITIVE_INFINITY;

  constructor(private readonly options: PeerLinkOptions) {
    super();
    this.remoteId = options.remoteId;
    this.session = options.session;
    this.initiator = options.initiator;
    this.decoder = new FrameDecoder({ maxMessageBytes: options.maxMessageBytes, now: () => options.clock.now() });
    this.peer = new SimplePeer({
      initiator: options.initiator,
      // No STUN by default (simple-peer's own default would contact public servers): LAN candidates only.
      config: { iceServers: [...options.iceServers] },
      ...(options.wrtc === undefined ? {} : { wrtc: options.wrtc as Options["wrtc"] }),
    });
    this.peer.on("signal", (data: SignalData) => this.emit("signal", data));
    this.peer.on("connect", () => {
      this.options.clock.clearTimeout(this.connectTimer);
      this.opened = true;
      this.emit("open");
    });
    this.peer.on("data", (data: unknown) => this.receive(data));
    this.peer.on("error", (error: Error) => {
      this.emit("error", new HamokError("TransportFailure", `channel to ${this.remoteId}: ${error.message}`));
    });
    this.peer.on("close", () => this.finish());
    this.peer.on("iceStateChange", (state: RTCIceConnectionState) => {
      this.iceLost = state === "disconnected" || state === "failed" || state === "closed";
      // A probe is only asked of a peer signaling called gone: losing ICE too is answer enough.
      if (this.iceLost) this.settleProbes(false);
    });
    this.connectTimer = options.clock.setTimeout(() => {
      if (!this.opened) this.destroy();
    }, options.connectTimeoutMs);
  }

  /** Whether the data channel is open. */
  get isOpen(): boolean {
    return this.opened && !this.closed;
  }

  /**
   * Whether the channel can still carry data: open, its RTCDataChannel not `closing`/`closed` and ICE not
   * lost. Chromium can sit in `closing` for seconds (crbug 882743) and simple-peer only reports that as a
   * close after 5 to 10 s, so `isOpen` alone says too little about a peer that just vanished.
   */
  get isLive(): boolean {
    if (!this.isOpen || this.iceLost) return false;
    return this.channel()?.readyState === "open";
  }

  /** simple-peer keeps its RTCDataChannel in `_channel`; it exposes neither readyState nor bufferedAmount. */
  private channel(): ChannelState | null | undefined {
    return (this.peer as unknown as { _channel?: ChannelState | null })._channel;
  }

  /**
   * Whether `byteLength` more bytes may go straight to the channel, keeping order and the stream's
   * backpressure. The channel's `bufferedAmount` can only have shrunk since it was last read, so it is read
   * again only once that reading plus what was sent since could pass the threshold: in Node every read of a
   * data channel's state is a blocking call into the WebRTC thread (a profile showed those reads costing more
   * than the sends). A channel that closed meanwhile makes `send` throw, which `write` handles.
   */
  private canSendDirectly(byteLength: number): boolean {
    if (!this.opened || this.peer.writableLength > 0) return false;
    if (this.bufferedBound + byteLength <= DIRECT_SEND_MAX_BUFFERED) return true;
    this.bufferedBound = this.channel()?.bufferedAmount ?? Number.POSITIVE_INFINITY;
    return this.bufferedBound + byteLength <= DIRECT_SEND_MAX_BUFFERED;
  }

  /** Feed a signaling payload from the remote peer. */
  signal(data: SignalData): void {
    if (this.closed) return;
    try {
      this.peer.signal(data);
    } catch (error) {
      this.emit("error", new HamokError("InvalidMessage", `bad signal from ${this.remoteId}`, { cause: error }));
    }
  }

  /**
   * Queue the frames of one message, in order. Returns false (and emits `error`) when the link is closed or
   * its backlog would exceed `maxQueuedBytes`; the message is then dropped whole, never in part.
   */
  write(frames: readonly Uint8Array[], byteLength: number): boolean {
    if (this.closed || this.peer.destroyed) return false;
    if (this.peer.writableLength + byteLength > this.options.maxQueuedBytes) {
      this.emit("error", new HamokError("PayloadTooLarge", `send queue to ${this.remoteId} is full; message dropped`));
      return false;
    }
    if (this.canSendDirectly(byteLength)) {
      try {
        for (const frame of frames) this.peer.send(frame);
        this.bufferedBound += byteLength;
      } catch (error) {
        // What simple-peer's own write does when the channel refuses a frame: the link is unusable.
        this.peer.destroy(error instanceof Error ? error : new Error(String(error)));
        return false;
      }
      return true;
    }
    // The stream sends what it can without telling: read the real bufferedAmount next time.
    this.bufferedBound = Number.POSITIVE_INFINITY;
    for (const frame of frames) this.peer.write(frame);
    return true;
  }

  /**
   * Check that the peer still answers on this channel: resolves true when any frame arrives within
   * `timeoutMs` of a ping (queued data counts too, so a busy channel is not mistaken for a dead one).
   */
  probe(timeoutMs: number): Promise<boolean> {
    if (!this.isOpen) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = this.options.clock.setTimeout(() => {
        this.probes = this.probes.filter((p) => p !== answer);
        resolve(false);
      }, timeoutMs);
      const answer = (alive: boolean) => {
        this.options.clock.clearTimeout(timer);
        resolve(alive);
      };
      this.probes.push(answer);
      this.writeControl(pingFrame());
    });
  }

  /** Close the connection. Emits `close` once. Idempotent. */
  destroy(): void {
    if (!this.peer.destroyed) this.peer.destroy();
    this.finish();
  }

  private receive(data: unknown): void {
    if (!(data instanceof Uint8Array)) {
      this.emit("error", new HamokError("InvalidMessage", `non-binary frame from ${this.remoteId}`));
      return;
    }
    this.settleProbes(true);
    const result = this.decoder.receive(data);
    if (result.kind === "message") this.emit("message", result.message);
    else if (result.kind === "ping") this.writeControl(pongFrame());
    else if (result.kind === "error") this.emit("error", result.error);
  }

  /** A ping or pong: through the stream, outside the send cap (two bytes, and a probe must get through). */
  private writeControl(frame: Uint8Array): void {
    this.bufferedBound = Number.POSITIVE_INFINITY;
    this.peer.write(frame);
  }

  private settleProbes(alive: boolean): void {
    if (this.probes.length === 0) return;
    const probes = this.probes;
    this.probes = [];
    for (const answer of probes) answer(alive);
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.clock.clearTimeout(this.connectTimer);
    this.decoder.reset();
    this.settleProbes(false);
    this.emit("close");
  }
}
