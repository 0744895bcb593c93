/**
 * Sequential models of Hamok's collections for {@link checkLinearizability}: a map (or record) as
 * independent registers, one per key, and a FIFO queue. Values are primitives compared with `===`
 * (a history records decoded values; give every write a unique value so that a write that should
 * not have applied is recognised wherever it shows up).
 */
import type { HistoryOperation, LinearizabilityModel } from "./linearizability.js";

/** A primitive value of a register; `undefined` is "absent". */
export type RegisterValue = string | number | boolean;

/**
 * One operation on one key of a map, as `HamokMap` defines it (outputs in brackets):
 * `set` [the previous value], `get` (a read after `sync()`) [the value], `delete` [whether present],
 * `insert` (set if absent) [the existing value, `undefined` when inserted],
 * `updateIf` (compare-and-set) [whether replaced], `removeIf` [whether removed].
 */
export type MapKeyInput =
  | { readonly op: "set"; readonly key: string; readonly value: RegisterValue }
  | { readonly op: "get"; readonly key: string }
  | { readonly op: "delete"; readonly key: string }
  | { readonly op: "insert"; readonly key: string; readonly value: RegisterValue }
  | { readonly op: "updateIf"; readonly key: string; readonly value: RegisterValue; readonly expected: RegisterValue }
  | { readonly op: "removeIf"; readonly key: string; readonly expected: RegisterValue };

/** Outputs of {@link MapKeyInput}. */
export type MapKeyOutput = RegisterValue | boolean | undefined;

/** A map operation in a history. */
export type MapOperation = HistoryOperation<MapKeyInput, MapKeyOutput>;

type Register = RegisterValue | undefined;

/** What an operation returns from `state`, and the state after it. */
function applyToRegister(state: Register, input: MapKeyInput): { next: Register; output: MapKeyOutput } {
  switch (input.op) {
    case "set":
      return { next: input.value, output: state };
    case "get":
      return { next: state, output: state };
    case "delete":
      return { next: undefined, output: state !== undefined };
    case "insert":
      return state === undefined ? { next: input.value, output: undefined } : { next: state, output: state };
    case "updateIf":
      return state === input.expected ? { next: input.value, output: true } : { next: state, output: false };
    case "removeIf":
      return state === input.expected ? { next: undefined, output: true } : { next: state, output: false };
  }
}

/** Independent registers, one per key: the history is partitioned by `input.key`. */
export const mapModel: LinearizabilityModel<Register, MapKeyInput, MapKeyOutput> = {
  init: () => undefined,
  step(state, input, observed) {
    const { next, output } = applyToRegister(state, input);
    if (observed !== undefined && observed.output !== output) return undefined;
    return { state: next };
  },
  key: (state) => (state === undefined ? "" : `${typeof state}:${String(state)}`),
  partition: (operations) => partitionBy(operations, (op) => op.input.key),
  describe: (op) => {
    const { op: name, key, ...args } = op.input;
    return `${name}(${[key, ...Object.values(args)].map((v) => JSON.stringify(v)).join(", ")})`;
  },
};

/** One queue operation: `push` [nothing] of items as one command, `pop` [the head, `undefined` when empty]. */
export type QueueInput = { readonly op: "push"; readonly items: readonly RegisterValue[] } | { readonly op: "pop" };

/** A queue operation in a history. */
export type QueueOperation = HistoryOperation<QueueInput, RegisterValue | undefined>;

/** A FIFO queue (one part: every operation of a queue touches the same state). */
export const queueModel: LinearizabilityModel<readonly RegisterValue[], QueueInput, RegisterValue | undefined> = {
  init: () => [],
  step(state, input, observed) {
    if (input.op === "push") return { state: [...state, ...input.items] };
    const head = state[0];
    if (observed !== undefined && observed.output !== head) return undefined;
    return { state: state.length === 0 ? state : state.slice(1) };
  },
  key: (state) => state.map((v) => `${typeof v}:${String(v)}`).join("\u0000"),
  describe: (op) =>
    op.input.op === "push" ? `push(${op.input.items.map((v) => JSON.stringify(v)).join(", ")})` : "pop()",
};

/** Split operations into groups by `keyOf`, keeping their order. */
export function partitionBy<T>(operations: readonly T[], keyOf: (operation: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const operation of operations) {
    const key = keyOf(operation);
    let group = groups.get(key);
    if (group === undefined) {
      group = [];
      groups.set(key, group);
    }
    group.push(operation);
  }
  return [...groups.values()];
}
