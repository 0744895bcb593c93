import { EventEmitter } from "eventemitter3";
import { type HamokClock, realClock } from "../clock.js";
import type { HamokMessage } from "../messages/hamok-message.js";
import { createSeededRandom } from "../util/random.js";
import type { HamokTransport, TransportEvents } from "./transport.js";

/**
 * An in-memory room for peers in one process (tests, benchmarks, single-process
 * apps), with seeded fault injection: drop, duplicate, delay (which also
 * reorders) and partitions. Each peer gets its own {@link HamokTransport} from
 * {@link MemoryHub.transport}; hand it to `hamok.join({ transport })`.
 *
 * The hub is authoritative about room membership, like a signaling server:
 * `open()` returns the peers already in the room, and `peer-joined` /
 * `peer-left` follow `open()` / `close()` of the other transports. Network
 * faults (drops, partitions) do not change membership.
 */

/** Fault settings of a {@link MemoryHub}. */
export interface MemoryHubFaults {
  /** Probability in [0, 1] that a message is lost. Default 0. */
  readonly dropRate: number;
  /** Probability in [0, 1] that a delivered message is delivered twice. Default 0. */
  readonly duplicateRate: number;
  /** Minimum delivery delay in ms. Default 0 (delivered in a microtask, in order). */
  readonly minDelayInMs: number;
  /** Maximum delivery delay in ms; delays are drawn uniformly, so messages reorder. Default 0. */
  readonly maxDelayInMs: number;
}

/** Options of a {@link MemoryHub}. */
export interface MemoryHubOptions extends Partial<MemoryHubFaults> {
  /** Seed of the PRNG that draws faults (drops, duplicates, delays), so the same seed loses the same messages. Default 1. */
  readonly seed?: number;
  /** Deliver a `structuredClone` of each message, as a real transport would. Default false (faster). */
  readonly cloneMessages?: boolean;
  /** The clock that times delayed deliveries (`minDelayInMs`/`maxDelayInMs`). Default `realClock`. */
  readonly clock?: HamokClock;
}

/** Counters of a {@link MemoryHub}. */
export interface MemoryHubStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

type Message = { readonly sourceId: string; readonly destinationId?: string };

/** See the module comment. `M` defaults to {@link HamokMessage}. */
export class MemoryHub<M extends Message = HamokMessage> {
  private readonly room = new Map<string, MemoryHubTransport<M>>();
  private readonly random: () => number;
  private readonly cloneMessages: boolean;
  private readonly clock: HamokClock;
  private faults: MemoryHubFaults;
  private groups: ReadonlyMap<string, number> | undefined;
  /** Message counters since the hub was created. */
  readonly stats: MemoryHubStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };

  constructor(options: MemoryHubOptions = {}) {
    this.random = createSeededRandom(options.seed ?? 1);
    this.cloneMessages = options.cloneMessages ?? false;
    this.clock = options.clock ?? realClock;
    this.faults = normaliseFaults({ dropRate: 0, duplicateRate: 0, minDelayInMs: 0, maxDelayInMs: 0, ...options });
  }

  /** A new, unopened transport for one peer. */
  transport(): MemoryHubTransport<M> {
    return new MemoryHubTransport<M>(this);
  }

  /** Change fault settings; unspecified ones keep their value. */
  setFaults(faults: Partial<MemoryHubFaults>): void {
    this.faults = normaliseFaults({ ...this.faults, ...faults });
  }

  /**
   * Split the network: peers in different groups cannot reach each other.
   * Peers listed in no group form one more group together.
   */
  partition(...groups: readonly (readonly string[])[]): void {
    const map = new Map<string, number>();
    groups.forEach((group, i) => {
      for (const peerId of group) map.set(peerId, i + 1);
    });
    this.groups = map;
  }

  /** Remove every partition. */
  heal(): void {
    this.groups = undefined;
  }

  /** The peers currently in the room. */
  members(): string[] {
    return [...this.room.keys()];
  }

  /** @internal Called by a transport's `open()`. */
  enter(peerId: string, transport: MemoryHubTransport<M>): string[] {
    if (this.room.has(peerId)) throw new Error(`peer ${peerId} is already in the room`);
    const others = this.members();
    this.room.set(peerId, transport);
    for (const other of others) this.room.get(other)?.notify("peer-joined", peerId);
    for (const other of others) transport.known.add(other);
    return others;
  }

  /** @internal Called by a transport's `close()`. */
  exit(peerId: string, transport: MemoryHubTransport<M>): void {
    if (this.room.get(peerId) !== transport) return;
    this.room.delete(peerId);
    for (const other of this.room.values()) other.notify("peer-left", peerId);
  }

  /** @internal Route one message from `peerId`. */
  route(peerId: string, message: M): void {
    const targets = message.destinationId === undefined ? this.members() : [message.destinationId];
    for (const target of targets) {
      if (target === peerId) continue;
      this.stats.sent++;
      if (!this.reachable(peerId, target) || this.draw(this.faults.dropRate)) {
        this.stats.dropped++;
        continue;
      }
      this.schedule(target, message);
      if (this.draw(this.faults.duplicateRate)) {
        this.stats.duplicated++;
        this.schedule(target, message);
      }
    }
  }

  private reachable(from: string, to: string): boolean {
    if (this.groups === undefined) return true;
    return (this.groups.get(from) ?? 0) === (this.groups.get(to) ?? 0);
  }

  private draw(probability: number): boolean {
    return probability > 0 && this.random() < probability;
  }

  private schedule(target: string, message: M): void {
    const copy = this.cloneMessages ? structuredClone(message) : message;
    const deliver = () => {
      const transport = this.room.get(target);
      if (transport === undefined) return;
      this.stats.delivered++;
      transport.notify("message", copy);
    };
    const { minDelayInMs, maxDelayInMs } = this.faults;
    if (maxDelayInMs <= 0) {
      queueMicrotask(deliver);
      return;
    }
    this.clock.setTimeout(deliver, minDelayInMs + this.random() * (maxDelayInMs - minDelayInMs));
  }
}

