import { checkLinearizability } from "../../src/testing/linearizability.js";
import { mapModel, prepareQueueCheck } from "../../src/testing/models.js";
import { checkQueueAspects } from "../../src/testing/queue-aspects.js";
import { seedRandomUuid } from "./quiesce.js";
import type { SimPeer, StackStorage } from "./sim-peer.js";
import { StackRun, type StackRunOptions } from "./stack-run.js";
import { clusterOf, MAP_KEYS, RECORD_FIELDS } from "./workload.js";

/**
 * The deterministic simulation of the shipped stack: real `Hamok` peers on a virtual clock over a
 * simulated network, with faults, crashes and restarts from persisted RaftLogs, and client
 * workloads on every collection. Afterwards the network heals and the run checks:
 * the recorded histories are linearizable (map and record per key, the queue as a whole), every
 * live member converges to the same state (so every acknowledged write is in it: the final reads
 * are part of the checked history), no queue item is popped twice, nothing known not to have
 * applied ever shows up, a write commits after healing, and no promise rejection went unhandled.
 */

/** Options of {@link runStackSimulation}; all but `seed` have defaults derived from the seed. */
export interface StackSimOptions extends Partial<StackRunOptions> {
  readonly seed: number;
}

/** What one run found. */
export interface StackSimResult {
  readonly seed: number;
  readonly peers: number;
  readonly storage: StackStorage;
  readonly violations: readonly string[];
  /** Hash of the whole trace: the same seed gives the same hash. */
  readonly hash: string;
  readonly replay: string;
  readonly virtualMs: number;
  readonly operations: { ok: number; indeterminate: number; refused: number; crashedPending: number };
  readonly faults: StackRun["stats"];
  readonly messages: number;
  readonly snapshots: number;
  /** The last lines of the trace, for a failure report. */
  readonly recentTrace: readonly string[];
  /** Clusters the peers' operations ran in: more than one when new peers formed a cluster after the first lost its quorum. */
  readonly clusters: number;
  /** The general search gave up on the queue history (its aspect checks still decided). */
  readonly queueSearchInconclusive: boolean;
  /** Emitter events a listener received more than once although the emitter drops duplicated messages (0 expected). */
  readonly duplicateDeliveries: number;
  /** A majority of voters left for good: no leader could be elected again (not a violation). */
  readonly quorumLost: boolean;
}

/** Search steps for the queue history before the aspect checks alone decide. */
const QUEUE_SEARCH_STEPS = 200_000;

/** How long the healed phase may take to make progress and converge, in virtual ms. */
const HEALED_PHASE_MS = 6000;

/** Peers, voters and storage of a seed when not given: 3, 5 and 7 peers, some learners. */
export function defaultsFor(seed: number): StackRunOptions {
  const peers = [3, 5, 3, 7, 5, 3][seed % 6]!;
  const maxVoters = peers === 7 ? 5 : peers === 5 && seed % 4 === 1 ? 3 : peers;
  return { seed, peers, maxVoters, storage: "memory", durationMs: 4000, clientsPerPeer: 1 };
}

/** One seeded run. */
export async function runStackSimulation(options: StackSimOptions): Promise<StackSimResult> {
  const opts: StackRunOptions = { ...defaultsFor(options.seed), ...options };
  const run = new StackRun(opts);
  const restoreUuid = seedRandomUuid(run.random);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    await simulate(run);
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("unhandledRejection", onUnhandled);
    restoreUuid();
  }
  for (const reason of unhandled) run.history.violation(`unhandled rejection: ${String(reason)}`);
  const { history } = run;
  const snapshots = [...run.peers.values()].reduce((sum, p) => sum + p.hamok.stats.snapshots, 0);
  return {
    seed: opts.seed,
    peers: opts.peers,
    storage: opts.storage,
    violations: history.violations,
    hash: history.hash,
    replay: replayCommand(opts),
    virtualMs: run.clock.now(),
    operations: history.counts,
    faults: run.stats,
    messages: run.network.stats.sent,
    snapshots,
    recentTrace: history.recentTrace,
    quorumLost: run.quorumLost,
    queueSearchInconclusive: run.queueSearchInconclusive,
    clusters: new Set(history.map.map((op) => op.input.key.split("|")[0])).size,
    duplicateDeliveries: [...run.delivered.values()].reduce(
      (sum, byPeer) => sum + [...byPeer.values()].reduce((a, n) => a + n - 1, 0),
      0,
    ),
  };
}

