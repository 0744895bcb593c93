import { describe, expect, it } from "vitest";
import { checkLinearizability } from "../../src/testing/linearizability";
import { prepareQueueCheck, type QueueOperation } from "../../src/testing/models";
import { checkQueueAspects } from "../../src/testing/queue-aspects";

function push(client: string, item: string, call: number, ret: number): QueueOperation {
  return { client, input: { op: "push", items: [item] }, call, return: ret, output: undefined };
}
function pop(client: string, call: number, ret: number, output?: string): QueueOperation {
  return { client, input: { op: "pop" }, call, return: ret, output };
}
function lostPop(client: string, call: number): QueueOperation {
  return { client, input: { op: "pop" }, call, return: 0, indeterminate: true };
}

/** Both checkers must agree on small histories (the search is exact there). */
function agree(history: QueueOperation[]): boolean {
  const aspects = checkQueueAspects(history).length === 0;
  const prepared = prepareQueueCheck(history);
  expect(checkLinearizability(prepared.model, prepared.history).ok).toBe(aspects);
  return aspects;
}

describe("queue aspects (fresh, repeat, order, witness) for unique items", () => {
  it("accepts valid concurrent histories", () => {
    expect(
      agree([push("a", "1", 0, 3), push("b", "2", 1, 2), pop("c", 4, 6, "2"), pop("a", 5, 7, "1"), pop("b", 8, 9)]),
    ).toBe(true);
    // An empty pop concurrent with the only push.
    expect(agree([push("a", "1", 0, 5), pop("b", 1, 2), pop("b", 6, 7, "1")])).toBe(true);
  });

  it("rejects an item popped twice (repeat) and one never pushed (fresh)", () => {
    const twice = [push("a", "1", 0, 1), pop("b", 2, 3, "1"), pop("c", 4, 5, "1")];
    expect(checkQueueAspects(twice).join()).toContain("repeat");
    expect(agree(twice)).toBe(false);
    const fresh = [pop("b", 0, 1, "ghost")];
    expect(checkQueueAspects(fresh).join()).toContain("fresh");
    expect(agree(fresh)).toBe(false);
  });

  it("rejects FIFO order broken, and a lost item (order, with the item never popped)", () => {
    const reordered = [push("a", "1", 0, 1), push("a", "2", 2, 3), pop("b", 4, 5, "2"), pop("b", 6, 7, "1")];
    expect(checkQueueAspects(reordered).join()).toContain("order");
    expect(agree(reordered)).toBe(false);
    const lost = [push("a", "1", 0, 1), push("a", "2", 2, 3), pop("b", 4, 5, "2")];
    expect(agree(lost)).toBe(false);
    // An indeterminate pop may have taken the missing item: then it is fine.
    expect(agree([...lost, lostPop("c", 3)])).toBe(true);
  });

  it("rejects an empty pop while items were surely inside, also when several items cover it between them", () => {
    const single = [push("a", "1", 0, 1), pop("b", 2, 3), pop("c", 4, 5, "1")];
    expect(checkQueueAspects(single).join()).toContain("witness");
    expect(agree(single)).toBe(false);
    // "1" is inside during [1, 6), "2" during [4, 12): together they cover the empty pop [5, 10].
    const covered = [
      push("a", "1", 0, 1),
      push("a", "2", 2, 4),
      pop("c", 6, 7, "1"),
      pop("b", 5, 10),
      pop("c", 12, 13, "2"),
    ];
    expect(checkQueueAspects(covered).join()).toContain("witness");
    expect(agree(covered)).toBe(false);
    // With a gap in the cover (the second push returns only after the first item left), it is fine.
    const gap = [
      push("a", "1", 0, 1),
      push("a", "2", 2, 8),
      pop("c", 6, 7, "1"),
      pop("b", 5, 10),
      pop("c", 12, 13, "2"),
    ];
    expect(agree(gap)).toBe(true);
  });

  it("judges a long concurrent history that the general search cannot finish within its budget", () => {
    const history: QueueOperation[] = [];
    // Seven clients, each pushing then popping, overlapping their neighbours; one long push spans it all.
    history.push(push("slow", "s", 0, 100_000));
    let t = 1;
    const popped: string[] = [];
    for (let round = 0; round < 60; round++) {
      for (let c = 0; c < 7; c++) history.push(push(`c${c}`, `${round}.${c}`, t + c, t + 10 + c));
      t += 20;
      for (let c = 0; c < 7; c++) {
        const item = `${round}.${c}`;
        popped.push(item);
        history.push(pop(`c${c}`, t + c, t + 10 + c, item));
      }
      t += 20;
    }
    history.push(pop("end", 100_001, 100_002, "s"));
    expect(checkQueueAspects(history)).toEqual([]);
    const prepared = prepareQueueCheck(history);
    expect(checkLinearizability(prepared.model, prepared.history, { maxSteps: 20_000 })).toMatchObject({
      ok: false,
      reason: "budget-exhausted",
    });
  });
});
