import type { HamokMessage } from "../../src/messages/hamok-message.js";
import { SimNetwork } from "../../src/testing/sim-network.js";
import { VirtualClock } from "../../src/testing/virtual-clock.js";
import { createSeededRandom } from "../../src/util/random.js";
import { History } from "./history.js";
import { Quiescence } from "./quiesce.js";
import { PeerFactory, type SimPeer, type StackStorage } from "./sim-peer.js";
import { runClient } from "./workload.js";

/** Options of one run of the stack simulation. */
export interface StackRunOptions {
  readonly seed: number;
  /** Peers at the start: 3, 5 or 7. */
  readonly peers: number;
  readonly maxVoters: number;
  readonly storage: StackStorage;
  /** Virtual ms of workload under faults (the final healed phase comes after). */
  readonly durationMs: number;
  /** Concurrent clients on each peer (each awaits its own operations one at a time). */
  readonly clientsPerPeer: number;
  /**
   * Frozen past removal (issue 10 case 4): leaders remove members silent for this long (0: never), and stalls last
   * up to three times that, so a stalled peer is usually removed while frozen and thaws with writes in flight.
   */
  readonly removeUnreachableAfterMs?: number;
}

/** Timings of every peer: 20 ms ticks, elections after 100-200 ms of silence. */
const TIMINGS = {
  heartbeatInMs: 20,
  followerMaxIdleInMs: 200,
  electionTimeoutInMs: 600,
  requestTimeoutInMs: 1500,
  snapshotThresholdEntries: 12,
} as const;

/**
 * The cluster of one run and everything that happens to it: peers (with their incarnations), the
 * network, the clients and the faults (crashes and restarts from persisted state, stalls,
 * partitions with the leader in a minority, 2/3 splits, one-way links, loss, duplication, delay,
 * `leave()` and new peers joining).
 */
export class StackRun {
  readonly clock = new VirtualClock();
  readonly random: () => number;
  readonly network: SimNetwork;
  readonly quiescence = new Quiescence();
  readonly history: History;
  readonly peers = new Map<string, SimPeer>();
  readonly delivered = new Map<string, Map<string, number>>();
  readonly stats = { crashes: 0, closes: 0, restarts: 0, stalls: 0, partitions: 0, leaves: 0, joins: 0, errors: 0 };
  readonly errorCodes = new Map<string, number>();
  /** Set by the final phase when a majority of voters is gone for good. */
  quorumLost = false;
  /** Set when the queue history was judged by its aspect checks alone. */
  queueSearchInconclusive = false;
  private readonly factory: PeerFactory;
  private nextPeer: number;
  private workloadOn = true;
  private faultsOn = true;

  constructor(readonly options: StackRunOptions) {
    this.random = createSeededRandom(options.seed);
    this.history = new History(() => this.clock.now());
    this.network = new SimNetwork(this.clock, createSeededRandom(options.seed ^ 0x5eed), (peerId) =>
      this.domainOf(peerId),
    );
    this.factory = new PeerFactory({
      storage: options.storage,
      room: `stack-${options.seed}`,
      clock: this.clock,
      network: this.network,
      quiescence: this.quiescence,
      config: {
        ...TIMINGS,
        maxVoters: options.maxVoters,
        removeUnreachableAfterMs: options.removeUnreachableAfterMs ?? 0,
      },
      seedOf: (id, incarnation) => (options.seed * 7919 + Number(id.slice(1)) * 104729 + incarnation) >>> 0,
    });
    this.nextPeer = options.peers + 1;
  }

  /** The peers that run (joining or up). */
  live(): SimPeer[] {
    return [...this.peers.values()].filter((p) => p.status === "up" || p.status === "joining");
  }

  /** A live peer that believes it leads (the latest to become leader when several do, in a partition). */
  leader(): SimPeer | undefined {
    return this.live().find((p) => p.hamok.leader);
  }

  stopWorkload(): void {
    this.workloadOn = false;
  }

  stopFaults(): void {
    this.faultsOn = false;
  }

