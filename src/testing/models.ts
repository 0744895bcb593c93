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

/**
 * The queue model and history prepared for a fast search, for histories whose pushed items are
 * unique (each timed-out operation otherwise doubles the search: it may or may not have applied).
 * Each rewrite keeps the verdict:
 * - an indeterminate push whose items some determinate pop returned did apply: it becomes required,
 *   placed before that pop returned;
 * - an indeterminate push whose items nobody returned is dropped: had it applied, only
 *   indeterminate pops (which may equally not have applied) could have taken its items;
 * - an indeterminate pop may only take an item that no determinate pop returned (taking another
 *   would leave that pop without its item), and never applies to an empty queue (no effect: the
 *   same as not applying).
 */
export function prepareQueueCheck(history: readonly QueueOperation[]): {
  readonly model: LinearizabilityModel<readonly RegisterValue[], QueueInput, RegisterValue | undefined>;
  readonly history: QueueOperation[];
} {
  const poppedBy = new Map<RegisterValue, number>();
  for (const op of history) {
    if (op.input.op === "pop" && !op.indeterminate && op.output !== undefined) {
      poppedBy.set(op.output, Math.min(poppedBy.get(op.output) ?? Number.POSITIVE_INFINITY, op.return));
    }
  }
  const prepared: QueueOperation[] = [];
  for (const op of history) {
    if (op.input.op !== "push" || !op.indeterminate) {
      prepared.push(op);
      continue;
    }
    const seen = op.input.items.map((item) => poppedBy.get(item)).filter((at) => at !== undefined);
    if (seen.length === 0) continue;
    prepared.push({ ...op, indeterminate: false, return: Math.min(...seen), output: undefined });
  }
  const model: LinearizabilityModel<readonly RegisterValue[], QueueInput, RegisterValue | undefined> = {
    ...queueModel,
    step(state, input, observed) {
      if (input.op === "pop" && observed === undefined) {
        const head = state[0];
        if (head === undefined || poppedBy.has(head)) return undefined;
      }
      return queueModel.step(state, input, observed);
    },
  };
  return { model, history: prepared };
}

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