/** The command that replays a run. */
export function replayCommand(opts: StackRunOptions): string {
  const d = defaultsFor(opts.seed);
  const extra = [
    opts.peers === d.peers ? "" : ` --peers ${opts.peers}`,
    opts.maxVoters === d.maxVoters ? "" : ` --max-voters ${opts.maxVoters}`,
    opts.storage === d.storage ? "" : ` --storage ${opts.storage}`,
    opts.durationMs === d.durationMs ? "" : ` --duration ${opts.durationMs}`,
    opts.clientsPerPeer === d.clientsPerPeer ? "" : ` --clients ${opts.clientsPerPeer}`,
  ].join("");
  return `npm run sim -- --stack --seed ${opts.seed}${extra}`;
}

async function simulate(run: StackRun): Promise<void> {
  const { clock, history, options } = run;
  for (let i = 1; i <= options.peers; i++) run.start(`p${i}`);
  const scheduleFault = (): void => {
    clock.setTimeout(
      () => {
        if (!run.faulting) return;
        pendingFault = run.fault();
        scheduleFault();
      },
      150 + Math.floor(run.random() * 600),
    );
  };
  let pendingFault: Promise<void> | undefined;
  // Faults start once the cluster had time to form.
  clock.setTimeout(scheduleFault, 1500);
  await advance(run, options.durationMs, () => pendingFault);
  run.stopFaults();
  run.stopWorkload();
  heal(run);
  await advance(run, 500, () => pendingFault);
  await healedPhase(run);
  history.closeOpen();
  checkHistories(run);
}

/** Fire timers until `ms` more virtual ms passed, letting everything settle after each one. */
async function advance(run: StackRun, ms: number, pending: () => Promise<void> | undefined): Promise<void> {
  const end = run.clock.now() + ms;
  // What was started synchronously (joins, transports opening) arms its timers in microtasks first.
  await run.quiescence.settle();
  while (run.clock.fireNext(end)) {
    await run.quiescence.settle();
    const fault = pending();
    if (fault !== undefined) await fault;
  }
}

/** No more faults: every link up, every crashed peer restarted from its persisted state. */
function heal(run: StackRun): void {
  run.history.trace("final heal");
  run.network.heal();
  run.network.setFaults({ lossRate: 0, duplicateRate: 0, minDelayInMs: 1, maxDelayInMs: 5 });
  for (const peer of [...run.peers.values()]) if (peer.status === "crashed") run.restart(peer.id);
}

/** Liveness after healing, then the final reads and convergence. */
async function healedPhase(run: StackRun): Promise<void> {
  const { history } = run;
  const deadline = run.clock.now() + HEALED_PHASE_MS;
  const until = async (check: () => boolean): Promise<boolean> => {
    while (!check()) {
      if (run.clock.now() >= deadline || !run.clock.fireNext(deadline)) return check();
      await run.quiescence.settle();
    }
    return true;
  };
  const members = (): SimPeer[] => run.live().filter((p) => p.status === "up" && isMember(p));
  const settled = () => {
    const ms = members();
    const leader = ms.find((p) => p.hamok.leader);
    return (
      leader !== undefined &&
      run.live().every((p) => p.status === "up") &&
      ms.every(
        (p) => p.hamok.raft.leaderId === leader.id && p.hamok.raft.appliedIndex === leader.hamok.raft.commitIndex,
      )
    );
  };
  if (!(await until(settled))) {
    if (quorumLost(run)) {
      // Raft cannot recover from this by design (a voter left before its removal could commit, say).
      history.trace(`quorum lost for good: ${describePeers(run)}`);
      run.quorumLost = true;
      return;
    }
    history.violation(
      `no stable leader with every live peer up and caught up ${HEALED_PHASE_MS} ms after healing: ${describePeers(run)}`,
    );
    return;
  }
  const reader = members().find((p) => p.hamok.leader)!;
  // The final reads go into the checked history: every acknowledged write must be in them.
  const finals = finalReads(run, reader);
  if (!(await until(() => finals.done))) {
    history.violation("the final reads did not complete after healing");
    return;
  }
  if (!(await until(settled))) history.violation("the peers did not converge after the final reads");
  compareStates(run, members());
}

function isMember(p: SimPeer): boolean {
  const { voters, learners } = p.hamok.raft;
  return voters.includes(p.id) || learners.includes(p.id);
}

/**
 * Whether a majority of the voters of the most advanced live configuration is gone for good (left): then no leader can ever be elected again, as Raft intends, and the run's
 * liveness checks do not apply. (The issue of departures that cause this is a separate one.)
 */
function quorumLost(run: StackRun): boolean {
  // The live peers' logs decide what can still happen (a peer that left may hold entries nobody else got).
  const peers = run.live();
  let latest: SimPeer | undefined;
  for (const p of peers) {
    const r = p.hamok.raft;
    if (latest === undefined || r.lastIndex > latest.hamok.raft.lastIndex) latest = p;
  }
  if (latest === undefined) return false;
  const { voters } = latest.hamok.raft;
  const live = new Set(run.live().map((p) => p.id));
  return voters.filter((id) => live.has(id)).length <= voters.length / 2;
}

