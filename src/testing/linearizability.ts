/**
 * A linearizability checker: the Wing-Gong search with Lowe's memoisation, as Porcupine and
 * Knossos implement it. A history is linearizable when every operation can be given one instant
 * between its call and its return such that, in the order of those instants, a sequential model
 * produces exactly the outputs that were observed (Herlihy and Wing, 1990).
 *
 * Indeterminate operations (a timeout, a connection lost, anything whose `error.indeterminate` is
 * true) may take effect at any instant after their call, or never: their return is +infinity and
 * their output unknown, and the search succeeds once every determinate operation is placed
 * (leaving an indeterminate one out means "it never applied", or "it applies after the end").
 *
 * Operations known not to have applied (`indeterminate: false` failures) are not part of a history
 * at all: if one did apply, its effect (a unique value, a unique queue item) appears in some output
 * that no recorded operation explains, and the history is rejected.
 */

/** One recorded operation. */
export interface HistoryOperation<I, O> {
  /** Who invoked it (a peer, a client); for messages only. */
  readonly client: string;
  readonly input: I;
  /**
   * When it was invoked and when it returned, on one totally ordered scale (virtual time, or a
   * sequence number of the recorder). Equal instants count as concurrent.
   */
  readonly call: number;
  /** Ignored for an indeterminate operation (its return is +infinity). */
  readonly return: number;
  /** The observed output; ignored for an indeterminate operation. */
  readonly output?: O;
  /** The operation failed without knowing whether it applied. */
  readonly indeterminate?: boolean;
}

/** A sequential specification. */
export interface LinearizabilityModel<S, I, O> {
  /** The state before any operation. */
  init(): S;
  /**
   * Apply `input` to `state`. `observed` is the output the operation returned, or `undefined` when
   * it is unknown (indeterminate): any output is then acceptable. Returns the next state (boxed,
   * so that any value can be a state), or `undefined` when the observed output is impossible from
   * `state`. Must not mutate `state`.
   */
  step(state: S, input: I, observed: { readonly output: O | undefined } | undefined): { readonly state: S } | undefined;
  /** A string that identifies a state (equal states, equal strings): the memoisation key. */
  key(state: S): string;
  /**
   * Split a history into independent parts checked on their own (one per map key, say):
   * linearizability is compositional (Herlihy and Wing, theorem 1). Default: one part.
   */
  partition?(operations: readonly HistoryOperation<I, O>[]): HistoryOperation<I, O>[][];
  /** One line describing an operation, for failure reports. */
  describe?(operation: HistoryOperation<I, O>): string;
}

/** Options of {@link checkLinearizability}. */
export interface LinearizabilityOptions {
  /**
   * Most search steps per part before giving up with `budget-exhausted` (the search is exponential
   * in the worst case). Default 1,000,000.
   */
  readonly maxSteps?: number;
}

/** The verdict on one history. */
export type LinearizabilityResult =
  | { readonly ok: true; readonly steps: number; readonly parts: number }
  | {
      readonly ok: false;
      readonly reason: "not-linearizable" | "budget-exhausted";
      readonly steps: number;
      readonly parts: number;
      /** The part (index in the partition) that failed. */
      readonly part: number;
      /** The longest order found of that part's operations, as described lines. */
      readonly longestPrefix: readonly string[];
      /** The operations that could not follow that prefix (the earliest-returning one first). */
      readonly stuck: readonly string[];
    };

const DEFAULT_MAX_STEPS = 1_000_000;

/** Check a history against a model; see the module comment. */
export function checkLinearizability<S, I, O>(
  model: LinearizabilityModel<S, I, O>,
  history: readonly HistoryOperation<I, O>[],
  options: LinearizabilityOptions = {},
): LinearizabilityResult {
  const parts = model.partition?.(history) ?? [[...history]];
  let steps = 0;
  for (let p = 0; p < parts.length; p++) {
    const outcome = new PartSearch(model, parts[p]!, options.maxSteps ?? DEFAULT_MAX_STEPS).run();
    steps += outcome.steps;
    if (outcome.verdict !== "ok") {
      return {
        ok: false,
        reason: outcome.verdict,
        steps,
        parts: parts.length,
        part: p,
        longestPrefix: outcome.longestPrefix,
        stuck: outcome.stuck,
      };
    }
  }
  return { ok: true, steps, parts: parts.length };
}

