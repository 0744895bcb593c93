import { describe, expect, it } from "vitest";
import { Cluster } from "./harness";

describe("smoke", () => {
  it("elects and replicates", () => {
    const c = new Cluster();
    c.tick(30);
    const leaders = c.leaders();
    expect(leaders.length).toBe(1);
    const l = leaders[0]!;
    expect(c.node(l).propose("p1", { v: 1 })).toEqual({ ok: true });
    c.deliver();
    for (const id of ["a", "b", "c"]) expect(c.values(id)).toEqual([{ v: 1 }]);
    const f = ["a", "b", "c"].find((x) => x !== l)!;
    expect(c.node(f).propose("p2", { v: 2 })).toEqual({ ok: true });
    c.deliver();
    for (const id of ["a", "b", "c"]) expect(c.values(id)).toEqual([{ v: 1 }, { v: 2 }]);
  });
});
