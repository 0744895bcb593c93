import { HamokError } from "../../src/errors.js";
import type { MapKeyInput, MapKeyOutput, MapOperation, QueueInput, QueueOperation } from "../../src/testing/models.js";

/**
 * What a run observed: every client operation's call and return (on a sequence that orders them
 * exactly, with virtual times for the report), the trace hash that proves determinism, and the
 * violations found on the way.
 */

type Kind = "map" | "queue";

interface Open {
  readonly kind: Kind;
  /** The cluster the client's peer belonged to at the call: histories of different clusters are different objects. */
  readonly cluster: string;
  readonly client: string;
  readonly input: MapKeyInput | QueueInput;
  readonly call: number;
  readonly callTime: number;
}

/** A recorded run. */
export class History {
  /** Map and record operations; keys are prefixed with the cluster (`cluster|m:key`). */
  readonly map: MapOperation[] = [];
  /** Queue operations per cluster. */
  readonly queues = new Map<string, QueueOperation[]>();
  /** Writes that failed with `indeterminate: false`: their values must never show up anywhere. */
  readonly notApplied = new Set<string>();
  readonly violations: string[] = [];
  readonly counts = { ok: 0, indeterminate: 0, refused: 0, crashedPending: 0 };
  private readonly open = new Map<number, Open>();
  private seq = 0;
  private nextId = 1;
  private hashA = 0x811c9dc5;
  private hashB = 0x01000193;
  /** Trace lines kept for a failure report (the last ones). */
  private readonly tail: string[] = [];

  constructor(private readonly now: () => number) {}

  /** One line of the trace: hashed (determinism) and kept in a short tail (reports). */
  trace(line: string): void {
    const text = `${this.now()} ${line}`;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      this.hashA = Math.imul(this.hashA ^ c, 0x01000193) >>> 0;
      this.hashB = Math.imul(this.hashB ^ c, 0x5bd1e995) >>> 0;
    }
    // Heartbeats are hashed but kept out of the report: they would fill it.
    if (line.includes(" heartbeat")) return;
    this.tail.push(text);
    if (this.tail.length > 60) this.tail.shift();
  }

  /** The trace's hash so far. */
  get hash(): string {
    return this.hashA.toString(16).padStart(8, "0") + this.hashB.toString(16).padStart(8, "0");
  }

  get recentTrace(): readonly string[] {
    return this.tail;
  }

  violation(text: string): void {
    this.trace(`VIOLATION ${text}`);
    if (this.violations.length < 20) this.violations.push(`t=${this.now()}: ${text}`);
  }

  /** Every queue operation, of every cluster. */
  get queue(): QueueOperation[] {
    return [...this.queues.values()].flat();
  }

  /** An operation of a peer of `cluster` starts; returns its id for {@link returned} / {@link failed}. */
  called(kind: Kind, client: string, input: MapKeyInput | QueueInput, cluster: string): number {
    const id = this.nextId++;
    const scoped = "key" in input ? { ...input, key: `${cluster}|${input.key}` } : input;
    this.open.set(id, { kind, cluster, client, input: scoped, call: this.seq++, callTime: this.now() });
    this.trace(`call ${id} ${client} ${JSON.stringify(input)}`);
    return id;
  }

  returned(id: number, output: MapKeyOutput): void {
    const op = this.open.get(id);
    if (op === undefined) return;
    this.open.delete(id);
    this.counts.ok++;
    this.trace(`ok ${id} ${JSON.stringify(output) ?? "undefined"}`);
    this.push(op, { return: this.seq++, output, indeterminate: false });
  }

  /**
   * An operation failed. `indeterminate: true` keeps it in the history with an unknown outcome; a
   * known failure leaves it out (it must not have applied) and remembers the value it would write.
   */
  failed(id: number, error: unknown): void {
    const op = this.open.get(id);
    if (op === undefined) return;
    this.open.delete(id);
    if (!(error instanceof HamokError)) {
      this.violation(`operation ${id} of ${op.client} failed with a non-HamokError: ${String(error)}`);
      this.push(op, { return: Number.POSITIVE_INFINITY, output: undefined, indeterminate: true });
      return;
    }
    this.trace(`fail ${id} ${error.code} ${error.indeterminate}`);
    if (error.indeterminate) {
      this.counts.indeterminate++;
      this.push(op, { return: Number.POSITIVE_INFINITY, output: undefined, indeterminate: true });
      return;
    }
    this.counts.refused++;
    for (const value of writtenValues(op.input)) this.notApplied.add(value);
  }

  /** A read that never completed (its barrier failed): it observed nothing. */
  abandon(id: number): void {
    this.open.delete(id);
  }

  /** Operations still open at the end (their peer crashed or left): indeterminate. */
  closeOpen(): void {
    for (const [id, op] of this.open) {
      this.counts.crashedPending++;
      this.trace(`pending ${id}`);
      this.push(op, { return: Number.POSITIVE_INFINITY, output: undefined, indeterminate: true });
    }
    this.open.clear();
  }

  private push(op: Open, end: { return: number; output: unknown; indeterminate: boolean }): void {
    const base = { client: op.client, call: op.call, return: end.return, indeterminate: end.indeterminate };
    if (op.kind === "map") {
      this.map.push({ ...base, input: op.input as MapKeyInput, output: end.output as MapKeyOutput });
    } else {
      let list = this.queues.get(op.cluster);
      if (list === undefined) {
        list = [];
        this.queues.set(op.cluster, list);
      }
      list.push({ ...base, input: op.input as QueueInput, output: end.output as string | undefined });
    }
  }
}

/** The unique values an operation writes. */
function writtenValues(input: MapKeyInput | QueueInput): string[] {
  if ("items" in input) return input.items.map(String);
  if ("value" in input) return [String(input.value)];
  return [];
}
