/**
 * A simulated network on a {@link VirtualClock}: one {@link HamokTransport} per peer, with loss,
 * duplication, delay (so reordering), partitions and one-way links, every decision drawn from one
 * seeded PRNG, so the same seed and the same sends give the same deliveries.
 *
 * Each delivery is a `structuredClone` of the message (what postMessage, BroadcastChannel and a
 * wire codec do), scheduled in the receiver's clock domain: a frozen peer gets its messages when it
 * thaws, a crashed one never. Like a signaling server, the network is authoritative about the room
 * (`open()` returns its members; `peer-joined` / `peer-left` follow); faults never change the room.
 */
import { EventEmitter } from "eventemitter3";
import type { HamokMessage } from "../messages/hamok-message.js";
import type { HamokTransport, TransportEvents } from "../transport/transport.js";
import type { VirtualClock } from "./virtual-clock.js";

/** Fault settings of a {@link SimNetwork}. */
export interface SimNetworkFaults {
  /** Probability in [0, 1] that one delivery is lost. */
  readonly lossRate: number;
  /** Probability in [0, 1] that a delivery happens twice (each copy with its own delay). */
  readonly duplicateRate: number;
  /** Delivery delay in ms, uniform in [min, max] (so messages reorder when max > min). */
  readonly minDelayInMs: number;
  readonly maxDelayInMs: number;
}

/** Counters of a {@link SimNetwork}. */
export interface SimNetworkStats {
  sent: number;
  delivered: number;
  lost: number;
  blocked: number;
  duplicated: number;
}

const NO_FAULTS: SimNetworkFaults = { lossRate: 0, duplicateRate: 0, minDelayInMs: 1, maxDelayInMs: 1 };

/** See the module comment. */
export class SimNetwork {
  private readonly room = new Map<string, SimTransport>();
  private faults: SimNetworkFaults = NO_FAULTS;
  private groups: ReadonlyMap<string, number> | undefined;
  /** Directed links that drop everything: "from\u0000to". */
  private readonly cut = new Set<string>();
  readonly stats: SimNetworkStats = { sent: 0, delivered: 0, lost: 0, blocked: 0, duplicated: 0 };

  /**
   * `random`: the PRNG of every fault decision. `domainOf(peerId)`: the receiver's clock domain
   * (default: the peer id).
   */
  constructor(
    private readonly clock: VirtualClock,
    private readonly random: () => number,
    private readonly domainOf: (peerId: string) => string = (peerId) => peerId,
  ) {}

  /** A new, unopened transport for one peer. */
  transport(): SimTransport {
    return new SimTransport(this);
  }

  /** Change fault settings; unspecified ones keep their value. */
  setFaults(faults: Partial<SimNetworkFaults>): void {
    const next = { ...this.faults, ...faults };
    if (!(next.lossRate >= 0 && next.lossRate <= 1 && next.duplicateRate >= 0 && next.duplicateRate <= 1)) {
      throw new RangeError("lossRate and duplicateRate must be in [0, 1]");
    }
    if (!(next.minDelayInMs >= 0 && next.maxDelayInMs >= next.minDelayInMs)) {
      throw new RangeError("delays must satisfy 0 <= minDelayInMs <= maxDelayInMs");
    }
    this.faults = next;
  }

  /** The current fault settings. */
  get currentFaults(): SimNetworkFaults {
    return this.faults;
  }

  /** Split the network: peers in different groups cannot reach each other; unlisted peers form one more group. */
  partition(...groups: readonly (readonly string[])[]): void {
    const map = new Map<string, number>();
    groups.forEach((group, i) => {
      for (const peerId of group) map.set(peerId, i + 1);
    });
    this.groups = map;
  }

  /** Drop everything `from` sends to `to` (the other direction still works). */
  cutLink(from: string, to: string): void {
    this.cut.add(`${from}\u0000${to}`);
  }

  /** Remove every partition and cut link (faults stay). */
  heal(): void {
    this.groups = undefined;
    this.cut.clear();
  }

  /** Whether a message from `from` reaches `to` now (ignoring loss). */
  reachable(from: string, to: string): boolean {
    if (this.cut.has(`${from}\u0000${to}`)) return false;
    if (this.groups === undefined) return true;
    return (this.groups.get(from) ?? 0) === (this.groups.get(to) ?? 0);
  }

  /** The peers in the room. */
  members(): string[] {
    return [...this.room.keys()];
  }

