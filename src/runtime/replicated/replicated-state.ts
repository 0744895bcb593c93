import type {
  ApplyContext,
  ApplyOutcome,
  ReplicatedStateMachine,
  StateMachineFactory,
  StorageCommand,
  StorageType,
} from "../../collections/contract.js";
import { HamokError } from "../../errors.js";
import { DECODE_BUDGET_BASE_BYTES, decodeValue, encodeValue } from "../../messages/value-codec.js";
import type { Entry } from "../../raft/types.js";
import { asLogPayload, type RequestPayload, requestAt, requestIdOf } from "./log-payload.js";
import { forEachPackedRequest, isPackedRequests } from "./packed-requests.js";
import { type AppliedResult, type SessionsExport, SessionTable } from "./sessions.js";

/**
 * Everything a peer derives from the log: one state machine per storage id
 * (created on first use, so a collection created later on another peer finds
 * its state), the dedup sessions and the peers that asked never to lead.
 * Snapshots serialise exactly this.
 */

/** Observers of applied entries (the facade routes them to connections and pending requests). */
export interface ReplicatedStateHooks {
  /** A request was applied (or recognised as a duplicate) at `entry`. `outcome` is undefined for duplicates. */
  onRequestApplied(
    payload: RequestPayload,
    result: AppliedResult,
    outcome: ApplyOutcome | undefined,
    context: ApplyContext,
  ): void;
  /** Every state machine was replaced from a snapshot. */
  onRestored(): void;
}

const SNAPSHOT_VERSION = 1;

/**
 * The decoding budget of a snapshot, in estimated bytes of memory per byte of it. The messages' default (16) is
 * too tight for a snapshot: the results a session keeps until acknowledged are tiny nested arrays (`[[null]]`
 * per pending delete: 5 bytes, charged 104), and a small state with thousands of pipelined requests pending
 * made a snapshot that no peer could restore. Our own encoder stays below 24 per byte for any nesting of
 * arrays and objects; the budget still bounds a corrupted or hostile snapshot's memory to a multiple of its size.
 */
const SNAPSHOT_DECODE_BUDGET_PER_BYTE = 64;

interface SnapshotContent {
  readonly version: number;
  readonly machines: readonly (readonly [id: string, type: StorageType, state: unknown])[];
  readonly sessions: SessionsExport;
  /** Sessions closed by their peer's removal (absent in snapshots written before it existed). */
  readonly closedSessions?: readonly string[];
  readonly onlyFollowers: readonly string[];
}

/** The context of one applied request; its request id is built only if someone reads it (hot path). */
class RequestContext implements ApplyContext {
  readonly index: number;
  readonly term: number;
  readonly sourcePeerId: string;

  constructor(
    entry: Entry,
    private readonly payload: RequestPayload,
    readonly localIsLeader: boolean,
  ) {
    this.index = entry.index;
    this.term = entry.term;
    this.sourcePeerId = payload.sourcePeerId;
  }

  get requestId(): string {
    return requestIdOf(this.payload);
  }
}

/** A command that failed deterministically (recorded as its result). */
class Failure {
  readonly result: AppliedResult;

  constructor(code: string, message: string) {
    this.result = { ok: false, code, message };
  }
}

/** See the module comment. */
export class ReplicatedState {
  readonly machines = new Map<string, ReplicatedStateMachine>();
  readonly sessions = new SessionTable();
  /** Peers recorded (through the log) as never to be promoted. */
  readonly onlyFollowers = new Set<string>();
  private lastOk: { readonly ok: true; readonly value: unknown } | undefined;

  constructor(
    private readonly factory: StateMachineFactory,
    private readonly hooks: ReplicatedStateHooks,
  ) {}

  /**
   * Machines that a local collection asked for before the log mentioned their id. They are not part of the
   * replicated state (not in snapshots, not consulted when applying) until the first applied command for the
   * id has their type: the type of an id is decided once, by the log, identically on every peer.
   */
  private readonly unlogged = new Map<string, ReplicatedStateMachine>();

  /**
   * The state machine a local collection of `type` reads for `storageId`: the log's, or (before the log has
   * mentioned the id) an empty one that becomes the log's if the first command for the id has this type.
   */
  machine(storageId: string, type: StorageType): ReplicatedStateMachine {
    const logged = this.machines.get(storageId);
    if (logged !== undefined) return logged;
    let machine = this.unlogged.get(storageId);
    if (machine === undefined || machine.type !== type) {
      machine = this.factory(type, storageId);
      this.unlogged.set(storageId, machine);
    }
    return machine;
  }

  /** The machine of `storageId` in the log, created at its first command with that command's type. */
  private logged(storageId: string, type: StorageType): ReplicatedStateMachine {
    let machine = this.machines.get(storageId);
    if (machine !== undefined) return machine;
    const waiting = this.unlogged.get(storageId);
    machine = waiting !== undefined && waiting.type === type ? waiting : this.factory(type, storageId);
    this.unlogged.delete(storageId);
    this.machines.set(storageId, machine);
    return machine;
  }

