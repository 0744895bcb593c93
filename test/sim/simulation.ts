import { nextMembershipChange } from "../../src/raft/membership-policy";
import { RaftNode } from "../../src/raft/raft-node";
import { createSeededRandom } from "../../src/raft/random";
import type { ConfChange, ConfState, NodeId, RaftConfig, RaftStatus, Random, SoftState } from "../../src/raft/types";
import { HashChainApp, MemoryStorage } from "../raft/harness";
import { SafetyChecker } from "./checker";
import { SimNetwork } from "./network";
import { type SimStorage, saveBatch } from "./sim-storage";
import { describeMessage, hash, shuffle } from "./sim-util";

export interface SimOptions {
  readonly seed: number;
  readonly ticks: number;
  /** Initial voters (3 or 5); one spare peer joins and leaves through membership changes. */
  readonly nodes: number;
  /** Receives a line per delivered message (debugging a failing seed). */
  readonly trace?: (line: string) => void;
}

export interface SimResult {
  readonly seed: number;
  readonly ticks: number;
  readonly nodes: number;
  readonly elections: number;
  /** Proposals acknowledged to their proposer as committed. */
  readonly commits: number;
  /** Compactions plus snapshots installed from a leader. */
  readonly snapshots: number;
  readonly confChanges: number;
  readonly crashes: number;
  readonly violations: readonly string[];
  /** The command that replays this run. */
  readonly replay: string;
}

/**
 * {@link runSimulation} with a second storage: between steps the run awaits
 * `storage.settle()`, so no message is delivered before the save of the Ready
 * that produced it resolved (Raft §5, Figure 2), and no crashed node restarts
 * before its reload finished.
 */
export async function runSimulationWithStorage(opts: SimOptions, storage: SimStorage): Promise<SimResult> {
  const sim = new Simulation(opts, storage);
  for (const _ of sim.steps()) await storage.settle();
  return sim.result();
}

type CrashPoint = "before-persist" | "after-persist" | "after-send";

interface SimNode {
  readonly id: NodeId;
  storage: MemoryStorage;
  app: HashChainApp;
  node: RaftNode | null;
  /** Bootstrap configuration for the initial voters; a spare (or wiped) peer starts empty. */
  initial: ConfState | undefined;
  crashPoint: CrashPoint | null;
  crashScheduledAt: number;
  /** Role and term as of the last Ready (what a runtime knows). */
  soft: SoftState | undefined;
  restartAt: number;
}

/** Ticks after healing within which a leader must commit a new entry. */
const LIVENESS_BOUND = 200;
const HEAL_TICKS = 320;
const QUIET_TICKS = 60;

export function replayCommand(o: SimOptions): string {
  return `npm run sim -- --seed ${o.seed} --ticks ${o.ticks} --nodes ${o.nodes}`;
}

/**
 * One seeded run: a cluster under message loss, duplication, reordering and
 * delay, partitions, crashes at any point of the Ready cycle, membership
 * changes and snapshots, alternating with healed windows where liveness is
 * required. Every step is checked by {@link SafetyChecker}.
 */
export function runSimulation(opts: SimOptions): SimResult {
  return new Simulation(opts).run();
}

class Simulation {
  readonly #o: SimOptions;
  readonly #storage: SimStorage | undefined;
  readonly #rng: Random;
  readonly #net: SimNetwork;
  readonly #check = new SafetyChecker();
  readonly #nodes = new Map<NodeId, SimNode>();
  readonly #config: Omit<RaftConfig, "id" | "random">;
  readonly #compactEvery: number;
  readonly #usePolicy: boolean;
  readonly #maxVoters: number;
  #now = 0;
  #counter = 0;
  #elections = 0;
  #acked = new Map<string, number>();
  #snapshots = 0;
  #crashes = 0;
  readonly #confEntries = new Set<number>();
  /** ReadIndex context -> the highest applied index when the read was issued. */
  readonly #reads = new Map<string, number>();
  #healUntil = 0;
  #partitionUntil = 0;
  #probe: { id: string; at: number } | null = null;
  #liveAt = 0;