  get faulting(): boolean {
    return this.faultsOn;
  }

  /** Start (or restart, from its persisted state) peer `id`. */
  start(id: string): SimPeer {
    const peer = this.factory.create(id);
    this.peers.set(id, peer);
    const { hamok } = peer;
    hamok.on("error", (error) => {
      this.stats.errors++;
      this.errorCodes.set(error.code, (this.errorCodes.get(error.code) ?? 0) + 1);
      this.history.trace(`error ${peer.domain} ${error.code} ${error.message}`);
      if (error.code === "StorageFailure") this.history.violation(`${peer.domain}: ${error.message}`);
    });
    hamok.on("leader-changed", (leaderId) => this.history.trace(`${peer.domain} leader ${leaderId}`));
    hamok.on("message", (message: HamokMessage) => this.history.trace(`${peer.domain} > ${summary(message)}`));
    void peer.emitter
      .subscribe("ev", (publishId) => {
        let byPeer = this.delivered.get(publishId);
        if (byPeer === undefined) {
          byPeer = new Map();
          this.delivered.set(publishId, byPeer);
        }
        byPeer.set(id, (byPeer.get(id) ?? 0) + 1);
      })
      .catch(() => undefined);
    hamok.join({ transport: this.network.transport(), fetchRemotePeerTimeoutInMs: 300, maxRetry: -1 }).then(
      () => {
        if (peer.status !== "joining") return;
        peer.status = "up";
        this.history.trace(`${peer.domain} joined`);
        const host = {
          random: this.random,
          history: this.history,
          delivered: this.delivered,
          active: () => this.workloadOn,
        };
        for (let i = 0; i < this.options.clientsPerPeer; i++) void runClient(host, peer, i);
      },
      (error: unknown) => this.history.trace(`${peer.domain} join failed ${String(error)}`),
    );
    return peer;
  }

  /** A crash: no goodbye, nothing runs any more; `announce`: the transport tells the others (a closed channel). */
  async crash(peer: SimPeer, announce: boolean): Promise<void> {
    this.stats.crashes++;
    this.history.trace(`crash ${peer.domain} announce=${announce}`);
    peer.status = "crashed";
    this.clock.drop(peer.domain);
    this.network.crash(peer.id, announce);
    await this.factory.crashed(peer);
  }

  /**
   * A process that closes its Hamok (no `leave()`) and starts again over what it persisted, the
   * documented restart (`MemoryRaftLogs.reopen()`, or a new IndexedDB handle): its pending requests
   * reject on close, as indeterminate unless known not to apply.
   */
  async close(peer: SimPeer): Promise<void> {
    this.stats.closes++;
    this.history.trace(`close ${peer.domain}`);
    peer.status = "crashed";
    await peer.hamok.close();
    this.clock.drop(peer.domain);
  }

  /** Restart a crashed peer from its persisted state (once: a later call for the same crash does nothing). */
  restart(id: string): void {
    if (this.peers.get(id)?.status !== "crashed") return;
    this.stats.restarts++;
    this.history.trace(`restart ${id}`);
    this.start(id);
  }

  /** A stall: the peer runs nothing (timers, deliveries, its client) for `ms`. */
  stall(peer: SimPeer, ms: number): void {
    this.stats.stalls++;
    this.history.trace(`stall ${peer.domain} ${ms}`);
    this.clock.freeze(peer.domain, this.clock.now() + ms);
  }

  /** A graceful `leave()`; the peer closes once it left. */
  leave(peer: SimPeer): void {
    this.stats.leaves++;
    this.history.trace(`leave ${peer.domain}`);
    peer.status = "leaving";
    peer.hamok
      .leave()
      .catch((error: unknown) => this.history.trace(`leave of ${peer.domain} failed ${String(error)}`))
      .finally(() => {
        peer.status = "left";
        this.history.trace(`left ${peer.domain}`);
      });
  }

