import { EventEmitter } from "eventemitter3";

/**
 * An eventemitter3 emitter whose listeners cannot throw into the code that emits. Hamok emits from inside
 * its Raft loop (an applied entry becomes a map `insert`, a new term a `leader-changed`): a listener that
 * throws there would stop the peer for good. Here every listener runs on its own, an exception is handed to
 * `onListenerError` with the event's name, and the other listeners of the event still run.
 */

/** eventemitter3's record of one listener (its `_events` values hold one of these or an array of them). */
interface Registered {
  readonly fn: (...args: unknown[]) => unknown;
  readonly context: unknown;
  readonly once: boolean;
}

type EventNames = EventEmitter.ValidEventTypes;

/** What a guarded emitter does with an exception thrown by one of its listeners. */
export type ListenerErrorHandler = (event: string, error: unknown) => void;

/** See the module comment. The event map and API are eventemitter3's. */
export class GuardedEmitter<Events extends EventNames = string | symbol> extends EventEmitter<Events> {
  readonly #onListenerError: ListenerErrorHandler | undefined;

  /** Without a handler, a subclass reports through {@link GuardedEmitter.listenerFailed}. */
  constructor(onListenerError?: ListenerErrorHandler) {
    super();
    this.#onListenerError = onListenerError;
  }

  /** A listener of `event` threw `error`. Must not throw. */
  protected listenerFailed(event: string, error: unknown): void {
    this.#onListenerError?.(event, error);
  }

  override emit<E extends EventEmitter.EventNames<Events>>(
    event: E,
    ...args: EventEmitter.EventArgs<Events, E>
  ): boolean {
    // eventemitter3 keys `_events` by the name itself when it can use a null-prototype store (every current
    // engine), by "~" + name otherwise; its own emit reads them the same way.
    const key = EventEmitter.prefixed ? `${EventEmitter.prefixed}${String(event)}` : event;
    const stored = (this as unknown as { _events: Record<string | symbol, Registered | Registered[] | undefined> })
      ._events[key as string | symbol];
    if (stored === undefined) return false;
    // One listener (the common case: Hamok's `message` on every send) needs no copy of the list.
    if (!Array.isArray(stored)) {
      this.#deliver(event, stored, args);
      return true;
    }
    // A copy: a listener may add or remove listeners while this event is being delivered.
    for (const listener of stored.slice()) this.#deliver(event, listener, args);
    return true;
  }

  #deliver(event: EventEmitter.EventNames<Events>, listener: Registered, args: unknown[]): void {
    if (listener.once) this.removeListener(event, listener.fn as never, undefined, true);
    try {
      listener.fn.apply(listener.context, args);
    } catch (error) {
      this.listenerFailed(String(event), error);
    }
  }
}