function normaliseFaults(faults: MemoryHubFaults): MemoryHubFaults {
  const rate = (value: number, name: string) => {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be in [0, 1]`);
    return value;
  };
  if (!(faults.minDelayInMs >= 0 && faults.maxDelayInMs >= faults.minDelayInMs)) {
    throw new RangeError("delays must satisfy 0 <= minDelayInMs <= maxDelayInMs");
  }
  return {
    dropRate: rate(faults.dropRate, "dropRate"),
    duplicateRate: rate(faults.duplicateRate, "duplicateRate"),
    minDelayInMs: faults.minDelayInMs,
    maxDelayInMs: faults.maxDelayInMs,
  };
}

/** One peer's view of a {@link MemoryHub}. */
export class MemoryHubTransport<M extends Message = HamokMessage> implements HamokTransport<M> {
  private readonly emitter = new EventEmitter<TransportEvents<M>>();
  private peerId: string | undefined;
  private closed = false;
  /** @internal Room members as this peer knows them. */
  readonly known = new Set<string>();

  constructor(private readonly hub: MemoryHub<M>) {}

  /** Enter the room; resolves with the peers already there. */
  async open(localPeerId: string): Promise<readonly string[]> {
    if (this.peerId !== undefined) throw new Error("a hub transport opens once; take a new one from hub.transport()");
    this.peerId = localPeerId;
    return this.hub.enter(localPeerId, this);
  }

  /** Send to `destinationId`, or to every room member. Silently drops when closed. */
  send(message: M): void {
    if (this.peerId !== undefined && !this.closed) this.hub.route(this.peerId, message);
  }

  /** Room members (without the local peer). */
  members(): ReadonlySet<string> {
    return this.known;
  }

  /** Adds a listener of a transport event. */
  on<E extends keyof TransportEvents<M>>(event: E, listener: (...args: TransportEvents<M>[E]) => void): this {
    // eventemitter3's listener type is a conditional type over the map; the cast restates the same signature.
    this.emitter.on(event, listener as never);
    return this;
  }

  /** Removes a listener added with `on`. */
  off<E extends keyof TransportEvents<M>>(event: E, listener: (...args: TransportEvents<M>[E]) => void): this {
    this.emitter.off(event, listener as never);
    return this;
  }

  /** Leave the room; the others see `peer-left`. Idempotent. */
  async close(): Promise<void> {
    if (this.peerId === undefined || this.closed) return;
    this.closed = true;
    this.hub.exit(this.peerId, this);
    this.known.clear();
    this.emitter.removeAllListeners();
  }

  /** @internal Deliver a room event to this peer. */
  notify<E extends keyof TransportEvents<M>>(event: E, ...args: TransportEvents<M>[E]): void {
    if (event === "peer-joined") this.known.add(args[0] as string);
    if (event === "peer-left") this.known.delete(args[0] as string);
    (this.emitter.emit as (event: E, ...rest: TransportEvents<M>[E]) => boolean)(event, ...args);
  }
}
