/**
 * HamokEmitter: publish/subscribe across peers. The subscription set (event → peer → metadata)
 * is replicated through the log; published payloads travel as direct messages to the peers the
 * subscription set names, so every peer agrees on who receives an event.
 */

import type { ClockTimer } from "../clock.js";
import { HamokError } from "../errors.js";
import { createJsonCodec, type HamokCodec } from "./codec.js";
import { CollectionLink } from "./collection-link.js";
import type { ApplyOutcome, StorageConnection } from "./contract.js";
import { type EmitterChange, EmitterStateMachine } from "./emitter-state-machine.js";
import { HamokEmitterSubscriptions } from "./emitter-subscriptions.js";
import { GuardedEmitter } from "./guarded-emitter.js";
import { RecentDeliveries } from "./recent-deliveries.js";

/** Event name → listener argument list. */
export type HamokEmitterEventMap = Record<string, unknown[]>;

/**
 * Emitters created in this JavaScript realm: with the creation time, it makes publish ids unique across emitters of
 * one peer, whether recreated in the same millisecond or after a reload (which starts this count again).
 */
let emittersCreated = 0;

/** Default time `publish` waits for acknowledgements when the emitter has no `requestTimeoutInMs`. */
export const DEFAULT_PUBLISH_TIMEOUT_IN_MS = 5000;

/** Options of {@link HamokEmitter}. */
export interface HamokEmitterOptions<M extends HamokEmitterEventMap> {
  /** The storage id (the connection's). */
  readonly emitterId: string;
  /** Per-event codecs of the argument list; an event without one uses JSON as UTF-8. */
  readonly payloadsCodec?: { readonly [E in keyof M & string]?: HamokCodec<M[E]> };
  /**
   * Timeout of subscription requests (default Hamok's) and of `publish`'s wait for acknowledgements
   * (default {@link DEFAULT_PUBLISH_TIMEOUT_IN_MS}).
   */
  readonly requestTimeoutInMs?: number;
}

const defaultCodec = createJsonCodec<unknown[]>();

type Listener = (...args: unknown[]) => void;

type EmitterMessage =
  | {
      readonly kind: "publish";
      readonly id: string;
      readonly event: string;
      readonly payload: Uint8Array;
      readonly ack: boolean;
    }
  | { readonly kind: "ack"; readonly id: string; readonly delivered: boolean };

interface PendingPublish {
  readonly waiting: Set<string>;
  readonly received: string[];
  readonly resolve: (peerIds: string[]) => void;
  readonly timer: ClockTimer;
}

function parseMessage(payload: unknown): EmitterMessage | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const m = payload as Record<string, unknown>;
  if (typeof m.id !== "string") return undefined;
  if (m.kind === "ack" && typeof m.delivered === "boolean") return m as EmitterMessage;
  if (
    m.kind === "publish" &&
    typeof m.event === "string" &&
    m.payload instanceof Uint8Array &&
    typeof m.ack === "boolean"
  ) {
    return m as EmitterMessage;
  }
  return undefined;
}

/**
 * A replicated emitter. `subscribe`/`unsubscribe` change this peer's subscription through the log;
 * `publish` delivers to every subscribed peer and resolves with those that acknowledged;
 * `notify` delivers without waiting. Local listeners of this peer run synchronously on publish.
 * Each event reaches a subscribed peer's listeners at most once, even when the network delivers its message twice.
 */
export class HamokEmitter<M extends HamokEmitterEventMap = HamokEmitterEventMap> {
  /** The storage id. */
  readonly id: string;
  /** The replicated subscription set, with `add-peer` / `remove-peer` events. */
  readonly subscriptions: HamokEmitterSubscriptions;
  private readonly link: CollectionLink;
  private readonly codecs: Readonly<Record<string, HamokCodec<unknown[]> | undefined>>;
  /** The app's listeners on this peer; guarded: they run inside message handling and the Raft loop. */
  private readonly local: GuardedEmitter<Record<string, unknown[]>>;
  private readonly metaData = new Map<string, unknown>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pending = new Map<string, PendingPublish>();
  private readonly publishTimeoutInMs: number;
  private sequence = 0;
  /** Tells this emitter's publish ids from those of an earlier emitter of the same peer (a reloaded tab). */
  private readonly incarnation: string;
  private readonly received = new RecentDeliveries();

  constructor(connection: StorageConnection, options: HamokEmitterOptions<M>) {
    const report = (event: string, error: unknown) => connection.reportListenerError(event, error);
    this.local = new GuardedEmitter(report);
    this.id = options.emitterId;
    this.codecs = (options.payloadsCodec ?? {}) as Record<string, HamokCodec<unknown[]>>;
    this.link = new CollectionLink(
      connection,
      { type: "emitter", id: options.emitterId, requestTimeoutInMs: options.requestTimeoutInMs },
      {
        onApplied: (_command, outcome) => this.handleApplied(outcome),
        onRestored: () => this.healAll(),
        onDirectMessage: (payload, from) => this.handleDirect(payload, from),
        onRemotePeersChanged: () => this.handlePeersChanged(),
        onLeaderChanged: () => this.pruneDepartedPeers(),
        onClosed: () => this.close(),
      },
    );
    this.publishTimeoutInMs = this.link.timeoutInMs ?? DEFAULT_PUBLISH_TIMEOUT_IN_MS;
    this.incarnation = `${connection.clock.now().toString(36)}.${(emittersCreated++).toString(36)}`;
    this.subscriptions = new HamokEmitterSubscriptions(() => this.state, report);
  }

