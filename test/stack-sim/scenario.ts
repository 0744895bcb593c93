import { Hamok } from "../../src/hamok.js";
import type { HamokConstructorConfig } from "../../src/runtime/peer/config.js";
import { SimNetwork } from "../../src/testing/sim-network.js";
import { VirtualClock } from "../../src/testing/virtual-clock.js";
import { createSeededRandom } from "../../src/util/random.js";
import { Quiescence } from "./quiesce.js";

/** Timings of scenario peers: 20 ms ticks, elections after 100-200 ms of silence. */
export const SCENARIO_TIMINGS: Partial<HamokConstructorConfig> = {
  heartbeatInMs: 20,
  followerMaxIdleInMs: 200,
  electionTimeoutInMs: 600,
  requestTimeoutInMs: 800,
};

/**
 * A hand-written scenario on virtual time: real `Hamok` peers over a {@link SimNetwork}, driven
 * by {@link Scenario.run}, which fires timers and settles after each one (deterministic: no real
 * time is involved, so what a scenario asserts cannot be a timing accident).
 */
export class Scenario {
  readonly clock = new VirtualClock();
  readonly quiescence = new Quiescence();
  readonly network: SimNetwork;
  readonly peers = new Map<string, Hamok>();
  readonly joined = new Set<string>();
  private readonly incarnations = new Map<string, number>();

  constructor(seed = 1) {
    this.network = new SimNetwork(this.clock, createSeededRandom(seed));
  }

  /**
   * A peer with the scenario timings (and `config`), joining at once. Adding an id again starts a new
   * incarnation of it (after {@link crash}), on a clock domain of its own.
   */
  add(peerId: string, config: Partial<HamokConstructorConfig> = {}): Hamok {
    const incarnation = (this.incarnations.get(peerId) ?? 0) + 1;
    this.incarnations.set(peerId, incarnation);
    const hamok = new Hamok({
      ...SCENARIO_TIMINGS,
      peerId,
      seed: this.peers.size + incarnation,
      clock: this.clock.domain(this.domain(peerId)),
      ...config,
    });
    this.joined.delete(peerId);
    this.peers.set(peerId, hamok);
    void hamok.join({ transport: this.network.transport() }).then(
      () => this.joined.add(peerId),
      () => undefined,
    );
    return hamok;
  }

  /** The clock domain of the current incarnation of `peerId`. */
  domain(peerId: string): string {
    return `${peerId}#${this.incarnations.get(peerId) ?? 0}`;
  }

  /** The process of `peerId` is gone: nothing of it runs, nothing reaches it, nobody is told. */
  crash(peerId: string): void {
    this.clock.drop(this.domain(peerId));
    this.network.crash(peerId, false);
  }

  peer(peerId: string): Hamok {
    const hamok = this.peers.get(peerId);
    if (hamok === undefined) throw new Error(`no peer ${peerId}`);
    return hamok;
  }

  /** The peer that leads, if exactly one of them believes it does. */
  leader(): Hamok | undefined {
    const leaders = [...this.peers.values()].filter((p) => p.leader && !p.closed);
    return leaders.length === 1 ? leaders[0] : undefined;
  }

  /** Run up to `ms` virtual ms, or until `until()` holds; returns whether it holds. */
  async run(ms: number, until: () => boolean = () => false): Promise<boolean> {
    const end = this.clock.now() + ms;
    await this.quiescence.settle();
    while (!until() && this.clock.fireNext(end)) await this.quiescence.settle();
    return until();
  }

  /** Run until `promise` settles (or `ms` pass); its value, or `undefined`. */
  async settle<T>(promise: Promise<T>, ms: number): Promise<{ value?: T; error?: unknown; done: boolean }> {
    const out: { value?: T; error?: unknown; done: boolean } = { done: false };
    promise.then(
      (value) => {
        out.value = value;
        out.done = true;
      },
      (error: unknown) => {
        out.error = error;
        out.done = true;
      },
    );
    await this.run(ms, () => out.done);
    return out;
  }
}
