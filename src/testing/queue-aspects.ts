/**
 * A fast check of FIFO queue histories whose pushed items are unique, by the four ways such a
 * history can fail to be linearizable (Henzinger, Sezgin and Vafeiadis, "Aspect-oriented
 * linearizability proofs", CONCUR 2013): a pop returns an item never pushed (fresh), two pops return
 * the same item (repeat), an item pushed after another is popped before it (order), or a pop finds the
 * queue empty while it is known to hold something (witness). For complete histories of unique
 * items, a history is linearizable exactly when none occurs, and each check is polynomial, where the
 * general search ({@link checkLinearizability}) can take exponential time on long, concurrent queue
 * histories.
 *
 * Timed-out (indeterminate) operations only ever excuse: an indeterminate pop may have taken any item
 * after its call, and an indeterminate push may have applied at any time after its call (so it is
 * never known to precede anything). Every reported violation is certain.
 */
import type { QueueOperation, RegisterValue } from "./models.js";

/** The violations found (one line each); empty when none of the four occurs. */
export function checkQueueAspects(history: readonly QueueOperation[]): string[] {
  const violations: string[] = [];
  const pushOf = new Map<RegisterValue, QueueOperation>();
  const popsOf = new Map<RegisterValue, QueueOperation[]>();
  const emptyPops: QueueOperation[] = [];
  /** Calls of indeterminate pops, ascending: each may have taken an item at any time after it. */
  const lostPopCalls: number[] = [];
  for (const op of history) {
    if (op.input.op === "push") {
      for (const item of op.input.items) pushOf.set(item, op);
    } else if (op.indeterminate) {
      lostPopCalls.push(op.call);
    } else if (op.output === undefined) {
      emptyPops.push(op);
    } else {
      const list = popsOf.get(op.output) ?? [];
      list.push(op);
      popsOf.set(op.output, list);
    }
  }
  lostPopCalls.sort((a, b) => a - b);
  /** Whether an indeterminate pop called before `time` exists (it may have taken any item by then). */
  const lostPopBefore = (time: number) => lostPopCalls.length > 0 && lostPopCalls[0]! < time;
  const show = (op: QueueOperation) =>
    `${op.client} ${op.input.op === "push" ? `push(${op.input.items.join(", ")})` : "pop()"} [${op.call}, ${op.indeterminate ? "inf" : op.return}]`;

  for (const [item, pops] of popsOf) {
    if (pops.length > 1) violations.push(`repeat: ${item} popped by ${pops.map(show).join(" and ")}`);
    const push = pushOf.get(item);
    const first = pops.reduce((a, b) => (b.return < a.return ? b : a));
    if (push === undefined || push.call > first.return) {
      violations.push(`fresh: ${show(first)} returned ${item}, never pushed before`);
    }
  }

  // Order: push(a) returned before push(b) was called, yet b left the queue before a could have.
  const pushes = [...pushOf].filter(([, op]) => !op.indeterminate);
  for (const [b, pushB] of pushOf) {
    const popB = firstPop(popsOf.get(b));
    if (popB === undefined) continue;
    for (const [a, pushA] of pushes) {
      if (a === b || !(pushA.return < pushB.call)) continue;
      const popA = firstPop(popsOf.get(a));
      const aGoneInTime = popA === undefined ? lostPopBefore(popB.return) : popA.call < popB.return;
      if (!aGoneInTime) {
        violations.push(
          `order: ${show(pushA)} before ${show(pushB)}, yet ${b} was popped by ${show(popB)} before ${a}${popA === undefined ? " (never popped)" : ` (by ${show(popA)})`}`,
        );
      }
      if (violations.length > 20) return violations;
    }
  }

  // Witness: a pop found the queue empty while, at every instant of it, some item was surely inside.
  for (const pop of emptyPops) {
    const covering: [number, number][] = [];
    for (const [item, push] of pushes) {
      const popItem = firstPop(popsOf.get(item));
      // Surely inside from its push's return until the pop that returned it was called. An item no pop
      // returned may have been taken by an indeterminate pop at any time after that pop's call.
      const earliestLost = lostPopCalls[0];
      const leaves =
        popItem !== undefined
          ? popItem.call
          : earliestLost === undefined
            ? Number.POSITIVE_INFINITY
            : Math.max(earliestLost, push.return);
      if (push.return < leaves) covering.push([push.return, leaves]);
    }
    if (covers(covering, pop.call, pop.return)) {
      violations.push(`witness: ${show(pop)} found the queue empty while it surely held items`);
    }
  }
  return violations;
}

function firstPop(pops: readonly QueueOperation[] | undefined): QueueOperation | undefined {
  if (pops === undefined || pops.length === 0) return undefined;
  return pops.reduce((a, b) => (b.call < a.call ? b : a));
}

/** Whether the union of open intervals `(from, to)` covers every instant of `[start, end]`. */
function covers(intervals: [number, number][], start: number, end: number): boolean {
  intervals.sort((a, b) => a[0] - b[0]);
  let reach = start;
  for (const [from, to] of intervals) {
    // Open intervals: the next one must start strictly before the instant reached so far.
    if (from >= reach) break;
    if (to > reach) reach = to;
    if (reach > end) return true;
  }
  return false;
}
