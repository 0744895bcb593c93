import { describe, expect, it } from "vitest";
import { GuardedEmitter } from "../../src/collections/guarded-emitter";

type Events = { tick: [n: number]; other: [] };

function make() {
  const failures: [string, unknown][] = [];
  const emitter = new GuardedEmitter<Events>((event, error) => failures.push([event, error]));
  return { emitter, failures };
}

describe("GuardedEmitter", () => {
  it("runs every listener even when one throws, and reports the throw with the event name", () => {
    const { emitter, failures } = make();
    const got: string[] = [];
    emitter.on("tick", (n) => got.push(`a${n}`));
    emitter.on("tick", () => {
      throw new Error("bug");
    });
    emitter.on("tick", (n) => got.push(`c${n}`));
    expect(() => emitter.emit("tick", 1)).not.toThrow();
    expect(got).toEqual(["a1", "c1"]);
    expect(failures.map(([event, error]) => [event, (error as Error).message])).toEqual([["tick", "bug"]]);
  });

  it("keeps eventemitter3's semantics: once, context, return value, removal during delivery", () => {
    const { emitter } = make();
    const got: string[] = [];
    const context = { name: "ctx" };
    emitter.once("tick", (n) => got.push(`once${n}`));
    emitter.on(
      "tick",
      function (this: typeof context, n: number) {
        got.push(`${this.name}${n}`);
      },
      context,
    );
    const late = (n: number) => got.push(`late${n}`);
    emitter.on("tick", () => emitter.off("tick", late));
    emitter.on("tick", late);
    expect(emitter.emit("tick", 1)).toBe(true);
    expect(emitter.emit("tick", 2)).toBe(true);
    expect(emitter.emit("other")).toBe(false);
    // The listener removed during delivery 1 still got that delivery (as in eventemitter3), not the next.
    expect(got).toEqual(["once1", "ctx1", "late1", "ctx2"]);
    expect(emitter.listenerCount("tick")).toBe(2);
  });

  it("a throwing once listener is still removed", () => {
    const { emitter, failures } = make();
    emitter.once("other", () => {
      throw new Error("once bug");
    });
    emitter.emit("other");
    emitter.emit("other");
    expect(failures).toHaveLength(1);
    expect(emitter.listenerCount("other")).toBe(0);
  });
});
