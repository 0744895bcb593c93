import { RaftNode } from "../../src/raft/raft-node";
import { createSeededRandom } from "../../src/raft/random";
import type {
  ConfState,
  DroppedMessage,
  Entry,
  HardState,
  NodeId,
  RaftConfig,
  RaftMessage,
  RaftRestoreState,
  ReadState,
  Ready,
  RejectedProposal,
  Snapshot,
  SoftState,
} from "../../src/raft/types";

/**
 * What a runtime keeps on stable storage: exactly what Ready said to persist
 * (the Raft persistence rule). Used by the scenario harness and the simulation.
 */
export class MemoryStorage {
  hardState: HardState = { term: 0, vote: null, commit: 0 };
  snapshot: Snapshot | undefined;
  entries: Entry[] = [];

  save(rd: Ready): void {
    if (rd.snapshot) {
      this.snapshot = rd.snapshot;
      this.entries = [];
    }
    if (rd.entries.length > 0) {
      const first = rd.entries[0]!.index;
      this.entries = this.entries.filter((e) => e.index < first);
      this.entries.push(...rd.entries);
    }
    if (rd.hardState) this.hardState = rd.hardState;
  }

  /** The runtime's side of `compact`: keep the snapshot, drop the entries it covers. */
  compact(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.entries = this.entries.filter((e) => e.index > snapshot.meta.index);
  }

  restoreState(initialConfState?: ConfState): RaftRestoreState {
    return {
      hardState: this.hardState,
      entries: [...this.entries],
      ...(this.snapshot ? { snapshot: this.snapshot } : {}),
      ...(initialConfState ? { initialConfState } : {}),
    };
  }

  lastIndex(): number {
    return this.entries[this.entries.length - 1]?.index ?? this.snapshot?.meta.index ?? 0;
  }

  term(index: number): number | undefined {
    if (this.snapshot && index === this.snapshot.meta.index) return this.snapshot.meta.term;
    if (index === 0) return 0;
    const first = this.entries[0]?.index ?? 0;
    return this.entries[index - first]?.term;
  }
}

/**
 * A toy state machine: a hash chain over applied normal entries, so two
 * replicas compare in O(1). With `keepValues` it also keeps the applied values
 * (scenario tests read them); without, its snapshot stays small and fixed-size.
 */
export class HashChainApp {
  applied = 0;
  hash = 0x811c9dc5;
  /** Application data applied, in order (normal entries only; empty unless `keepValues`). */
  readonly values: unknown[] = [];
  readonly #keepValues: boolean;

  constructor(keepValues = true) {
    this.#keepValues = keepValues;
  }

  apply(e: Entry): void {
    this.applied = e.index;
    if (e.type !== "normal") return;
    if (this.#keepValues) this.values.push(e.data);
    this.hash = mix(this.hash, `${e.index}:${e.term}:${JSON.stringify(e.data)}`);
  }

  snapshotData(): Uint8Array {
    // Padding makes the snapshot span several chunks at the chunk sizes the simulation draws.
    const body = { applied: this.applied, hash: this.hash, values: this.values, pad: "#".repeat(400) };
    return new TextEncoder().encode(JSON.stringify(body));
  }

  restore(s: Snapshot): void {
    const parsed = JSON.parse(new TextDecoder().decode(s.data)) as { applied: number; hash: number; values: unknown[] };
    this.applied = s.meta.index;
    this.hash = parsed.hash;
    this.values.length = 0;
    this.values.push(...parsed.values);
  }
}

function mix(h: number, s: string): number {
  let x = h >>> 0;
  for (let i = 0; i < s.length; i++) {
    x ^= s.charCodeAt(i);
    x = Math.imul(x, 0x01000193) >>> 0;
  }
  return x;
}

export interface HarnessNode {
  readonly id: NodeId;
  node: RaftNode;
  storage: MemoryStorage;
  app: HashChainApp;
  readStates: ReadState[];
  rejectedProposals: RejectedProposal[];
  rejectedReads: { context: string; reason: string }[];
  /** Inbound messages the core dropped, with why (Ready.droppedMessages). */
  dropped: DroppedMessage[];
  committed: Entry[];
  softState: SoftState | undefined;
  confStates: ConfState[];
}

export type Filter = (m: RaftMessage) => boolean;

export interface HarnessOptions {
  readonly voters?: readonly NodeId[];
  readonly learners?: readonly NodeId[];
  /** Extra nodes that start with no configuration (they join later). */
  readonly spares?: readonly NodeId[];
  readonly config?: Partial<Omit<RaftConfig, "id" | "random">>;
  readonly seed?: number;
}

/**
 * A deterministic in-memory cluster for scenario tests (etcd's `network`):
 * `deliver()` runs every node's Ready cycle (persist, send, apply, advance) and
 * hands messages over until the network is quiet. Filters drop messages.
 */
export class Cluster {
  readonly nodes = new Map<NodeId, HarnessNode>();
  readonly filters: Filter[] = [];
  /** Every message sent, for assertions. */
  readonly sent: RaftMessage[] = [];
  readonly #config: HarnessOptions["config"];
  readonly #seed: number;
  readonly #initial: ConfState;