  /** A new peer joins the running cluster. */
  addPeer(): void {
    this.stats.joins++;
    const id = `p${this.nextPeer++}`;
    this.history.trace(`add ${id}`);
    this.start(id);
  }

  /** One fault, drawn at random (a minority at most is down at any time). */
  async fault(): Promise<void> {
    const r = this.random();
    const live = this.live().filter((p) => !this.clock.isFrozen(p.domain));
    const down = [...this.peers.values()].filter((p) => p.status === "crashed").length;
    const total = [...this.peers.values()].filter((p) => p.status !== "left").length;
    const canTakeOne = down + 1 <= Math.floor((total - 1) / 2) && live.length > 1;
    const leader = this.leader();
    const ids = this.live().map((p) => p.id);
    if (r < 0.15) {
      this.history.trace("heal");
      this.network.heal();
      this.network.setFaults({ lossRate: 0, duplicateRate: 0, minDelayInMs: 1, maxDelayInMs: 5 });
    } else if (r < 0.3) {
      const faults = {
        lossRate: this.random() < 0.5 ? 0 : this.random() * 0.2,
        duplicateRate: this.random() < 0.5 ? 0 : this.random() * 0.1,
        minDelayInMs: 1,
        maxDelayInMs: 1 + Math.floor(this.random() * 30),
      };
      this.history.trace(`faults ${JSON.stringify(faults)}`);
      this.network.setFaults(faults);
    } else if (r < 0.42 && leader !== undefined) {
      // The leader isolated in a minority: the majority elects a new one, the old one must not serve.
      const others = ids.filter((id) => id !== leader.id);
      const minority = [leader.id, ...others.slice(0, Math.max(0, Math.floor((ids.length - 1) / 2) - 1))];
      this.partition([minority]);
    } else if (r < 0.52) {
      const shuffled = [...ids].sort(() => this.random() - 0.5);
      const cut = Math.max(1, Math.floor(shuffled.length / 3));
      this.partition([shuffled.slice(0, cut)]);
    } else if (r < 0.6 && leader !== undefined && ids.length > 1) {
      // One-way links: the leader's messages to some followers are lost, theirs to it arrive.
      const victims = ids.filter((id) => id !== leader.id && this.random() < 0.5);
      this.history.trace(`cut ${leader.id} -> ${victims.join(",")}`);
      for (const id of victims) this.network.cutLink(leader.id, id);
    } else if (r < 0.72 && canTakeOne) {
      const victim = pickOne(this.random, live);
      const how = this.random();
      if (how < 0.7) await this.crash(victim, how < 0.35);
      else await this.close(victim);
      this.clock.setTimeout(() => this.restart(victim.id), 200 + Math.floor(this.random() * 1500));
    } else if (r < 0.82 && canTakeOne) {
      const removal = this.options.removeUnreachableAfterMs ?? 0;
      const longest = removal > 0 ? 3 * removal : 1500;
      this.stall(pickOne(this.random, live), 100 + Math.floor(this.random() * longest));
    } else if (r < 0.89 && this.stats.leaves < 2 && live.length >= 3) {
      this.leave(pickOne(this.random, live));
    } else if (r < 0.92 && this.stats.joins < 2) {
      this.addPeer();
    }
  }

  private partition(groups: string[][]): void {
    this.stats.partitions++;
    this.history.trace(`partition ${JSON.stringify(groups)}`);
    this.network.partition(...groups);
  }

  private domainOf(peerId: string): string {
    return this.peers.get(peerId)?.domain ?? peerId;
  }
}

function pickOne<T>(random: () => number, xs: readonly T[]): T {
  return xs[Math.floor(random() * xs.length)]!;
}

/** A message in one line of the trace. */
function summary(m: HamokMessage): string {
  const to = m.destinationId ?? "*";
  if (m.type !== "raft") return `${to} ${m.type}`;
  const r = m.raft;
  const entries = r.entries === undefined ? "" : ` e${r.entries.length}`;
  return `${to} ${r.type} t${r.term}${r.index === undefined ? "" : ` i${r.index}`}${entries}`;
}
