import type { EventEmitter } from "eventemitter3";
import { HamokError } from "../../errors.js";
import type { HamokMessage } from "../../messages/hamok-message.js";
import type { HamokTransport } from "../../transport/transport.js";
import type { HamokEvents } from "../peer/events.js";

/** What the wiring needs of its peer. */
export interface TransportWiringHost {
  readonly localPeerId: string;
  /** Outbound messages are taken from the `message` event of these. */
  readonly events: EventEmitter<HamokEvents>;
  /** Inbound messages go here. */
  accept(message: unknown): void;
  reportError(error: HamokError): void;
  /** The transport says a room member left. */
  peerLeft(peerId: string): void;
  /** The transport says a room member (re)appeared. */
  peerJoined(peerId: string): void;
}

/** The methods every {@link HamokTransport} has; `join()` checks them before it touches the transport. */
const TRANSPORT_METHODS = ["open", "send", "members", "on", "off", "close"] as const;

/**
 * Why `value` cannot be a transport, or undefined when it has the shape of one. Called before anything
 * is opened or wired, so a wrong argument is a clear `InvalidArgument` and not a `TypeError` from deep inside
 * `join()` (or a join that never settles).
 */
export function transportDefect(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return `the transport must be an object, got ${typeof value}`;
  const record = value as Record<string, unknown>;
  const missing = TRANSPORT_METHODS.filter((name) => typeof record[name] !== "function");
  if (missing.length > 0)
    return `the transport lacks ${missing.join(", ")} (a HamokTransport has ${TRANSPORT_METHODS.join(", ")})`;
  return undefined;
}

/**
 * The transport `join({ transport })` attached: opened once, wired both ways (outbound `message` events to
 * `send`, inbound messages to `accept`, `peer-left` and `peer-joined` to membership, transport errors to `error`), and closed
 * (unwired first) on a failed join, on `leave()` and on `close()`.
 */
export class TransportWiring {
  private transport: HamokTransport<HamokMessage> | undefined;
  private detach: (() => void) | undefined;

  constructor(private readonly host: TransportWiringHost) {}

  /** Whether a transport is attached (its member list is then authoritative for discovery). */
  get attached(): boolean {
    return this.transport !== undefined;
  }

  /** The room members the transport knows, or none without a transport. */
  members(): ReadonlySet<string> {
    return this.transport?.members() ?? new Set();
  }

  /** Wire and open `transport`; on failure it is closed again and the error says why. */
  async attach(transport: HamokTransport<HamokMessage>): Promise<void> {
    if (this.transport !== undefined) throw new HamokError("InvalidArgument", "this Hamok already has a transport");
    const { host } = this;
    this.transport = transport;
    const onMessage = (message: HamokMessage) => host.accept(message);
    const onLeft = (peerId: string) => host.peerLeft(peerId);
    const onJoined = (peerId: string) => host.peerJoined(peerId);
    const onError = (error: Error) =>
      host.reportError(
        error instanceof HamokError ? error : new HamokError("TransportFailure", error.message, { cause: error }),
      );
    const forward = (message: HamokMessage) => transport.send(message);
    transport.on("message", onMessage);
    transport.on("peer-left", onLeft);
    transport.on("peer-joined", onJoined);
    transport.on("error", onError);
    host.events.on("message", forward);
    this.detach = () => {
      transport.off("message", onMessage);
      transport.off("peer-left", onLeft);
      transport.off("peer-joined", onJoined);
      transport.off("error", onError);
      host.events.off("message", forward);
    };
    try {
      await transport.open(host.localPeerId);
    } catch (error) {
      await this.close();
      throw error instanceof HamokError
        ? error
        : new HamokError("TransportFailure", "the transport failed to open", { cause: error });
    }
  }

  /** Unwire and close the transport, if any. */
  async close(): Promise<void> {
    const transport = this.transport;
    this.detach?.();
    this.detach = undefined;
    this.transport = undefined;
    await transport?.close();
  }
}
