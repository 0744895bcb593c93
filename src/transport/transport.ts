/**
 * The adapter contract between Hamok and a network. Hamok itself only needs
 * `on('message')` / `accept()` (any user transport works that way); a
 * `HamokTransport` additionally knows who is in the room, which lets `join()`
 * decide at once whether to bootstrap or to join, instead of waiting out a timeout.
 *
 * Messages are plain structured-cloneable objects. Byte transports encode them
 * with the wire codec (`src/messages/codec.ts`).
 */
export interface TransportEvents<M> {
  /** A message from a remote peer. The transport guarantees `message.sourceId` is the peer it came from where it can. */
  message: [message: M];
  /** A peer entered the room (or its channel opened). */
  "peer-joined": [peerId: string];
  /** A peer left the room (or its channel closed for good). */
  "peer-left": [peerId: string];
  /** A transport-level failure (bad frame, signaling refusal, ...). Never fatal by itself. */
  error: [error: Error];
}

/**
 * How Hamok reaches the other peers of a room: open, send (to one peer or all), members, events, close.
 * Implement it to carry hamok over anything; `join({ transport })` takes one.
 */
export interface HamokTransport<M extends { readonly sourceId: string; readonly destinationId?: string }> {
  /**
   * Enter the room as `localPeerId`. Resolves once the transport knows the room's
   * current members (the authoritative list used by `join()`), returned without the local peer.
   */
  open(localPeerId: string): Promise<readonly string[]>;
  /** Send to `message.destinationId`, or to every peer in the room when it is unset. Never throws for a gone peer. */
  send(message: M): void;
  /** Current room members known to the transport (without the local peer). */
  members(): ReadonlySet<string>;
  /** Adds a listener of a transport event. */
  on<E extends keyof TransportEvents<M>>(event: E, listener: (...args: TransportEvents<M>[E]) => void): unknown;
  /** Removes a listener added with `on`. */
  off<E extends keyof TransportEvents<M>>(event: E, listener: (...args: TransportEvents<M>[E]) => void): unknown;
  /** Leave the room and release every resource. Idempotent. */
  close(): Promise<void>;
}