/** Each peer's view, for a report. */
function describePeers(run: StackRun): string {
  return [...run.peers.values()]
    .map((p) => {
      const r = p.hamok.raft;
      return `${p.domain} ${p.status} ${r.state} t${r.term} leader=${r.leaderId} applied=${r.appliedIndex}/${r.commitIndex} voters=${r.voters.join(",")} learners=${r.learners.join(",")}`;
    })
    .join("; ");
}

/** Sync, then read every key and drain the queue from `reader`, recording each as a client operation. */
function finalReads(run: StackRun, reader: SimPeer): { done: boolean } {
  const { history } = run;
  const state = { done: false };
  const client = `${reader.id}#${reader.incarnation}/final`;
  const read = async (): Promise<void> => {
    for (const [collection, names] of [
      ["m", MAP_KEYS],
      ["r", RECORD_FIELDS],
    ] as const) {
      for (const name of names) {
        const key = `${collection}:${name}`;
        const id = history.called("map", client, { op: "get", key }, clusterOf(reader));
        await (collection === "m" ? reader.map.sync() : reader.record.sync());
        history.returned(id, collection === "m" ? reader.map.get(name) : reader.record.get(name));
      }
    }
    for (;;) {
      const id = history.called("queue", client, { op: "pop" }, clusterOf(reader));
      const item = await reader.queue.pop();
      history.returned(id, item);
      if (item === undefined) break;
    }
    state.done = true;
  };
  read().catch((error: unknown) => history.violation(`a final read failed: ${String(error)}`));
  return state;
}

/** Every live member holds the same state; nothing known not to have applied is in it. */
function compareStates(run: StackRun, members: readonly SimPeer[]): void {
  const { history } = run;
  const snapshot = (p: SimPeer) =>
    JSON.stringify({
      map: [...p.map.entries()],
      record: p.record.instance,
      queue: [...p.queue.values()],
      subscribers: [...p.emitter.subscriptions.getPeerIds("ev")].sort(),
    });
  const first = members[0];
  if (first === undefined) return;
  const expected = snapshot(first);
  for (const p of members.slice(1)) {
    const actual = snapshot(p);
    if (actual !== expected)
      history.violation(`${p.domain} state ${actual} differs from ${first.domain}'s ${expected}`);
  }
  for (const p of members) {
    for (const value of [...p.map.values(), ...Object.values(p.record.instance), ...p.queue.values()]) {
      if (history.notApplied.has(String(value))) {
        history.violation(`${p.domain} holds ${value}, written by a request that failed as not applied`);
      }
    }
  }
}

/** The linearizability checker over both histories, and the direct queue and not-applied checks. */
function checkHistories(run: StackRun): void {
  const { history } = run;
  const mapResult = checkLinearizability(mapModel, history.map);
  if (!mapResult.ok) {
    history.violation(
      `map/record history ${mapResult.reason}:\n    ${mapResult.longestPrefix.slice(-8).join("\n    ")}\n  stuck:\n    ${mapResult.stuck.join("\n    ")}`,
    );
  }
  // The queue (one object per cluster): the aspect checks decide (exact for unique items, polynomial); the
  // search confirms when it finishes within its budget (it is exponential on long concurrent queue histories).
  for (const ops of history.queues.values()) {
    for (const violation of checkQueueAspects(ops)) history.violation(`queue history: ${violation}`);
    const queue = prepareQueueCheck(ops);
    const queueResult = checkLinearizability(queue.model, queue.history, { maxSteps: QUEUE_SEARCH_STEPS });
    if (!queueResult.ok && queueResult.reason === "budget-exhausted") run.queueSearchInconclusive = true;
    else if (!queueResult.ok) {
      history.violation(
        `queue history ${queueResult.reason}:\n    ${queueResult.longestPrefix.slice(-8).join("\n    ")}\n  stuck:\n    ${queueResult.stuck.join("\n    ")}`,
      );
    }
  }
  const popped = new Map<string, number>();
  for (const op of history.queue) {
    if (op.input.op !== "pop" || op.indeterminate || op.output === undefined) continue;
    const item = String(op.output);
    popped.set(item, (popped.get(item) ?? 0) + 1);
    if (popped.get(item) === 2) history.violation(`queue item ${item} was popped twice`);
  }
  for (const op of [...history.map, ...history.queue]) {
    if (!op.indeterminate && op.output !== undefined && history.notApplied.has(String(op.output))) {
      history.violation(`${op.client} observed ${op.output}, written by a request that failed as not applied`);
    }
  }
}
