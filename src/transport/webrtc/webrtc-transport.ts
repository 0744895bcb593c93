/**
 * The WebRTC mesh transport: one ordered, reliable data channel per remote peer, introduced through the
 * signaling server (see PROTOCOL.md, "Signaling").
 *
 * Membership (`members()`, `peer-joined`, `peer-left`) follows the signaling room, the authoritative list
 * `join()` relies on to never bootstrap a second cluster: a peer is a member from the moment the room
 * announces it. `open()` resolves with the room once the channels to its members are open (at most
 * `channelWaitMs`: an unreachable member does not block it); messages to a member whose channel is not open
 * yet wait for it. A peer stops being a member only when it is out of the room *and* its channel is gone: a
 * live channel outlasts a signaling outage (a restarting server announces everyone as gone), so a member
 * announced as gone must answer a ping on its channel within 2 s or be dropped (a killed peer's signaling
 * socket closes at once, while a dead data channel takes far longer to notice); one whose channel is already
 * closing or whose ICE is lost is dropped at once, without the probe. A dropped channel of a member
 * still in the room is re-dialled with backoff and does not make it leave: an unreachable member is Raft's
 * business.
 *
 * Signaling restarts: a restarted server knows a room only as its members reconnect (with backoff), so a peer
 * opening right after a restart may be told a partial room.
 *
 * Glare: of two peers, the one whose id sorts first always dials (creates the offer); the other only answers.
 * Every dial has a random session id carried in its signals, so the answerer can tell a re-dial from the
 * trickle of an older attempt. A dropped channel is re-dialled with backoff while the peer is in the room; the
 * answering side asks the dialling side to re-dial (a `restart` signal) in case only it noticed the drop.
 */
import { EventEmitter } from "eventemitter3";
import { type ClockTimer, type HamokClock, realClock } from "../../clock.js";
import { HamokError } from "../../errors.js";
import { DEFAULT_CHUNK_SIZE, DEFAULT_MAX_MESSAGE_BYTES, FrameEncoder } from "../../messages/codec.js";
import type { HamokTransport, TransportEvents } from "../transport.js";
import { PeerLink } from "./peer-link.js";
import { checkRouting, type RoutedMessage } from "./routing.js";
import { createSignalCipher, type SignalCipher } from "./signal-cipher.js";
import { parseEnvelope, randomSession, type SignalEnvelope } from "./signal-envelope.js";
import { type RoomTokenSource, SignalingClient } from "./signaling-client.js";
import { assertWebRtcAvailable, type WrtcImplementation } from "./wrtc.js";

/** Options of {@link webrtcTransport}. */
export interface WebRtcTransportOptions {
  /** URL of the signaling server, e.g. `https://signal.example.com`. */
  readonly url: string;
  /** The room: peers of one cluster share it. */
  readonly room: string;
  /**
   * Admission token for the room when the server has a secret (see the signaling server's README), or a
   * function returning a fresh one, asked before every (re)connection since tokens expire.
   */
  readonly token?: RoomTokenSource;
  /**
   * Room secret shared by the cluster's peers: signaling payloads are end-to-end encrypted with a key derived
   * from it (AES-GCM, WebCrypto), so that neither the server nor a stranger in the room can connect.
   */
  readonly secret?: string;
  /** ICE servers (STUN/TURN). Default none: host candidates only, enough on one LAN. */
  readonly iceServers?: readonly RTCIceServer[];
  /**
   * A WebRTC implementation for Node, e.g. `import wrtc from "@roamhq/wrtc"`. Browsers use their own. Without
   * one where there is no global `RTCPeerConnection`, `open()` (and so `join()`) rejects at once with
   * `TransportFailure` saying so.
   */
  readonly wrtc?: WrtcImplementation;
  /** socket.io path on the signaling server. Default `/socket.io`. */
  readonly signalingPath?: string;
  /** Largest message sent or accepted, in bytes: larger inbound frames and chunked messages are dropped before they are buffered (with an `error`). Default 1 MiB, Hamok's own `maxMessageBytes` default: keep the two equal. */
  readonly maxMessageBytes?: number;
  /** Most bytes waiting to be sent to one peer; a message beyond it is dropped with an `error`. Default 128 MiB. */
  readonly maxQueuedBytes?: number;
  /** How long `open()` waits for the signaling server. Default 15 000 ms. */
  readonly openTimeoutMs?: number;
  /**
   * How long `open()` then waits for the channels to the room's members to open, so that `join()` hears them
   * at once; an unreachable member delays `open()` by this much at most. Default 5 000 ms.
   */
  readonly channelWaitMs?: number;
  /** First delay of signaling reconnects and channel re-dials; doubles up to 5 s. Default 500 ms. */
  readonly reconnectDelayMs?: number;
  /** The clock of every timer of the transport (waits, re-dials, reconnects, probes). Default `realClock`. */
  readonly clock?: HamokClock;
}