  /**
   * Take a peer out of the room without closing its transport, as a crash does: nothing reaches it
   * any more. `announce`: the others see `peer-left` (a data channel that closes), or not (a tab
   * that vanished silently).
   */
  crash(peerId: string, announce: boolean): void {
    const transport = this.room.get(peerId);
    if (transport === undefined) return;
    transport.detach();
    this.exit(peerId, transport, announce);
  }

  /** @internal */
  enter(peerId: string, transport: SimTransport): string[] {
    if (this.room.has(peerId)) throw new Error(`peer ${peerId} is already in the room`);
    const others = this.members();
    this.room.set(peerId, transport);
    for (const other of others) this.room.get(other)?.notify("peer-joined", peerId);
    return others;
  }

  /** @internal */
  exit(peerId: string, transport: SimTransport, announce = true): void {
    if (this.room.get(peerId) !== transport) return;
    this.room.delete(peerId);
    if (announce) for (const other of this.room.values()) other.notify("peer-left", peerId);
  }

  /** @internal Route one message from `from`. */
  route(from: string, message: HamokMessage): void {
    const targets = message.destinationId === undefined ? this.members() : [message.destinationId];
    for (const to of targets) {
      if (to === from) continue;
      this.stats.sent++;
      if (!this.reachable(from, to)) {
        this.stats.blocked++;
        continue;
      }
      if (this.draw(this.faults.lossRate)) {
        this.stats.lost++;
        continue;
      }
      this.schedule(from, to, message);
      if (this.draw(this.faults.duplicateRate)) {
        this.stats.duplicated++;
        this.schedule(from, to, message);
      }
    }
  }

  private draw(probability: number): boolean {
    return probability > 0 && this.random() < probability;
  }

  private schedule(from: string, to: string, message: HamokMessage): void {
    const target = this.room.get(to);
    if (target === undefined) return;
    const copy = structuredClone(message);
    const { minDelayInMs, maxDelayInMs } = this.faults;
    const delay = minDelayInMs + Math.floor(this.random() * (maxDelayInMs - minDelayInMs + 1));
    this.clock.domain(this.domainOf(to)).setTimeout(() => {
      // A partition that started while the message was in flight drops it too.
      if (this.room.get(to) !== target || !this.reachable(from, to)) {
        this.stats.blocked++;
        return;
      }
      this.stats.delivered++;
      target.notify("message", copy);
    }, delay);
  }
}

/** One peer's view of a {@link SimNetwork}. */
export class SimTransport implements HamokTransport<HamokMessage> {
  private readonly emitter = new EventEmitter<TransportEvents<HamokMessage>>();
  private readonly known = new Set<string>();
  private peerId: string | undefined;
  private closed = false;

  constructor(private readonly network: SimNetwork) {}

  /** Enter the room; resolves with the peers already there. */
  async open(localPeerId: string): Promise<readonly string[]> {
    if (this.peerId !== undefined) throw new Error("a simulated transport opens once");
    this.peerId = localPeerId;
    const others = this.network.enter(localPeerId, this);
    for (const other of others) this.known.add(other);
    return others;
  }

  send(message: HamokMessage): void {
    if (this.peerId !== undefined && !this.closed) this.network.route(this.peerId, message);
  }

  members(): ReadonlySet<string> {
    return this.known;
  }

  on<E extends keyof TransportEvents<HamokMessage>>(
    event: E,
    listener: (...args: TransportEvents<HamokMessage>[E]) => void,
  ): this {
    this.emitter.on(event, listener as never);
    return this;
  }

  off<E extends keyof TransportEvents<HamokMessage>>(
    event: E,
    listener: (...args: TransportEvents<HamokMessage>[E]) => void,
  ): this {
    this.emitter.off(event, listener as never);
    return this;
  }

  /** Leave the room; the others see `peer-left`. Idempotent. */
  async close(): Promise<void> {
    if (this.peerId === undefined || this.closed) return;
    this.closed = true;
    this.network.exit(this.peerId, this);
    this.known.clear();
    this.emitter.removeAllListeners();
  }

  /** @internal A crash: the transport goes dead without telling its peer. */
  detach(): void {
    this.closed = true;
    this.emitter.removeAllListeners();
  }

  /** @internal Deliver a room event. */
  notify<E extends keyof TransportEvents<HamokMessage>>(event: E, ...args: TransportEvents<HamokMessage>[E]): void {
    if (this.closed) return;
    if (event === "peer-joined") this.known.add(args[0] as string);
    if (event === "peer-left") this.known.delete(args[0] as string);
    (this.emitter.emit as (event: E, ...rest: TransportEvents<HamokMessage>[E]) => boolean)(event, ...args);
  }
}