  private get state(): EmitterStateMachine {
    const sm = this.link.connection.stateMachine;
    if (!(sm instanceof EmitterStateMachine))
      throw new HamokError("StorageTypeMismatch", `storage ${this.id} is no emitter`);
    return sm;
  }

  private get localPeerId(): string {
    return this.link.connection.localPeerId;
  }

  /** Whether the emitter is closed. */
  get closed(): boolean {
    return this.link.closed;
  }

  /** Resolves when Hamok has joined a cluster and caught up. */
  get ready(): Promise<void> {
    return this.link.connection.ready;
  }

  /** Linearizable read barrier (for `subscriptions`). */
  sync(): Promise<void> {
    return this.link.sync();
  }

  /**
   * Adds a local listener and makes sure this peer is subscribed to the event (through the log),
   * with `metaData` if given (the latest metadata given for an event wins).
   */
  async subscribe<E extends keyof M & string>(
    event: E,
    listener: (...args: M[E]) => void,
    metaData?: unknown,
  ): Promise<void> {
    this.link.assertOpen();
    this.assertEvent(event);
    this.local.on(event, listener as unknown as Listener);
    if (metaData !== undefined) this.metaData.set(event, metaData);
    try {
      await this.reconcile(event);
    } catch (error) {
      this.local.off(event, listener as unknown as Listener);
      throw error;
    }
  }

  /**
   * Removes a local listener of one event; when it was this peer's last listener of the event, the
   * peer's subscription to it is removed through the log.
   */
  async unsubscribe<E extends keyof M & string>(event: E, listener: (...args: M[E]) => void): Promise<void> {
    this.link.assertOpen();
    this.local.off(event, listener as unknown as Listener);
    if (this.local.listenerCount(event) === 0) this.metaData.delete(event);
    await this.reconcile(event);
  }

  /** Removes every local listener and this peer's subscriptions (other peers' subscriptions stay). */
  async clear(): Promise<void> {
    this.link.assertOpen();
    this.local.removeAllListeners();
    this.metaData.clear();
    const events = this.state.eventNames().filter((event) => this.subscriptions.has(event, this.localPeerId));
    await Promise.all(events.map((event) => this.reconcile(event)));
  }

  /**
   * Delivers an event to every subscribed peer (and this peer's listeners, synchronously). Resolves
   * with the ids of the peers whose listeners received it: those that acknowledged within the
   * timeout (a subscriber that does not answer, or leaves, is left out rather than waited for).
   */
  async publish<E extends keyof M & string>(event: E, ...args: M[E]): Promise<string[]> {
    this.link.assertOpen();
    const payload = this.encode(event, args);
    const received = this.deliverLocally(event, args) ? [this.localPeerId] : [];
    const targets = this.remoteSubscribers(event);
    if (targets.length === 0) return received;
    const id = this.nextPublishId();
    return new Promise<string[]>((resolve) => {
      const timer = this.link.connection.clock.setTimeout(() => this.finish(id), this.publishTimeoutInMs);
      this.pending.set(id, { waiting: new Set(targets), received, resolve, timer });
      for (const peerId of targets) this.send({ kind: "publish", id, event, payload, ack: true }, peerId);
    });
  }

  /** Delivers an event to every subscribed peer without waiting; returns whether anyone was targeted. */
  notify<E extends keyof M & string>(event: E, ...args: M[E]): boolean {
    this.link.assertOpen();
    const payload = this.encode(event, args);
    const local = this.deliverLocally(event, args);
    const targets = this.remoteSubscribers(event);
    const id = this.nextPublishId();
    for (const peerId of targets) this.send({ kind: "publish", id, event, payload, ack: false }, peerId);
    return local || targets.length > 0;
  }

  /**
   * Detaches the emitter: local listeners stop, pending publishes resolve with the peers that
   * acknowledged so far, later calls reject with `Closed`. This peer's
   * replicated subscriptions stay until the leader sees it leave the cluster; `await clear()` first
   * to withdraw them at once.
   */
  close(): void {
    if (!this.link.close()) return;
    this.local.removeAllListeners();
    for (const [id, pending] of this.pending) {
      this.link.connection.clock.clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.resolve(pending.received);
    }
  }

  private assertEvent(event: unknown): void {
    if (typeof event !== "string") throw new HamokError("InvalidArgument", "an emitter event name is a string");
  }

