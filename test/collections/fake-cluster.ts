/**
 * A deterministic stand-in for Hamok under the collections: N peers share one ordered log; each
 * peer has its own state machines (from the real factory) and applies the log in order when the
 * cluster delivers. A peer can lag (paused) or crash; direct messages can be dropped. Commands and
 * direct payloads are structured-cloned between peers, as a real transport would.
 */

import { realClock } from "../../src/clock.js";
import type {
  ApplyContext,
  ReplicatedStateMachine,
  StorageCommand,
  StorageConnection,
  StorageConnectionListener,
  StorageType,
  SubmitOptions,
} from "../../src/collections/index.js";
import { createStateMachine } from "../../src/collections/index.js";
import { HamokError } from "../../src/errors.js";

interface LogEntry {
  readonly index: number;
  readonly term: number;
  readonly command: StorageCommand;
  readonly sourcePeerId: string;
  readonly requestId: string;
}

interface PendingRequest {
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: ReturnType<typeof setTimeout>;
  readonly connection: FakeConnection;
}

export class FakeConnection implements StorageConnection {
  listener: StorageConnectionListener | undefined;
  closed = false;
  readonly ready: Promise<void> = Promise.resolve();
  readonly clock = realClock;

  constructor(
    private readonly peer: FakePeer,
    readonly storageId: string,
    readonly storageType: StorageType,
  ) {}

  get localPeerId(): string {
    return this.peer.id;
  }

  get stateMachine(): ReplicatedStateMachine {
    return this.peer.stateMachine(this.storageId, this.storageType);
  }

  get remotePeerIds(): ReadonlySet<string> {
    return new Set(
      this.peer.cluster
        .livePeers()
        .filter((p) => p !== this.peer)
        .map((p) => p.id),
    );
  }

  get leaderId(): string | undefined {
    return this.peer.cluster.leaderId;
  }

  attach(listener: StorageConnectionListener): void {
    this.listener = listener;
  }

  /** What the collection's app listeners threw (Hamok reports these on its `error` event). */
  readonly listenerErrors: [event: string, error: unknown][] = [];

  reportListenerError(event: string, error: unknown): void {
    this.listenerErrors.push([event, error]);
  }

  submit(op: string, args?: unknown, options?: SubmitOptions): Promise<unknown> {
    if (this.closed) return Promise.reject(new HamokError("Closed", "connection closed"));
    const command: StorageCommand =
      args === undefined
        ? { storageId: this.storageId, storageType: this.storageType, op }
        : { storageId: this.storageId, storageType: this.storageType, op, args };
    return this.peer.propose(command, this, options?.timeoutInMs);
  }

  sync(): Promise<void> {
    if (this.closed) return Promise.reject(new HamokError("Closed", "connection closed"));
    return this.peer.waitApplied(this.peer.cluster.log.length);
  }

  sendDirect(payload: unknown, destinationPeerId?: string): void {
    if (this.closed) return;
    this.peer.cluster.sendDirect(this.peer, this.storageId, payload, destinationPeerId);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.peer.detach(this);
  }
}

export class FakePeer {
  appliedIndex = 0;
  paused = false;
  crashed = false;
  private readonly machines = new Map<string, ReplicatedStateMachine>();
  private readonly connections = new Map<string, FakeConnection>();
  private readonly pending = new Map<string, PendingRequest>();
  private readonly waiters: { index: number; resolve: () => void }[] = [];
  private sequence = 0;

  constructor(
    readonly cluster: FakeCluster,
    readonly id: string,
  ) {}

  /** The state machine of a storage, created (as Hamok does) when first needed. */
  stateMachine(storageId: string, type: StorageType): ReplicatedStateMachine {
    let machine = this.machines.get(storageId);
    if (machine === undefined) {
      machine = createStateMachine(type, storageId);
      this.machines.set(storageId, machine);
    }
    if (machine.type !== type) throw new HamokError("StorageTypeMismatch", `${storageId} is a ${machine.type}`);
    return machine;
  }

  /** A new connection for a collection on this peer. */
  connect(storageId: string, type: StorageType): FakeConnection {
    this.stateMachine(storageId, type);
    const connection = new FakeConnection(this, storageId, type);
    this.connections.set(storageId, connection);
    return connection;
  }

  connection(storageId: string): FakeConnection | undefined {
    return this.connections.get(storageId);
  }

  detach(connection: FakeConnection): void {
    if (this.connections.get(connection.storageId) === connection) this.connections.delete(connection.storageId);
    for (const [requestId, request] of this.pending) {
      if (request.connection !== connection) continue;
      clearTimeout(request.timer);
      this.pending.delete(requestId);
      request.reject(new HamokError("Closed", "connection closed"));
    }
  }