  constructor(o: SimOptions, storage?: SimStorage) {
    this.#o = o;
    this.#storage = storage;
    this.#rng = createSeededRandom(o.seed);
    this.#net = new SimNetwork(createSeededRandom(o.seed ^ 0x5bd1e995));
    const r = this.#rng;
    // Mostly the defaults; sometimes one of PreVote and CheckQuorum is off. Never both: then a
    // removed peer that missed its removal disrupts the cluster forever (thesis §4.2.3).
    const off = r();
    this.#config = {
      electionTicks: 10,
      heartbeatTicks: 1 + Math.floor(r() * 2),
      preVote: off >= 0.1,
      checkQuorum: off < 0.1 || off >= 0.2,
      // Small enough to exercise pipelining limits and batching, large enough that the
      // cluster's capacity exceeds the offered load (else no backlog ever drains).
      maxInflightMessages: 2 + Math.floor(r() * 8),
      maxMessageBytes: 128 + Math.floor(r() * 2000),
      maxUncommittedEntries: 20 + Math.floor(r() * 200),
      snapshotChunkBytes: 64 + Math.floor(r() * 1024),
    };
    this.#compactEvery = 20 + Math.floor(r() * 60);
    this.#usePolicy = r() < 0.5;
    this.#maxVoters = o.nodes === 3 ? 4 : 6;
    const voters = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`);
    const initial: ConfState = { voters, learners: [] };
    for (const id of voters) this.#addNode(id, initial);
    this.#addNode("s1", undefined);
  }

  #addNode(id: NodeId, initial: ConfState | undefined): void {
    const n: SimNode = {
      id,
      storage: new MemoryStorage(),
      app: new HashChainApp(false),
      node: null,
      initial,
      crashPoint: null,
      crashScheduledAt: 0,
      soft: undefined,
      restartAt: 0,
    };
    this.#nodes.set(id, n);
    this.#start(n);
  }

  #start(n: SimNode): void {
    this.#storage?.restore(n.id, n.storage);
    n.app = new HashChainApp(false);
    if (n.storage.snapshot) n.app.restore(n.storage.snapshot);
    const seed = (this.#o.seed * 31 + hash(n.id) + this.#now * 7) >>> 0;
    n.node = new RaftNode(
      { ...this.#config, id: n.id, random: createSeededRandom(seed) },
      n.storage.restoreState(n.initial),
    );
    n.crashPoint = null;
    n.soft = undefined;
  }

  run(): SimResult {
    for (const _ of this.steps()) {
      // The in-memory storage is synchronous: nothing to wait for between steps.
    }
    return this.result();
  }

  /** The run, yielding wherever an asynchronous storage must settle before going on. */
  *steps(): Generator<void> {
    const { ticks } = this.#o;
    let epochEnd = 0;
    while (this.#now < ticks) {
      // A node that crashed in the previous tick may restart in this one.
      yield;
      if (this.#now >= epochEnd) epochEnd = this.#now + 400 + Math.floor(this.#rng() * 600);
      const healAt = Math.min(epochEnd, ticks) - HEAL_TICKS;
      if (this.#now === healAt || (this.#now === 0 && healAt <= 0)) this.#heal();
      if (this.#now < this.#healUntil) this.#healedTick();
      else this.#faultyTick();
      yield* this.#advanceTime();
      if (this.#now === this.#healUntil) this.#endOfHeal();
    }
  }

  result(): SimResult {
    const { ticks } = this.#o;
    return {
      seed: this.#o.seed,
      ticks,
      nodes: this.#o.nodes,
      elections: this.#elections,
      commits: this.#acked.size,
      snapshots: this.#snapshots,
      confChanges: this.#confEntries.size,
      crashes: this.#crashes,
      violations: this.#check.violations,
      replay: replayCommand(this.#o),
    };
  }

  // ------------------------------------------------------------ phases

  #faultyTick(): void {
    const r = this.#rng;
    if (this.#now % 100 === 0) {
      this.#net.faults = {
        loss: r() * 0.15,
        duplicate: r() * 0.05,
        minDelay: r() < 0.3 ? 0 : 1,
        maxDelay: 1 + Math.floor(r() * 5),
      };
    }
    if (this.#net.partitioned() && this.#now >= this.#partitionUntil) this.#net.heal();
    if (!this.#net.partitioned() && r() < 0.01) this.#partition();
    if (r() < 0.006) this.#scheduleCrash();
    for (const n of this.#nodes.values()) {
      if (!n.node && n.restartAt <= this.#now) this.#start(n);
      if (n.node && n.crashPoint && this.#now - n.crashScheduledAt > 20) this.#crash(n);
    }
    this.#workload();
    if (r() < 0.02) this.#membershipChange();
    if (r() < 0.004) this.#transfer();
  }

  #healedTick(): void {
    // Quiet at the end of the window so the convergence check sees a settled cluster.
    if (this.#healUntil - this.#now > QUIET_TICKS) this.#workload();
    const leader = this.#leader();
    if (this.#liveAt === 0 && leader && (!this.#probe || this.#now - this.#probe.at > 30)) {
      const id = `probe-${this.#now}`;
      if (leader.node!.propose(id, { pid: id, from: leader.id }).ok) this.#probe = { id, at: this.#now };
    }
    if (this.#liveAt === 0 && this.#now - (this.#healUntil - HEAL_TICKS) > LIVENESS_BOUND) {
      this.#liveAt = -1;
      this.#check.violation(`liveness: no leader committed within ${LIVENESS_BOUND} ticks after healing`);
    }
  }

  #heal(): void {
    this.#healUntil = this.#now + HEAL_TICKS;
    this.#net.heal();
    this.#net.faults = { loss: 0, duplicate: 0, minDelay: 1, maxDelay: 2 };
    this.#probe = null;
    this.#liveAt = 0;
    for (const n of this.#nodes.values()) {
      if (n.crashPoint) n.crashPoint = null;
      if (!n.node) this.#start(n);
    }
  }

  /**
   * End of a healed window: every live member has applied everything any node
   * applied (so every acknowledged proposal), with the same state machine hash.
   */
  #endOfHeal(): void {
    const leader = this.#leader();
    if (!leader) {
      this.#check.violation("liveness: no leader at the end of a healed window");
      return;
    }
    const status = leader.node!.status();
    const target = this.#check.maxApplied;
    let hash: number | undefined;
    for (const id of [...status.confState.voters, ...status.confState.learners]) {
      const n = this.#nodes.get(id)!;
      if (!n.node) continue;
      if (n.app.applied < target) {
        this.#check.violation(
          `convergence: ${id} applied ${n.app.applied} < ${target} after healing (leader ${leader.id} sees ${JSON.stringify(status.progress?.[id])})`,
        );
        continue;
      }
      if (hash !== undefined && n.app.hash !== hash) this.#check.violation(`convergence: ${id} has a different state`);
      hash = n.app.hash;
    }
  }

  #partition(): void {
    const r = this.#rng;
    const up = [...this.#nodes.keys()];
    const leader = this.#leader();
    const kind = r();
    if (kind < 0.4 && leader) {
      this.#net.partition([[leader.id]]);
    } else if (kind < 0.8) {
      const shuffled = shuffle(up, r);
      const minority = Math.floor(shuffled.length / 2);
      this.#net.partition([shuffled.slice(0, minority)]);
    } else {
      const groups: NodeId[][] = [[], [], []];
      for (const id of up) groups[Math.floor(r() * 3)]!.push(id);
      this.#net.partition(groups);
    }
    this.#partitionUntil = this.#now + 20 + Math.floor(r() * 150);
  }

  #scheduleCrash(): void {
    const up = [...this.#nodes.values()].filter((n) => n.node && !n.crashPoint);
    if (up.length === 0) return;
    const n = up[Math.floor(this.#rng() * up.length)]!;
    const points: CrashPoint[] = ["before-persist", "after-persist", "after-send"];
    n.crashPoint = points[Math.floor(this.#rng() * 3)]!;
    n.crashScheduledAt = this.#now;
    n.restartAt = this.#now + 5 + Math.floor(this.#rng() * 100);
  }

  #crash(n: SimNode): void {
    this.#o.trace?.(`${this.#now} crash ${n.id} ${n.crashPoint}`);
    n.node = null;
    n.crashPoint = null;
    this.#crashes++;
    this.#storage?.crash(n.id);
  }

  #workload(): void {
    const r = this.#rng;
    const up = [...this.#nodes.values()].filter((n) => n.node);
    if (up.length === 0) return;
    if (r() < 0.5) {
      const n = up[Math.floor(r() * up.length)]!;
      const pid = `${n.id}-${++this.#counter}`;
      n.node!.propose(pid, { pid, from: n.id });
    }
    if (r() < 0.1) {
      const n = up[Math.floor(r() * up.length)]!;
      const context = `${n.id}-r${++this.#counter}`;
      this.#reads.set(context, this.#check.maxApplied);
      n.node!.readIndex(context);
    }
    for (const n of up) {
      if (n.app.applied - (n.storage.snapshot?.meta.index ?? 0) >= this.#compactEvery && r() < 0.2) {
        const snapshot = n.node!.compact(n.app.applied, n.app.snapshotData());
        n.storage.compact(snapshot);
        this.#storage?.save(n.id, { snapshot, compactTo: snapshot.meta.index });
        this.#snapshots++;
      }
    }
  }

  #membershipChange(): void {
    const leader = this.#leader();
    if (!leader) return;
    const status = leader.node!.status();
    const change = this.#usePolicy ? this.#policyChange(status) : this.#randomChange(status);
    if (!change) return;
    const ok = leader.node!.proposeConfChange(`conf-${++this.#counter}`, change).ok;
    this.#o.trace?.(`${this.#now} conf ${leader.id} ${JSON.stringify(change)} ok=${ok}`);
  }

  #policyChange(status: RaftStatus): ConfChange | null {
    const change = nextMembershipChange(status, { maxVoters: this.#maxVoters, removeUnreachableAfterTicks: 150 });
    if (change) return change;
    // The runtime proposes a peer it hears from as a learner.
    const members = new Set([...status.confState.voters, ...status.confState.learners]);
    const outsider = [...this.#nodes.values()].find((n) => n.node && !members.has(n.id));
    return outsider ? { type: "addLearner", nodeId: outsider.id } : null;
  }

  #randomChange(status: RaftStatus): ConfChange | null {
    const r = this.#rng;
    const { voters, learners } = status.confState;
    // A peer that lost its storage comes back under a new id (Raft's safety rests on a voter
    // never forgetting its term and vote; a wiped peer reusing its id could vote twice).
    if (r() < 0.05 && this.#nodes.size < this.#o.nodes + 4)
      this.#addNode(`s${this.#nodes.size - this.#o.nodes + 1}`, undefined);
    const outsiders = [...this.#nodes.keys()].filter((id) => !voters.includes(id) && !learners.includes(id));
    const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(r() * xs.length)];
    const minVoters = this.#o.nodes === 3 ? 2 : 3;
    const options: (ConfChange | undefined)[] = [
      outsiders.length > 0 ? { type: "addLearner", nodeId: pick(outsiders)! } : undefined,
      learners.length > 0 && voters.length < this.#maxVoters
        ? { type: "addVoter", nodeId: pick(learners)! }
        : undefined,
      voters.length > minVoters ? { type: "remove", nodeId: pick(voters)! } : undefined,
      voters.length > minVoters ? { type: "demoteVoter", nodeId: pick(voters)! } : undefined,
      learners.length > 0 ? { type: "remove", nodeId: pick(learners)! } : undefined,
    ];
    return pick(options) ?? null;
  }

  #transfer(): void {
    const leader = this.#leader();
    if (!leader) return;
    const voters = leader.node!.status().confState.voters.filter((v) => v !== leader.id);
    const to = voters[Math.floor(this.#rng() * voters.length)];
    if (to) leader.node!.transferLeader(to);
  }

  // ------------------------------------------------------------ time and delivery

  *#advanceTime(): Generator<void> {
    this.#check.now = this.#now;
    for (let round = 0; round < 20; round++) {
      this.#processAll();
      // The saves of the Readys just processed resolve before any of their messages is delivered.
      yield;
      const due = this.#net.due(this.#now);
      if (due.length === 0) break;
      for (const m of due) {
        const target = this.#nodes.get(m.to)?.node;
        if (target && this.#o.trace) this.#o.trace(`${this.#now} ${describeMessage(m)}`);
        target?.step(m);
      }
    }
    for (const n of this.#nodes.values()) n.node?.tick();
    this.#processAll();
    this.#now++;
  }

  #processAll(): void {
    for (const n of this.#nodes.values()) this.#process(n);
  }

  /** The runtime's Ready cycle: persist, send, apply, advance; a crash may cut it anywhere. */
  #process(n: SimNode): void {
    while (n.node?.hasReady()) {
      const node = n.node;
      const rd = node.ready();
      if (n.crashPoint === "before-persist") {
        this.#crash(n);
        return;
      }
      n.storage.save(rd);
      this.#storage?.save(n.id, saveBatch(rd));
      this.#check.checkPersisted(n.id, n.storage, rd.entries);
      if (rd.softState) n.soft = rd.softState;
      if (rd.softState?.role === "leader") {
        const status = node.status();
        if (this.#check.isNewLeader(status)) {
          this.#elections++;
          this.#check.checkLeaderCompleteness(n.id, status.term, n.storage);
        }
        this.#check.checkLeader(status);
      }
      if (n.crashPoint === "after-persist") {
        this.#crash(n);
        return;
      }
      for (const m of rd.messages) this.#net.send(m, this.#now);
      if (n.crashPoint === "after-send") {
        this.#crash(n);
        return;
      }
      if (rd.snapshot) {
        n.app.restore(rd.snapshot);
        this.#check.checkSnapshotInstalled(n.id, rd.snapshot, n.app.hash);
        this.#snapshots++;
      }
      for (const e of rd.committedEntries) {
        n.app.apply(e);
        this.#check.checkApplied(n.id, e, n.app.hash);
        if (e.type === "conf") this.#confEntries.add(e.index);
        const data = e.data as { pid?: string; from?: string } | null;
        if (e.type === "normal" && data?.from === n.id && data.pid) {
          this.#acked.set(data.pid, e.index);
          if (this.#probe?.id === data.pid && this.#liveAt === 0) this.#liveAt = this.#now;
        }
      }
      for (const rs of rd.readStates) {
        const min = this.#reads.get(rs.context);
        this.#reads.delete(rs.context);
        if (min !== undefined && rs.index < min) {
          this.#check.violation(`linearizability: read ${rs.context} got index ${rs.index} < ${min} applied before`);
        }
      }
      for (const rr of rd.rejectedReads) this.#reads.delete(rr.context);
      for (const d of rd.droppedMessages) if (d.reason === "not-a-member") this.#vouch(n, d.from);
      node.advance(rd);
    }
  }

  /**
   * The runtime's announcements: a reachable member whose configuration (or leader) names `peer` vouches
   * for it (src/raft/acceptance.ts).
   */
  #vouch(n: SimNode, peer: NodeId): void {
    const { voters, learners } = n.node!.status().confState;
    for (const id of [...voters, ...learners]) {
      const member = this.#nodes.get(id);
      if (!member?.node || !this.#net.connected(id, n.id)) continue;
      const conf = member.node.status().confState;
      const names = member.soft?.leaderId === peer || conf.voters.includes(peer) || conf.learners.includes(peer);
      if (names && n.node!.vouch(peer, id)) return;
    }
  }

  /** The live leader of the highest term (roles come from each node's Ready softState). */
  #leader(): SimNode | undefined {
    let best: SimNode | undefined;
    let bestTerm = -1;
    for (const n of this.#nodes.values()) {
      if (n.node && n.soft?.role === "leader" && n.soft.term > bestTerm) {
        best = n;
        bestTerm = n.soft.term;
      }
    }
    return best;
  }
}
