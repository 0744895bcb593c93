import { describe, expect, it } from "vitest";
import { checkLinearizability } from "../../src/testing/linearizability";
import {
  type MapKeyInput,
  type MapOperation,
  mapModel,
  prepareQueueCheck,
  type QueueOperation,
  queueModel,
} from "../../src/testing/models";

/** A determinate map operation on key "x" (unless the input names another). */
function op(client: string, input: MapKeyInput, call: number, ret: number, output: unknown): MapOperation {
  return { client, input, call, return: ret, output: output as MapOperation["output"] };
}

/** An indeterminate map operation (timed out): it may apply at any time after `call`, or never. */
function lost(client: string, input: MapKeyInput, call: number): MapOperation {
  return { client, input, call, return: Number.POSITIVE_INFINITY, indeterminate: true };
}

function q(client: string, input: QueueOperation["input"], call: number, ret: number, output?: unknown) {
  return { client, input, call, return: ret, output } as QueueOperation;
}

const set = (value: string) => ({ op: "set", key: "x", value }) as const;
const get = { op: "get", key: "x" } as const;

describe("linearizability checker (Wing-Gong / Lowe search)", () => {
  it("accepts a sequential history of every map operation", () => {
    const history = [
      op("a", { op: "insert", key: "x", value: "1" }, 0, 1, undefined),
      op("a", { op: "insert", key: "x", value: "2" }, 2, 3, "1"),
      op("b", { op: "updateIf", key: "x", value: "3", expected: "1" }, 4, 5, true),
      op("b", { op: "updateIf", key: "x", value: "4", expected: "1" }, 6, 7, false),
      op("a", set("5"), 8, 9, "3"),
      op("a", { op: "removeIf", key: "x", expected: "3" }, 10, 11, false),
      op("a", { op: "removeIf", key: "x", expected: "5" }, 12, 13, true),
      op("b", get, 14, 15, undefined),
      op("b", set("6"), 16, 17, undefined),
      op("a", { op: "delete", key: "x" }, 18, 19, true),
      op("a", { op: "delete", key: "x" }, 20, 21, false),
    ];
    expect(checkLinearizability(mapModel, history)).toMatchObject({ ok: true, parts: 1 });
  });

  it("accepts concurrent histories: a read overlapping a write may see either value", () => {
    for (const seen of ["1", "2"]) {
      const history = [op("a", set("1"), 0, 1, undefined), op("a", set("2"), 2, 6, "1"), op("b", get, 3, 4, seen)];
      expect(checkLinearizability(mapModel, history).ok).toBe(true);
    }
    // Writes overlap each other: a later read fixes their order, and the set results must agree with it.
    const overlapping = [op("a", set("1"), 0, 10, "2"), op("b", set("2"), 1, 9, undefined), op("c", get, 11, 12, "1")];
    expect(checkLinearizability(mapModel, overlapping).ok).toBe(true);
  });

  it("partitions by key: keys are checked independently", () => {
    const history = [
      op("a", set("1"), 0, 1, undefined),
      op("a", { op: "set", key: "y", value: "9" }, 0, 1, undefined),
      op("b", { op: "get", key: "y" }, 2, 3, "9"),
      op("b", get, 2, 3, "1"),
    ];
    expect(checkLinearizability(mapModel, history)).toMatchObject({ ok: true, parts: 2 });
  });

  it("rejects a stale read (a get on a partitioned minority without sync)", () => {
    const history = [
      op("leader", set("1"), 0, 1, undefined),
      op("leader", set("2"), 2, 3, "1"),
      // The old value, read after the newer write was acknowledged.
      op("minority", get, 4, 5, "1"),
    ];
    const result = checkLinearizability(mapModel, history);
    expect(result).toMatchObject({ ok: false, reason: "not-linearizable", part: 0 });
    if (!result.ok) expect(result.stuck.join("\n")).toContain('get("x")');
  });

  it("rejects a lost acknowledged write", () => {
    const history = [op("a", set("1"), 0, 1, undefined), op("b", get, 2, 3, undefined)];
    expect(checkLinearizability(mapModel, history).ok).toBe(false);
  });

  it("rejects a duplicated write (an acknowledged write applied twice)", () => {
    // set("1") applied again after set("2"): a later read sees "1".
    const reapplied = [op("a", set("1"), 0, 1, undefined), op("a", set("2"), 2, 3, "1"), op("b", get, 4, 5, "1")];
    expect(checkLinearizability(mapModel, reapplied).ok).toBe(false);
    // An insert applied twice reports its own value as the existing one.
    const insertTwice = [op("a", { op: "insert", key: "x", value: "1" }, 0, 1, "1")];
    expect(checkLinearizability(mapModel, insertTwice).ok).toBe(false);
  });

  it("rejects two successful compare-and-sets from the same expected value", () => {
    const history = [
      op("a", set("0"), 0, 1, undefined),
      op("b", { op: "updateIf", key: "x", value: "b", expected: "0" }, 2, 5, true),
      op("c", { op: "updateIf", key: "x", value: "c", expected: "0" }, 3, 6, true),
    ];
    expect(checkLinearizability(mapModel, history).ok).toBe(false);
    const removes = [
      op("a", set("0"), 0, 1, undefined),
      op("b", { op: "removeIf", key: "x", expected: "0" }, 2, 5, true),
      op("c", { op: "removeIf", key: "x", expected: "0" }, 3, 6, true),
    ];
    expect(checkLinearizability(mapModel, removes).ok).toBe(false);
  });

  it("lets an indeterminate write take effect at any time after its call, or never", () => {
    const timedOut = lost("a", set("1"), 0);
    expect(checkLinearizability(mapModel, [timedOut, op("b", get, 5, 6, "1")]).ok).toBe(true);
    expect(checkLinearizability(mapModel, [timedOut, op("b", get, 5, 6, undefined)]).ok).toBe(true);
    // Late: not yet at the first read, applied by the second.
    const late = [timedOut, op("b", get, 5, 6, undefined), op("b", get, 7, 8, "1")];
    expect(checkLinearizability(mapModel, late).ok).toBe(true);
    // Once seen applied, it cannot un-apply.
    const flicker = [timedOut, op("b", get, 5, 6, "1"), op("b", get, 7, 8, undefined)];
    expect(checkLinearizability(mapModel, flicker).ok).toBe(false);
    // It cannot take effect before it was called.
    const early = [op("b", get, 0, 1, "1"), lost("a", set("1"), 2)];
    expect(checkLinearizability(mapModel, early).ok).toBe(false);
  });

  it("rejects the effect of a write known not to have applied (absent from the history)", () => {
    // set("ghost") failed with indeterminate: false, so it is not recorded; a read sees it anyway.
    const history = [op("a", set("1"), 0, 1, undefined), op("b", get, 2, 3, "ghost")];
    expect(checkLinearizability(mapModel, history).ok).toBe(false);
  });

  it("accepts a valid concurrent queue history and rejects an item popped twice", () => {
    const valid = [
      q("a", { op: "push", items: [1, 2] }, 0, 3),
      q("b", { op: "push", items: [3] }, 1, 2),
      q("c", { op: "pop" }, 4, 6, 3),
      q("a", { op: "pop" }, 5, 7, 1),
      q("b", { op: "pop" }, 8, 9, 2),
      q("c", { op: "pop" }, 10, 11, undefined),
    ];
    expect(checkLinearizability(queueModel, valid).ok).toBe(true);
    const twice = [
      q("a", { op: "push", items: [1, 2] }, 0, 1),
      q("b", { op: "pop" }, 2, 4, 1),
      q("c", { op: "pop" }, 3, 5, 1),
    ];
    expect(checkLinearizability(queueModel, twice)).toMatchObject({ ok: false, reason: "not-linearizable" });
  });

  it("rejects a lost queue item, and out-of-order pops", () => {
    const lostItem = [q("a", { op: "push", items: [1] }, 0, 1), q("b", { op: "pop" }, 2, 3, undefined)];
    expect(checkLinearizability(queueModel, lostItem).ok).toBe(false);
    const reordered = [
      q("a", { op: "push", items: [1] }, 0, 1),
      q("a", { op: "push", items: [2] }, 2, 3),
      q("b", { op: "pop" }, 4, 5, 2),
    ];
    expect(checkLinearizability(queueModel, reordered).ok).toBe(false);
  });

  it("treats an indeterminate pop as taking an item or not", () => {
    const timedOutPop: QueueOperation = {
      client: "b",
      input: { op: "pop" },
      call: 2,
      return: 0,
      indeterminate: true,
    };
    const history = [q("a", { op: "push", items: [1, 2] }, 0, 1), timedOutPop, q("c", { op: "pop" }, 5, 6, 2)];
    expect(checkLinearizability(queueModel, history).ok).toBe(true);
    const untouched = [q("a", { op: "push", items: [1, 2] }, 0, 1), timedOutPop, q("c", { op: "pop" }, 5, 6, 1)];
    expect(checkLinearizability(queueModel, untouched).ok).toBe(true);
  });

  it("gives up with budget-exhausted rather than searching forever", () => {
    // Many concurrent timed-out writes and a read that no subset of them explains: the search tries every subset.
    const history: MapOperation[] = [];
    for (let i = 0; i < 12; i++) history.push(lost(`c${i}`, set(`${i}`), 0));
    history.push(op("r", get, 1, 2, "none"));
    const result = checkLinearizability(mapModel, history, { maxSteps: 50 });
    expect(result).toMatchObject({ ok: false, reason: "budget-exhausted" });
    // With the default budget, memoisation (placed set, state) keeps the same search small enough to finish.
    expect(checkLinearizability(mapModel, history)).toMatchObject({ ok: false, reason: "not-linearizable" });
  });

  it("prepares queue histories with many timed-out operations for a fast search, keeping the verdict", () => {
    const history: QueueOperation[] = [];
    const timedOut = (input: QueueOperation["input"], call: number): QueueOperation => ({
      client: "t",
      input,
      call,
      return: 0,
      indeterminate: true,
    });
    for (let i = 0; i < 12; i++) {
      history.push(q("a", { op: "push", items: [`a${i}`] }, 10 * i, 10 * i + 1));
      history.push(timedOut({ op: "push", items: [`lost${i}`] }, 10 * i + 2));
      history.push(timedOut({ op: "pop" }, 10 * i + 3));
    }
    // The first timed-out push did apply: its item is popped.
    history.push(q("b", { op: "pop" }, 200, 201, "a0"));
    history.push(q("b", { op: "pop" }, 202, 203, "lost0"));
    for (let i = 1; i < 12; i++) history.push(q("b", { op: "pop" }, 204 + 2 * i, 205 + 2 * i, `a${i}`));
    const plain = checkLinearizability(queueModel, history, { maxSteps: 20_000 });
    expect(plain).toMatchObject({ ok: false, reason: "budget-exhausted" });
    const prepared = prepareQueueCheck(history);
    expect(checkLinearizability(prepared.model, prepared.history, { maxSteps: 20_000 }).ok).toBe(true);
    // Still able to fail: the same history with one item popped twice.
    const twice = [...history, q("c", { op: "pop" }, 300, 301, "a5")];
    const again = prepareQueueCheck(twice);
    expect(checkLinearizability(again.model, again.history, { maxSteps: 20_000 })).toMatchObject({
      ok: false,
      reason: "not-linearizable",
    });
    // And a lost acknowledged item (with no timed-out pop that could have taken it).
    const lost = history.filter((op) => op.output !== "a7" && !(op.input.op === "pop" && op.indeterminate));
    const lostCheck = prepareQueueCheck(lost);
    expect(checkLinearizability(lostCheck.model, lostCheck.history, { maxSteps: 20_000 }).ok).toBe(false);
  });
});