  /** Own keys only: an event named `constructor` must not pick up Object.prototype's member. */
  private codecOf(event: string): HamokCodec<unknown[]> {
    return (Object.hasOwn(this.codecs, event) ? this.codecs[event] : undefined) ?? defaultCodec;
  }

  private encode(event: string, args: unknown[]): Uint8Array {
    this.assertEvent(event);
    return this.codecOf(event).encode(args);
  }

  private deliverLocally(event: string, args: readonly unknown[]): boolean {
    if (this.local.listenerCount(event) === 0) return false;
    this.local.emit(event, ...args);
    return true;
  }

  private remoteSubscribers(event: string): string[] {
    const peers = this.state.subscribers(event);
    if (peers === undefined) return [];
    const remote = this.link.connection.remotePeerIds;
    return [...peers.keys()].filter((peerId) => peerId !== this.localPeerId && remote.has(peerId));
  }

  private nextPublishId(): string {
    return `${this.localPeerId}#${this.incarnation}#${this.sequence++}`;
  }

  private send(message: EmitterMessage, peerId: string): void {
    this.link.connection.sendDirect(message, peerId);
  }

  private finish(id: string): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.link.connection.clock.clearTimeout(pending.timer);
    this.pending.delete(id);
    pending.resolve(pending.received);
  }

  /** Serialises subscription changes per event, so the last local intent wins whatever the interleaving. */
  private reconcile(event: string): Promise<void> {
    const previous = this.chains.get(event) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.reconcileNow(event));
    this.chains.set(event, next);
    const forget = () => {
      if (this.chains.get(event) === next) this.chains.delete(event);
    };
    next.then(forget, forget);
    return next;
  }

  private async reconcileNow(event: string): Promise<void> {
    if (this.link.closed) return;
    const wanted = this.local.listenerCount(event) > 0;
    const peers = this.state.subscribers(event);
    const subscribed = peers?.has(this.localPeerId) ?? false;
    const metaData = this.metaData.get(event) ?? null;
    if (wanted && (!subscribed || JSON.stringify(peers?.get(this.localPeerId)) !== JSON.stringify(metaData))) {
      await this.link.submit("subscribe", { event, peerId: this.localPeerId, metaData });
    } else if (!wanted && subscribed) {
      await this.link.submit("unsubscribe", { event, peerId: this.localPeerId });
    }
  }

  private handleApplied(outcome: ApplyOutcome): void {
    for (const change of outcome.changes as readonly EmitterChange[]) {
      this.subscriptions.announce(change);
      // The leader dropped this peer (it looked gone) while it still listens: subscribe again.
      if (change.type === "remove-peer" && change.peerId === this.localPeerId && !this.link.closed) {
        if (this.local.listenerCount(change.event) > 0) this.reconcile(change.event).catch(() => {});
      }
    }
  }

  private healAll(): void {
    for (const event of this.local.eventNames()) this.reconcile(String(event)).catch(() => {});
  }

  private handleDirect(payload: unknown, from: string): void {
    if (this.link.closed) return;
    const message = parseMessage(payload);
    if (message === undefined) return;
    if (message.kind === "ack") {
      const pending = this.pending.get(message.id);
      if (pending === undefined || !pending.waiting.delete(from)) return;
      if (message.delivered) pending.received.push(from);
      if (pending.waiting.size === 0) this.finish(message.id);
      return;
    }
    // A publish the network delivered twice runs the listeners once; its ack is repeated (the first may be lost).
    const seen = this.received.get(from, message.id);
    if (seen !== undefined) {
      if (message.ack) this.send({ kind: "ack", id: message.id, delivered: seen }, from);
      return;
    }
    let args: unknown;
    try {
      args = this.codecOf(message.event).decode(message.payload);
    } catch {
      // A payload this peer cannot decode is acknowledged as not delivered rather than thrown into Hamok.
      args = undefined;
    }
    const delivered = Array.isArray(args) && this.deliverLocally(message.event, args);
    this.received.remember(from, message.id, delivered);
    if (message.ack) this.send({ kind: "ack", id: message.id, delivered }, from);
  }

  private handlePeersChanged(): void {
    const remote = this.link.connection.remotePeerIds;
    for (const [id, pending] of this.pending) {
      for (const peerId of pending.waiting) if (!remote.has(peerId)) pending.waiting.delete(peerId);
      if (pending.waiting.size === 0) this.finish(id);
    }
    this.pruneDepartedPeers();
  }

  /** The leader removes the subscriptions of peers that left the cluster, so publishers stop waiting for them. */
  private pruneDepartedPeers(): void {
    const connection = this.link.connection;
    if (this.link.closed || connection.leaderId !== this.localPeerId) return;
    const departed = new Set<string>();
    for (const event of this.state.eventNames()) {
      for (const peerId of this.state.subscribers(event)?.keys() ?? []) {
        if (peerId !== this.localPeerId && !connection.remotePeerIds.has(peerId)) departed.add(peerId);
      }
    }
    for (const peerId of departed) this.link.submit("removePeer", { peerId }).catch(() => {});
  }
}
