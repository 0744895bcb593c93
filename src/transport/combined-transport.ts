/**
 * One {@link HamokTransport} over two: a `local` one for peers in the same browser (usually a
 * BroadcastChannel transport: no server, no encoding, structured clones) and a `remote` one for everyone
 * else (usually the WebRTC mesh). Hamok sees a single room whose members are the union of both rooms.
 *
 * Routing, decided per message from the two transports' current member lists:
 * - a directed message goes over `local` when its destination is a local member, else over `remote`
 *   (also when neither knows the destination yet: `remote` is the one that can reach strangers);
 * - a broadcast goes once over `local` (one post reaches every tab) and over `remote` only to the members
 *   `local` does not reach: as one broadcast when no member is reachable both ways, else as one directed copy
 *   per remaining remote member, so no peer gets the same message twice.
 *
 * A peer reachable both ways (a tab of this browser that is also in the WebRTC room) is therefore talked to
 * over `local` only; if it drops out of the local room (a frozen tab, a closed channel) traffic switches to
 * `remote` on the next message. Inbound messages are accepted from both transports: while the two sides
 * disagree about who is local (for a heartbeat or so) a message may arrive twice, which Hamok tolerates
 * (Raft messages are idempotent, §5.3; collection requests are deduplicated by request id).
 *
 * Membership: `peer-joined` is emitted once, when a peer first appears on either side; `peer-left` only when
 * it is gone from both. `open()` opens both transports at once and resolves with the union of their rooms;
 * if either fails, the other is closed and `open()` rejects with that failure.
 */
import { EventEmitter } from "eventemitter3";
import { HamokError } from "../errors.js";
import type { HamokTransport, TransportEvents } from "./transport.js";

/** Fields the combined transport reads from a message. Everything else is opaque. */
type Routed = { readonly sourceId: string; readonly destinationId?: string };

/** Options of {@link sameBrowserFirstTransport}. */
export interface SameBrowserFirstOptions<M extends Routed> {
  /** Peers of this browser (e.g. `broadcastChannelTransport({ room })`). Preferred when a peer is reachable both ways. */
  readonly local: HamokTransport<M>;
  /** Every other peer (e.g. `webrtcTransport({ url, room })`). */
  readonly remote: HamokTransport<M>;
}

/** See the module comment. */
export class SameBrowserFirstTransport<M extends Routed>
  extends EventEmitter<TransportEvents<M>>
  implements HamokTransport<M>
{
  private readonly local: HamokTransport<M>;
  private readonly remote: HamokTransport<M>;
  /** Peers announced to Hamok (open() result or `peer-joined`), so each is announced and removed once. */
  private readonly announced = new Set<string>();
  private readonly detach: (() => void)[] = [];
  private localId: string | undefined;
  private state: "new" | "opening" | "open" | "closed" = "new";

  constructor(options: SameBrowserFirstOptions<M>) {
    super();
    this.local = options.local;
    this.remote = options.remote;
    this.wire(this.local, this.remote);
    this.wire(this.remote, this.local);
  }

  async open(localPeerId: string): Promise<readonly string[]> {
    if (this.state !== "new") throw new HamokError("InvalidArgument", "the transport was already opened");
    this.state = "opening";
    this.localId = localPeerId;
    const results = await Promise.allSettled([this.local.open(localPeerId), this.remote.open(localPeerId)]);
    const failure = results.find((result) => result.status === "rejected");
    if (failure !== undefined) {
      await this.close();
      throw failure.reason;
    }
    if (this.isClosed()) throw new HamokError("Closed", "the transport was closed during open()");
    for (const result of results) if (result.status === "fulfilled") for (const id of result.value) this.announce(id);
    // Peers that arrived during open() are members too; like the other transports, they are in the result.
    for (const id of this.members()) this.announce(id);
    this.state = "open";
    return [...this.announced];
  }

  send(message: M): void {
    if (this.state !== "open") return;
    const localMembers = this.local.members();
    if (message.destinationId !== undefined) {
      (localMembers.has(message.destinationId) ? this.local : this.remote).send(message);
      return;
    }
    this.local.send(message);
    const remoteMembers = this.remote.members();
    const onlyRemote = [...remoteMembers].filter((id) => !localMembers.has(id));
    if (onlyRemote.length === remoteMembers.size) {
      // No peer is reachable both ways: one broadcast (the remote transport may encode it once for all).
      if (onlyRemote.length > 0) this.remote.send(message);
      return;
    }
    for (const destinationId of onlyRemote) this.remote.send({ ...message, destinationId });
  }

  members(): ReadonlySet<string> {
    const union = new Set([...this.local.members(), ...this.remote.members()]);
    if (this.localId !== undefined) union.delete(this.localId);
    return union;
  }

  /** Close both transports. Idempotent. */
  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    for (const undo of this.detach) undo();
    this.detach.length = 0;
    this.announced.clear();
    await Promise.allSettled([this.local.close(), this.remote.close()]);
  }

  private wire(side: HamokTransport<M>, other: HamokTransport<M>): void {
    const onMessage = (message: M) => this.emit("message", message);
    const onJoined = (peerId: string) => this.announce(peerId);
    const onLeft = (peerId: string) => {
      // Still reachable the other way: Hamok keeps the peer, routing switches sides on the next message.
      if (other.members().has(peerId)) return;
      if (this.announced.delete(peerId)) this.emit("peer-left", peerId);
    };
    const onError = (error: Error) => this.emit("error", error);
    side.on("message", onMessage);
    side.on("peer-joined", onJoined);
    side.on("peer-left", onLeft);
    side.on("error", onError);
    this.detach.push(() => {
      side.off("message", onMessage);
      side.off("peer-joined", onJoined);
      side.off("peer-left", onLeft);
      side.off("error", onError);
    });
  }

  /** A method, not a field read, so that TypeScript does not narrow `state` across the awaits of `open()`. */
  private isClosed(): boolean {
    return this.state === "closed";
  }

  private announce(peerId: string): void {
    if (this.state === "closed" || peerId === this.localId || this.announced.has(peerId)) return;
    this.announced.add(peerId);
    // Members found during open() are in its result, not announced as events.
    if (this.state === "open") this.emit("peer-joined", peerId);
  }
}

/**
 * Combine a same-browser transport with a remote one: tabs of this browser talk over `local`, every other peer
 * over `remote` (see the module comment for routing and membership).
 *
 * @example
 * await hamok.join({
 *   transport: sameBrowserFirstTransport({
 *     local: broadcastChannelTransport({ room: "doc-42" }),
 *     remote: webrtcTransport({ url: "wss://signal.example", room: "doc-42" }),
 *   }),
 * });
 */
export function sameBrowserFirstTransport<M extends Routed>(
  options: SameBrowserFirstOptions<M>,
): SameBrowserFirstTransport<M> {
  return new SameBrowserFirstTransport<M>(options);
}