  /**
   * Apply one committed normal entry; returns how many requests it carried (at least 1).
   * Deterministic: only log content decides the outcome.
   */
  applyEntry(entry: Entry, localIsLeader: boolean): number {
    if (isPackedRequests(entry.data)) {
      // Request by request, not unpacked whole first: see `forEachPackedRequest`.
      const count = forEachPackedRequest(entry.data, (request) => this.applyRequest(request, entry, localIsLeader));
      return Math.max(1, count ?? 0);
    }
    const payload = asLogPayload(entry.data);
    if (payload === undefined) return 1;
    if (payload.kind === "member") {
      if (payload.onlyFollower) this.onlyFollowers.add(payload.nodeId);
      else this.onlyFollowers.delete(payload.nodeId);
      return 1;
    }
    if (payload.kind === "requests") {
      const count = payload.commands.length;
      for (let i = 0; i < count; i++) this.applyRequest(requestAt(payload, i), entry, localIsLeader);
      return Math.max(1, count);
    }
    if (payload.kind === "batch") {
      for (const request of payload.requests) this.applyRequest(request, entry, localIsLeader);
      return Math.max(1, payload.requests.length);
    }
    this.applyRequest(payload, entry, localIsLeader);
    return 1;
  }

  private applyRequest(payload: RequestPayload, entry: Entry, localIsLeader: boolean): void {
    const context = new RequestContext(entry, payload, localIsLeader);
    const previous = this.sessions.lookup(payload);
    if (previous !== undefined) {
      // A retried request (Raft thesis §6.3): answer it, never apply it twice.
      const result = previous ?? { ok: true as const, value: null };
      this.hooks.onRequestApplied(payload, result, undefined, context);
      return;
    }
    const outcome = this.applyCommand(payload.command, context);
    const result = outcome instanceof Failure ? outcome.result : this.okResult(outcome.result);
    this.sessions.record(payload, result);
    this.hooks.onRequestApplied(payload, result, outcome instanceof Failure ? undefined : outcome, context);
  }

  /**
   * `{ ok: true, value }`, reusing the previous one when a state machine returned the very same
   * (shared, immutable) value again: results are kept until acknowledged, so this saves an object
   * per request on every peer for the most common writes.
   */
  private okResult(value: unknown): AppliedResult {
    if (this.lastOk === undefined || this.lastOk.value !== value) this.lastOk = { ok: true, value };
    return this.lastOk;
  }

  /** A peer left the configuration: its sessions and flags go (deterministically, at the conf entry). */
  forgetPeer(peerId: string): void {
    this.sessions.dropPeer(peerId);
    this.onlyFollowers.delete(peerId);
  }

  private applyCommand(command: StorageCommand, context: ApplyContext): ApplyOutcome | Failure {
    const existing = this.machines.get(command.storageId);
    if (existing !== undefined && existing.type !== command.storageType) {
      const message = `storage ${command.storageId} is a ${existing.type}, not a ${command.storageType}`;
      return new Failure("StorageTypeMismatch", message);
    }
    const machine = existing ?? this.logged(command.storageId, command.storageType);
    try {
      return machine.apply(command, context);
    } catch (error) {
      // A state machine that throws does so on every peer (same state, same command): record it as the result.
      const code = error instanceof HamokError ? error.code : "InvalidArgument";
      return new Failure(code, String(error));
    }
  }

  /** The whole derived state as bytes, for a snapshot. */
  snapshotData(): Uint8Array {
    const content: SnapshotContent = {
      version: SNAPSHOT_VERSION,
      machines: [...this.machines].map(([id, machine]) => [id, machine.type, machine.export()] as const),
      sessions: this.sessions.export(),
      closedSessions: this.sessions.exportClosed(),
      onlyFollowers: [...this.onlyFollowers],
    };
    return encodeValue(content);
  }

  /** Replace everything from snapshot bytes. Throws `UnsupportedVersion` / `InvalidMessage` on bad data. */
  restore(data: Uint8Array): void {
    const maxDecodedBytes = SNAPSHOT_DECODE_BUDGET_PER_BYTE * data.byteLength + DECODE_BUDGET_BASE_BYTES;
    const content = data.byteLength === 0 ? undefined : (decodeValue(data, { maxDecodedBytes }) as SnapshotContent);
    if (content !== undefined && content.version !== SNAPSHOT_VERSION) {
      throw new HamokError("UnsupportedVersion", `snapshot version ${String(content.version)} is unknown`);
    }
    this.onlyFollowers.clear();
    this.sessions.import(content?.sessions ?? [], content?.closedSessions ?? []);
    // Machines are updated in place: connections hold references to them.
    const seen = new Set<string>();
    for (const [id, type, state] of content?.machines ?? []) {
      seen.add(id);
      let machine = this.machines.get(id);
      if (machine === undefined || machine.type !== type) {
        const waiting = this.unlogged.get(id);
        machine = waiting !== undefined && waiting.type === type ? waiting : this.factory(type, id);
        this.unlogged.delete(id);
        this.machines.set(id, machine);
      }
      machine.import(state);
    }
    for (const [id, machine] of this.machines) {
      if (seen.has(id)) continue;
      // The snapshot's log never mentioned it: back to an unlogged, empty machine that a collection may hold.
      machine.import(this.factory(machine.type, id).export());
      this.machines.delete(id);
      this.unlogged.set(id, machine);
    }
    for (const peerId of content?.onlyFollowers ?? []) this.onlyFollowers.add(peerId);
    this.hooks.onRestored();
  }
}