/** The search over one part. */
class PartSearch<S, I, O> {
  private readonly ops: HistoryOperation<I, O>[];
  private readonly returns: number[];
  private readonly linearized: Uint8Array;
  private readonly visited = new Set<string>();
  private readonly order: number[] = [];
  private longest: number[] = [];
  private steps = 0;
  private exhausted = false;

  constructor(
    private readonly model: LinearizabilityModel<S, I, O>,
    operations: readonly HistoryOperation<I, O>[],
    private readonly maxSteps: number,
  ) {
    // Sorted by call: the candidates of a step are a prefix of the unplaced operations.
    this.ops = [...operations].sort((a, b) => a.call - b.call);
    this.returns = this.ops.map((op) => (op.indeterminate ? Number.POSITIVE_INFINITY : op.return));
    this.linearized = new Uint8Array(this.ops.length);
  }

  run(): {
    verdict: "ok" | "not-linearizable" | "budget-exhausted";
    steps: number;
    longestPrefix: string[];
    stuck: string[];
  } {
    const determinate = this.ops.filter((op) => !op.indeterminate).length;
    const found = this.search(this.model.init(), determinate);
    const verdict = found ? "ok" : this.exhausted ? "budget-exhausted" : "not-linearizable";
    if (found) return { verdict, steps: this.steps, longestPrefix: [], stuck: [] };
    return {
      verdict,
      steps: this.steps,
      longestPrefix: this.longest.map((i) => this.describe(i)),
      stuck: this.stuckAfter(this.longest).map((i) => this.describe(i)),
    };
  }

  /** Depth-first: place one more operation; `remaining` determinate operations are unplaced. */
  private search(state: S, remaining: number): boolean {
    if (remaining === 0) return true;
    if (++this.steps > this.maxSteps) {
      this.exhausted = true;
      return false;
    }
    // Lowe's memoisation: the same placed set in the same state fails the same way.
    const memo = `${this.placedKey()}|${this.model.key(state)}`;
    if (this.visited.has(memo)) return false;
    this.visited.add(memo);
    const horizon = this.horizon();
    for (let i = 0; i < this.ops.length; i++) {
      const op = this.ops[i]!;
      // An operation may go next only if it was called before every unplaced one returned.
      if (op.call > horizon) break;
      if (this.linearized[i] === 1) continue;
      const next = this.model.step(state, op.input, op.indeterminate ? undefined : { output: op.output });
      if (next === undefined) continue;
      this.linearized[i] = 1;
      this.order.push(i);
      if (this.order.length > this.longest.length) this.longest = [...this.order];
      if (this.search(next.state, op.indeterminate ? remaining : remaining - 1)) return true;
      this.order.pop();
      this.linearized[i] = 0;
      if (this.exhausted) return false;
    }
    return false;
  }

  /** The earliest return among unplaced operations. */
  private horizon(): number {
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.ops.length; i++) {
      if (this.linearized[i] === 0 && this.returns[i]! < min) min = this.returns[i]!;
    }
    return min;
  }

  private placedKey(): string {
    let key = "";
    // 15 bits per character: a compact, collision-free key of the placed set.
    for (let i = 0; i < this.linearized.length; i += 15) {
      let word = 0;
      for (let b = 0; b < 15 && i + b < this.linearized.length; b++) word |= this.linearized[i + b]! << b;
      key += String.fromCharCode(word + 1);
    }
    return key;
  }

  /** The unplaced determinate operations after `prefix`, earliest return first. */
  private stuckAfter(prefix: readonly number[]): number[] {
    const placed = new Set(prefix);
    return this.ops
      .map((_, i) => i)
      .filter((i) => !placed.has(i) && !this.ops[i]!.indeterminate)
      .sort((a, b) => this.returns[a]! - this.returns[b]!)
      .slice(0, 5);
  }

  private describe(i: number): string {
    const op = this.ops[i]!;
    const text = this.model.describe?.(op) ?? JSON.stringify(op.input);
    const returned = op.indeterminate ? "indeterminate" : `-> ${JSON.stringify(op.output)} @${op.return}`;
    return `${op.client} ${text} [${op.call}, ${op.indeterminate ? "inf" : op.return}] ${returned}`;
  }
}