  propose(command: StorageCommand, connection: FakeConnection, timeoutInMs: number | undefined): Promise<unknown> {
    if (this.crashed) return Promise.reject(new HamokError("NotLeader", "crashed"));
    const requestId = `${this.id}:${this.sequence++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new HamokError("Timeout", `request ${requestId} timed out`));
      }, timeoutInMs ?? this.cluster.defaultTimeoutInMs);
      this.pending.set(requestId, { resolve, reject, timer, connection });
      this.cluster.append(command, this.id, requestId);
    });
  }

  waitApplied(index: number): Promise<void> {
    if (this.appliedIndex >= index) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ index, resolve });
      this.cluster.schedule();
    });
  }

  /** Applies every log entry not yet applied (unless paused or crashed). */
  catchUp(): void {
    if (this.paused || this.crashed) return;
    const log = this.cluster.log;
    while (this.appliedIndex < log.length) {
      const entry = log[this.appliedIndex]!;
      this.appliedIndex++;
      this.apply(entry);
    }
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i]!;
      if (waiter.index <= this.appliedIndex) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  receiveDirect(storageId: string, payload: unknown, from: string): void {
    if (this.crashed) return;
    this.connections.get(storageId)?.listener?.onDirectMessage?.(payload, from);
  }

  notifyPeersChanged(): void {
    for (const connection of this.connections.values()) connection.listener?.onRemotePeersChanged?.();
  }

  notifyLeaderChanged(leaderId: string | undefined): void {
    if (this.crashed) return;
    for (const connection of this.connections.values()) connection.listener?.onLeaderChanged?.(leaderId);
  }

  /** Replaces a storage's state from an export (as a snapshot install does) and tells the collection. */
  restore(storageId: string, state: unknown): void {
    const machine = this.machines.get(storageId);
    if (machine === undefined) throw new Error(`no storage ${storageId}`);
    machine.import(structuredClone(state));
    this.connections.get(storageId)?.listener?.onRestored();
  }

  exportState(storageId: string): unknown {
    return this.machines.get(storageId)?.export();
  }

  private apply(entry: LogEntry): void {
    // Every peer gets its own copy, as after a trip over the wire.
    const command = structuredClone(entry.command);
    const machine = this.stateMachine(command.storageId, command.storageType);
    const context: ApplyContext = {
      index: entry.index,
      term: entry.term,
      sourcePeerId: entry.sourcePeerId,
      requestId: entry.requestId,
      localIsLeader: this.cluster.leaderId === this.id,
    };
    const outcome = machine.apply(command, context);
    this.connections.get(command.storageId)?.listener?.onApplied(command, outcome, context);
    if (entry.sourcePeerId !== this.id) return;
    const request = this.pending.get(entry.requestId);
    if (request === undefined) return;
    this.pending.delete(entry.requestId);
    clearTimeout(request.timer);
    request.resolve(outcome.result);
  }
}

export interface FakeClusterOptions {
  readonly peers?: number;
  /** Apply new entries on every (unpaused) peer in a microtask after they are appended. Default true. */
  readonly autoDeliver?: boolean;
  readonly defaultTimeoutInMs?: number;
}

export class FakeCluster {
  readonly log: LogEntry[] = [];
  readonly peers: FakePeer[];
  readonly autoDeliver: boolean;
  readonly defaultTimeoutInMs: number;
  leaderId: string | undefined;
  term = 1;
  /** Return true to drop a direct message. */
  dropDirect: (from: string, to: string, payload: unknown) => boolean = () => false;
  /** Return true to deliver a direct message twice (as a network that duplicates does). */
  duplicateDirect: (from: string, to: string, payload: unknown) => boolean = () => false;
  private scheduled = false;

  constructor(options: FakeClusterOptions = {}) {
    const count = options.peers ?? 3;
    this.autoDeliver = options.autoDeliver ?? true;
    this.defaultTimeoutInMs = options.defaultTimeoutInMs ?? 2000;
    this.peers = Array.from({ length: count }, (_, i) => new FakePeer(this, `peer-${i}`));
    this.leaderId = this.peers[0]?.id;
  }

  peer(index: number): FakePeer {
    const peer = this.peers[index];
    if (peer === undefined) throw new Error(`no peer ${index}`);
    return peer;
  }

  livePeers(): FakePeer[] {
    return this.peers.filter((peer) => !peer.crashed);
  }

  append(command: StorageCommand, sourcePeerId: string, requestId: string): void {
    this.log.push({ index: this.log.length + 1, term: this.term, command, sourcePeerId, requestId });
    this.schedule();
  }

  /** Applies the log on every peer that is not paused or crashed. */
  deliver(): void {
    for (const peer of this.peers) peer.catchUp();
  }

  schedule(): void {
    if (!this.autoDeliver || this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.deliver();
    });
  }

  setLeader(peerId: string | undefined): void {
    this.leaderId = peerId;
    this.term++;
    for (const peer of this.peers) peer.notifyLeaderChanged(peerId);
  }

  /** Stops a peer for good: it applies nothing more, gets no messages and leaves the others' peer sets. */
  crash(peerId: string): void {
    const peer = this.peers.find((p) => p.id === peerId);
    if (peer === undefined) throw new Error(`no peer ${peerId}`);
    peer.crashed = true;
    for (const other of this.livePeers()) other.notifyPeersChanged();
  }

  pause(index: number): void {
    this.peer(index).paused = true;
  }

  resume(index: number): void {
    const peer = this.peer(index);
    peer.paused = false;
    peer.catchUp();
  }

  sendDirect(from: FakePeer, storageId: string, payload: unknown, destination: string | undefined): void {
    if (from.crashed) return;
    const targets = this.peers.filter((p) => p !== from && (destination === undefined || p.id === destination));
    for (const target of targets) {
      if (this.dropDirect(from.id, target.id, payload)) continue;
      const copies = this.duplicateDirect(from.id, target.id, payload) ? 2 : 1;
      for (let i = 0; i < copies; i++) {
        const copy = structuredClone(payload);
        setTimeout(() => target.receiveDirect(storageId, copy, from.id), 0);
      }
    }
  }

  /** Every peer's export of a storage. */
  exports(storageId: string): unknown[] {
    return this.peers.map((peer) => peer.exportState(storageId));
  }
}

/** Lets queued microtasks and zero-delay timers run (direct messages, auto delivery). */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}