const RECONNECT_DELAY_MAX_MS = 5_000;
const DEFAULT_MAX_QUEUED_BYTES = 128 * 1024 * 1024;
/** Cap on messages kept for a member we have no connection with yet: beyond it they would be stale anyway. */
const HELD_MAX_BYTES = 16 * 1024 * 1024;
/** A dial whose channel is not open after this long is abandoned and retried. */
const CONNECT_TIMEOUT_MS = 10_000;
/** How long a member announced as gone by signaling has to answer a ping on its channel. */
const PROBE_TIMEOUT_MS = 2_000;

/** A {@link HamokTransport} over a WebRTC mesh. */
export class WebRtcTransport<M extends RoutedMessage>
  extends EventEmitter<TransportEvents<M>>
  implements HamokTransport<M>
{
  private readonly encoder: FrameEncoder;
  private readonly links = new Map<string, PeerLink>();
  private readonly roomPeers = new Set<string>();
  private readonly joined = new Set<string>();
  private readonly dialTimers = new Map<string, ClockTimer>();
  private readonly dialAttempts = new Map<string, number>();
  /** Frames for room members we have no connection with yet; see {@link WebRtcTransport.hold}. */
  private readonly held = new Map<string, { frames: Uint8Array[]; bytes: number }>();
  /** Pending `open()` waits for channels; see {@link WebRtcTransport.waitForChannels}. */
  private readonly channelWaiters = new Set<() => void>();
  private signaling: SignalingClient | undefined;
  private cipher: SignalCipher | undefined;
  private localId = "";
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();
  private state: "new" | "opening" | "open" | "closed" = "new";

  private readonly clock: HamokClock;

  constructor(private readonly options: WebRtcTransportOptions) {
    super();
    this.clock = options.clock ?? realClock;
    this.encoder = new FrameEncoder({
      chunkSize: DEFAULT_CHUNK_SIZE,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    });
  }

  async open(localPeerId: string): Promise<readonly string[]> {
    if (this.state !== "new") throw new HamokError("InvalidArgument", "the transport was already opened");
    assertWebRtcAvailable(this.options.wrtc);
    this.state = "opening";
    this.localId = localPeerId;
    const { options } = this;
    try {
      if (options.secret !== undefined) this.cipher = await createSignalCipher(options.secret, options.room);
      if (this.isClosed()) throw new HamokError("Closed", "the transport was closed during open()");
      const signaling = new SignalingClient({
        url: options.url,
        room: options.room,
        peerId: localPeerId,
        ...(options.token === undefined ? {} : { token: options.token }),
        ...(options.signalingPath === undefined ? {} : { path: options.signalingPath }),
        reconnectDelayMs: options.reconnectDelayMs ?? 500,
        reconnectDelayMaxMs: RECONNECT_DELAY_MAX_MS,
        openTimeoutMs: options.openTimeoutMs ?? 15_000,
        clock: this.clock,
      });
      this.signaling = signaling;
      signaling.on("welcome", (peers) => this.onWelcome(peers));
      signaling.on("peer-joined", (peerId) => this.onRoomJoin(peerId));
      signaling.on("peer-left", (peerId) => this.onRoomLeave(peerId));
      signaling.on("signal", (from, data) => {
        // Decryption is asynchronous: a chain keeps a peer's offer ahead of its candidates.
        this.inbound = this.inbound.then(() => this.onSignal(from, data));
      });
      signaling.on("error", (error) => this.emit("error", error));
      const peers = await signaling.connect();
      await this.waitForChannels(peers, options.channelWaitMs ?? 5_000);
      if (this.isClosed()) throw new HamokError("Closed", "the transport was closed during open()");
      this.state = "open";
      // Peers that arrived while the channels opened are members too; they were not announced.
      return [...this.joined];
    } catch (error) {
      this.teardown();
      throw error instanceof HamokError ? error : new HamokError("TransportFailure", "open failed", { cause: error });
    }
  }

  send(message: M): void {
    if (this.state !== "open") return;
    let frames: Uint8Array[];
    try {
      frames = this.encoder.encode(message);
    } catch (error) {
      this.emit("error", error instanceof HamokError ? error : new HamokError("InvalidArgument", String(error)));
      return;
    }
    let bytes = 0;
    for (const frame of frames) bytes += frame.length;
    const targets = message.destinationId === undefined ? this.roomPeers : [message.destinationId];
    for (const peerId of targets) {
      const link = this.links.get(peerId);
      if (link !== undefined) link.write(frames, bytes);
      else if (this.roomPeers.has(peerId)) this.hold(peerId, frames, bytes);
    }
    // A member whose room notice was lost (it is only known through its channel) still gets broadcasts.
    if (message.destinationId === undefined) {
      for (const [peerId, link] of this.links) if (!this.roomPeers.has(peerId)) link.write(frames, bytes);
    }
  }

  /**
   * Keep the frames of a message for a room member without a connection yet (we answer its dial, which has
   * not arrived), so that the first messages after `open()` are not lost. Bounded like a link's queue.
   */
  private hold(peerId: string, frames: readonly Uint8Array[], bytes: number): void {
    const held = this.held.get(peerId) ?? { frames: [], bytes: 0 };
    const cap = Math.min(this.options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES, HELD_MAX_BYTES);
    if (held.bytes + bytes > cap) {
      this.emit("error", new HamokError("PayloadTooLarge", `send queue to ${peerId} is full; message dropped`));
      return;
    }
    held.frames.push(...frames);
    held.bytes += bytes;
    this.held.set(peerId, held);
  }

  members(): ReadonlySet<string> {
    return new Set(this.joined);
  }

  async close(): Promise<void> {
    this.teardown();
  }

  /** Release everything. Idempotent (a failed `open()` tears down too; a later `close()` is then a no-op). */
  private teardown(): void {
    if (this.state === "closed" && this.signaling === undefined) return;
    this.state = "closed";
    const signaling = this.signaling;
    this.signaling = undefined;
    signaling?.close();
    for (const timer of this.dialTimers.values()) this.clock.clearTimeout(timer);
    this.dialTimers.clear();
    const links = [...this.links.values()];
    this.links.clear();
    for (const link of links) link.destroy();
    this.joined.clear();
    this.roomPeers.clear();
    this.held.clear();
    this.notifyChannelWaiters();
  }

  /**
   * Wait until the channels to `peers` are open (or they left, or `timeoutMs` passed). Resolving `open()` only
   * then means the first messages of `join()` flow at once: its discovery hears every member it was told about
   * instead of deciding before their answers could arrive.
   */
  private waitForChannels(peers: readonly string[], timeoutMs: number): Promise<void> {
    const ready = () =>
      this.isClosed() || peers.every((p) => !this.roomPeers.has(p) || this.links.get(p)?.isOpen === true);
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.clock.clearTimeout(timer);
        this.channelWaiters.delete(check);
        resolve();
      };
      const check = () => {
        if (ready()) done();
      };
      const timer = this.clock.setTimeout(done, timeoutMs);
      this.channelWaiters.add(check);
    });
  }

  private notifyChannelWaiters(): void {
    for (const check of [...this.channelWaiters]) check();
  }

  private isClosed(): boolean {
    return this.state === "closed";
  }

  private dials(peerId: string): boolean {
    return this.localId < peerId;
  }

  private onWelcome(peers: readonly string[]): void {
    const current = new Set(peers);
    for (const peerId of [...this.roomPeers]) {
      // A peer missing from a fresh welcome may only not have reconnected yet (the server restarted): its
      // channel is probed before it is dropped.
      if (!current.has(peerId)) this.onRoomLeave(peerId);
    }
    for (const peerId of peers) this.onRoomJoin(peerId);
  }

  private onRoomJoin(peerId: string): void {
    if (this.state === "closed") return;
    this.roomPeers.add(peerId);
    this.addMember(peerId);
    if (this.dials(peerId) && !this.links.has(peerId) && !this.dialTimers.has(peerId)) this.dial(peerId);
  }

  private onRoomLeave(peerId: string): void {
    this.roomPeers.delete(peerId);
    this.notifyChannelWaiters();
    this.clock.clearTimeout(this.dialTimers.get(peerId));
    this.dialTimers.delete(peerId);
    this.dialAttempts.delete(peerId);
    const link = this.links.get(peerId);
    // A channel that is already closing (or whose ICE is lost) cannot answer: the peer is gone now, not after
    // a probe. This matters: of two voters, the one left behind steps down after an election timeout without
    // quorum (CheckQuorum), and only a leader can remove the vanished peer from the configuration.
    if (link?.isLive === true) {
      // Leaving the signaling room is not proof of death: a restarting server announces everyone as gone.
      // Ask the channel: a killed peer does not answer, a live one keeps its channel.
      void link.probe(PROBE_TIMEOUT_MS).then((alive) => {
        if (alive || this.links.get(peerId) !== link) return;
        if (!this.roomPeers.has(peerId)) this.dropLink(peerId);
        else this.replaceDeadLink(peerId, link);
      });
      return;
    }
    this.dropLink(peerId);
  }

  /**
   * The peer is back in the room but its old channel did not answer: a new incarnation with the same id (a
   * reloaded tab, or a stand-in run by another tab for a crashed one). Its own dial replaces the link when it
   * dials; when we dial, nothing would until ICE gives the dead connection up, which takes Chromium 15 s or more
   * (issue 10: the survivor of two voters waits that long for the stand-in's vote). So dial it now.
   */
  private replaceDeadLink(peerId: string, link: PeerLink): void {
    this.links.delete(peerId);
    link.destroy();
    if (this.dials(peerId)) this.dial(peerId);
  }

  private dropLink(peerId: string): void {
    this.held.delete(peerId);
    const link = this.links.get(peerId);
    this.links.delete(peerId);
    link?.destroy();
    this.reportLeft(peerId);
  }

  /** Members found by the first welcome are returned by `open()`; later ones are announced. */
  private addMember(peerId: string): void {
    if (this.joined.has(peerId)) return;
    this.joined.add(peerId);
    if (this.state === "open") this.emit("peer-joined", peerId);
  }

  private reportLeft(peerId: string): void {
    if (this.joined.delete(peerId)) this.emit("peer-left", peerId);
    this.notifyChannelWaiters();
  }

  private dial(peerId: string): void {
    this.dialTimers.delete(peerId);
    if (this.state === "closed" || !this.roomPeers.has(peerId)) return;
    this.createLink(peerId, randomSession(), true);
  }

  private scheduleDial(peerId: string): void {
    if (this.dialTimers.has(peerId)) return;
    const attempt = this.dialAttempts.get(peerId) ?? 0;
    this.dialAttempts.set(peerId, attempt + 1);
    const base = Math.min((this.options.reconnectDelayMs ?? 500) * 2 ** attempt, RECONNECT_DELAY_MAX_MS);
    const delay = base / 2 + Math.random() * (base / 2);
    this.dialTimers.set(
      peerId,
      this.clock.setTimeout(() => this.dial(peerId), delay),
    );
  }

  private createLink(peerId: string, session: string, initiator: boolean): PeerLink | undefined {
    const { options } = this;
    let link: PeerLink;
    try {
      link = new PeerLink({
        remoteId: peerId,
        session,
        initiator,
        iceServers: options.iceServers ?? [],
        wrtc: options.wrtc,
        maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
        maxQueuedBytes: options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        clock: this.clock,
      });
    } catch (error) {
      // No WebRTC here (Node without `wrtc`): say so instead of throwing out of a socket.io handler.
      this.emit("error", new HamokError("TransportFailure", `cannot connect to ${peerId}`, { cause: error }));
      return undefined;
    }
    this.links.set(peerId, link);
    link.on("signal", (signal) => this.sendSignal(peerId, { session, signal }));
    link.on("open", () => this.onLinkOpen(peerId, link));
    link.on("message", (message) => this.onLinkMessage(peerId, message));
    link.on("error", (error) => this.emit("error", error));
    link.on("close", () => this.onLinkClose(peerId, link));
    const held = this.held.get(peerId);
    this.held.delete(peerId);
    if (held !== undefined) link.write(held.frames, held.bytes);
    return link;
  }

  private onLinkOpen(peerId: string, link: PeerLink): void {
    if (this.links.get(peerId) !== link) return;
    this.dialAttempts.delete(peerId);
    this.addMember(peerId);
    this.notifyChannelWaiters();
  }

  private onLinkClose(peerId: string, link: PeerLink): void {
    if (this.links.get(peerId) !== link || this.state === "closed") return;
    this.links.delete(peerId);
    if (!this.roomPeers.has(peerId)) {
      this.reportLeft(peerId);
      return;
    }
    if (link.initiator) this.scheduleDial(peerId);
    else this.sendSignal(peerId, { session: link.session, restart: true });
  }

  private onLinkMessage(peerId: string, message: unknown): void {
    const refusal = checkRouting(message, peerId, this.localId);
    if (refusal === undefined) this.emit("message", message as M);
    else this.emit("error", refusal);
  }

  private sendSignal(to: string, envelope: SignalEnvelope): void {
    this.outbound = this.outbound.then(async () => {
      const signaling = this.signaling;
      if (signaling === undefined || this.state === "closed") return;
      try {
        const data = this.cipher === undefined ? envelope : await this.cipher.seal(this.localId, to, envelope);
        await signaling.signal(to, data);
      } catch (error) {
        // A lost signal ends in a connect timeout and a re-dial.
        this.emit("error", error instanceof HamokError ? error : new HamokError("TransportFailure", String(error)));
      }
    });
  }

  private async onSignal(from: string, data: unknown): Promise<void> {
    if (this.state === "closed") return;
    let envelope: SignalEnvelope | undefined;
    try {
      envelope = parseEnvelope(this.cipher === undefined ? data : await this.cipher.open(from, this.localId, data));
    } catch (error) {
      this.emit("error", error as HamokError);
      return;
    }
    if (envelope === undefined) {
      this.emit("error", new HamokError("InvalidMessage", `malformed signal from ${from}`));
      return;
    }
    if (this.isClosed()) return; // closed while decrypting
    const link = this.links.get(from);
    if (this.dials(from)) {
      if (link?.session !== envelope.session) return; // a signal of an abandoned dial
      if (envelope.restart) link.destroy();
      else if (envelope.signal !== undefined) link.signal(envelope.signal);
      return;
    }
    if (envelope.restart || envelope.signal === undefined) return;
    if (link?.session === envelope.session) {
      link.signal(envelope.signal);
      return;
    }
    // A new dial from the peer: only its offer may start the answering link.
    if (envelope.signal.type !== "offer") return;
    if (link !== undefined) {
      this.links.delete(from);
      link.destroy();
    }
    this.roomPeers.add(from);
    this.addMember(from);
    this.createLink(from, envelope.session, false)?.signal(envelope.signal);
  }
}

/**
 * Create a WebRTC mesh transport for `Hamok.join()`.
 *
 * @example
 * const transport = webrtcTransport({ url: "https://signal.example.com", room: "doc-42", token });
 */
export function webrtcTransport<M extends RoutedMessage>(options: WebRtcTransportOptions): WebRtcTransport<M> {
  return new WebRtcTransport<M>(options);
}
