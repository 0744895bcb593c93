/** The replicated subscription set of an emitter, as a read-only view with events. */
import type { EmitterChange, EmitterStateMachine } from "./emitter-state-machine.js";
import { GuardedEmitter, type ListenerErrorHandler } from "./guarded-emitter.js";

/** Events of {@link HamokEmitterSubscriptions}, fired on every peer in log order. */
export type HamokEmitterSubscriptionsEvents = {
  /** A peer subscribed to an event. */
  "add-peer": [event: string, peerId: string, metaData: unknown];
  /** A peer unsubscribed from an event (or left the cluster). */
  "remove-peer": [event: string, peerId: string];
};

/** Who subscribes to which event, with each subscription's metadata (local read of replicated state). */
export class HamokEmitterSubscriptions extends GuardedEmitter<HamokEmitterSubscriptionsEvents> {
  constructor(
    private readonly state: () => EmitterStateMachine,
    onListenerError: ListenerErrorHandler,
  ) {
    super(onListenerError);
  }

  /** Events with at least one subscriber. */
  get events(): string[] {
    return this.state().eventNames();
  }

  /** Peers subscribed to an event. */
  getPeerIds(event: string): ReadonlySet<string> {
    return new Set(this.state().subscribers(event)?.keys() ?? []);
  }

  /** Whether a peer (any peer when omitted) subscribes to an event. */
  has(event: string, peerId?: string): boolean {
    const peers = this.state().subscribers(event);
    return peerId === undefined ? (peers?.size ?? 0) > 0 : (peers?.has(peerId) ?? false);
  }

  /** The metadata a peer gave when subscribing to an event (`null` if none; `undefined` if not subscribed). */
  getMetaData(event: string, peerId: string): unknown {
    const peers = this.state().subscribers(event);
    if (peers === undefined || !peers.has(peerId)) return undefined;
    return structuredClone(peers.get(peerId));
  }

  /** @internal Announces an applied change. */
  announce(change: EmitterChange): void {
    if (change.type === "add-peer")
      this.emit("add-peer", change.event, change.peerId, structuredClone(change.metaData));
    else this.emit("remove-peer", change.event, change.peerId);
  }
}