  constructor(opts: HarnessOptions = {}) {
    const voters = opts.voters ?? ["a", "b", "c"];
    this.#initial = { voters, learners: opts.learners ?? [] };
    this.#config = opts.config;
    this.#seed = opts.seed ?? 1;
    for (const id of [...voters, ...(opts.learners ?? [])]) this.add(id, this.#initial);
    for (const id of opts.spares ?? []) this.add(id, undefined);
  }

  add(id: NodeId, initial: ConfState | undefined, storage = new MemoryStorage()): HarnessNode {
    const config: RaftConfig = {
      id,
      electionTicks: 10,
      heartbeatTicks: 1,
      random: createSeededRandom(this.#seed * 7919 + hashId(id)),
      ...this.#config,
    };
    const app = new HashChainApp();
    if (storage.snapshot) app.restore(storage.snapshot);
    const n: HarnessNode = {
      id,
      node: new RaftNode(config, storage.restoreState(initial)),
      storage,
      app,
      readStates: [],
      rejectedProposals: [],
      rejectedReads: [],
      dropped: [],
      committed: [],
      softState: undefined,
      confStates: [],
    };
    this.nodes.set(id, n);
    return n;
  }

  /** Restarts a node from exactly what it persisted. */
  restart(id: NodeId): HarnessNode {
    const old = this.get(id);
    return this.add(id, this.#initial, old.storage);
  }

  get(id: NodeId): HarnessNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  node(id: NodeId): RaftNode {
    return this.get(id).node;
  }

  /** Runs one node's Ready cycle; returns the messages it sent. `onReady` sees each Ready before it is handled. */
  process(id: NodeId, onReady?: (rd: Ready) => void): RaftMessage[] {
    const n = this.get(id);
    const out: RaftMessage[] = [];
    while (n.node.hasReady()) {
      const rd = n.node.ready();
      onReady?.(rd);
      n.storage.save(rd);
      out.push(...rd.messages);
      if (rd.snapshot) n.app.restore(rd.snapshot);
      for (const e of rd.committedEntries) {
        n.app.apply(e);
        n.committed.push(e);
      }
      n.readStates.push(...rd.readStates);
      n.rejectedProposals.push(...rd.rejectedProposals);
      n.rejectedReads.push(...rd.rejectedReads);
      n.dropped.push(...rd.droppedMessages);
      if (rd.softState) n.softState = rd.softState;
      if (rd.confState) n.confStates.push(rd.confState);
      n.node.advance(rd);
    }
    return out;
  }

  /** Delivers messages (and the messages they cause) until the network is quiet. */
  deliver(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      const batch: RaftMessage[] = [];
      for (const id of this.nodes.keys()) batch.push(...this.process(id));
      if (batch.length === 0) return;
      for (const m of batch) {
        this.sent.push(m);
        if (this.filters.some((f) => !f(m))) continue;
        this.nodes.get(m.to)?.node.step(m);
      }
    }
    throw new Error("network did not quiesce");
  }

  /** Collects pending messages without delivering them. */
  drain(): RaftMessage[] {
    const batch: RaftMessage[] = [];
    for (const id of this.nodes.keys()) batch.push(...this.process(id));
    this.sent.push(...batch);
    return batch;
  }

  stepAll(messages: readonly RaftMessage[]): void {
    for (const m of messages) this.nodes.get(m.to)?.node.step(m);
  }

  /** Ticks the given nodes (default: all) `n` times, delivering after each tick. */
  tick(n = 1, ids: readonly NodeId[] = [...this.nodes.keys()]): void {
    for (let i = 0; i < n; i++) {
      for (const id of ids) this.nodes.get(id)?.node.tick();
      this.deliver();
    }
  }

  /** Makes `id` campaign and win (it must be able to). */
  elect(id: NodeId): void {
    this.node(id).campaign();
    this.deliver();
    const status = this.node(id).status();
    if (status.role !== "leader") throw new Error(`${id} did not win: ${status.role}`);
  }

  /** Drops every message to or from the given nodes. */
  isolate(...ids: NodeId[]): Filter {
    const set = new Set(ids);
    const f: Filter = (m) => !(set.has(m.from) || set.has(m.to));
    this.filters.push(f);
    return f;
  }

  /** Drops messages between the two groups. */
  partition(a: readonly NodeId[], b: readonly NodeId[]): Filter {
    const sa = new Set(a);
    const sb = new Set(b);
    const f: Filter = (m) => !((sa.has(m.from) && sb.has(m.to)) || (sb.has(m.from) && sa.has(m.to)));
    this.filters.push(f);
    return f;
  }

  drop(pred: (m: RaftMessage) => boolean): Filter {
    const f: Filter = (m) => !pred(m);
    this.filters.push(f);
    return f;
  }

  heal(): void {
    this.filters.length = 0;
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.node.status().role === "leader").map((n) => n.id);
  }

  /** Application values applied on `id`. */
  values(id: NodeId): unknown[] {
    return this.get(id).app.values;
  }
}

function hashId(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  return h >>> 0;
}
