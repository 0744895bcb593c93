import { describe, expect, it } from "vitest";
import { HAMOK_PROTOCOL } from "../../src/messages/hamok-message";
import { MAX_TERM, validateHamokMessage } from "../../src/messages/validate";
import { defaultSizeOf } from "../../src/raft/size";

const MiB = 1024 * 1024;
const LIMITS = { maxMessageBytes: MiB };

const raft = (extra: Record<string, unknown> = {}) => ({
  protocol: HAMOK_PROTOCOL,
  type: "raft",
  sourceId: "a",
  destinationId: "b",
  clusterId: "c",
  raft: { type: "append", from: "a", to: "b", term: 2, index: 0, logTerm: 0, commit: 0, entries: [], ...extra },
});
const withEntry = (entry: Record<string, unknown>) => raft({ entries: [{ term: 1, index: 1, ...entry }] });
const storage = (payload: unknown) => ({
  protocol: HAMOK_PROTOCOL,
  type: "storage",
  sourceId: "a",
  storageId: "s",
  payload,
});
const hello = (peer: Record<string, unknown>) => ({
  protocol: HAMOK_PROTOCOL,
  type: "hello",
  sourceId: "a",
  peer: { joining: true, canLead: true, term: 0, commit: 0, members: [], ...peer },
});

function verdictOf(value: unknown): string {
  const verdict = validateHamokMessage(value, LIMITS);
  return verdict.ok ? "ok" : verdict.code;
}

function swappedArray(items: unknown[]): unknown[] {
  const array = [...items];
  Object.setPrototypeOf(array, {
    [Symbol.iterator]() {
      throw new TypeError("hostile iterator");
    },
  });
  return array;
}

describe("validation of Raft message shapes", () => {
  it("accepts the leader's refusal of forwarded proposals: proposal ids without entries", () => {
    const refusal = raft({ type: "propose-response", proposalIds: ["x", "y"], reason: "no-leader" });
    delete (refusal.raft as Record<string, unknown>).entries;
    expect(verdictOf(refusal)).toBe("ok");
    expect(verdictOf(raft({ type: "propose-response", proposalIds: ["x"], entries: [] }))).toBe("InvalidMessage");
    expect(verdictOf(raft({ proposalIds: ["x"] }))).toBe("InvalidMessage");
  });

  it("refuses terms above the ceiling, wherever a term appears", () => {
    expect(MAX_TERM).toBe(2 ** 40);
    expect(verdictOf(raft({ term: MAX_TERM }))).toBe("ok");
    expect(verdictOf(raft({ term: MAX_TERM + 1 }))).toBe("InvalidMessage");
    expect(verdictOf(raft({ term: Number.MAX_SAFE_INTEGER }))).toBe("InvalidMessage");
    expect(verdictOf(raft({ term: MAX_TERM + 2, logTerm: MAX_TERM + 1 }))).toBe("InvalidMessage");
    expect(verdictOf(hello({ term: MAX_TERM + 1 }))).toBe("InvalidMessage");
    const snapshot = raft({
      type: "snapshot",
      snapshotMeta: { index: 5, term: MAX_TERM + 1, confState: { voters: ["a"], learners: [] } },
      snapshotOffset: 0,
      snapshotTotal: 1,
      snapshotChunk: new Uint8Array(1),
      snapshotDone: true,
    });
    delete (snapshot.raft as Record<string, unknown>).entries;
    expect(verdictOf(snapshot)).toBe("InvalidMessage");
  });

  it("checks conf-change data beyond type and nodeId and counts it against the size cap", () => {
    const change = { type: "addLearner", nodeId: "x" };
    expect(verdictOf(withEntry({ type: "conf", data: change }))).toBe("ok");
    const huge = { ...change, note: "x".repeat(2 * MiB) };
    expect(verdictOf(withEntry({ type: "conf", data: huge }))).toBe("PayloadTooLarge");
    expect(verdictOf(withEntry({ type: "conf", data: { ...change, fn: () => 1 } }))).toBe("InvalidMessage");
  });

  it("charges every container, so a message of empty containers cannot pass a small cap", () => {
    // 200,000 empty arrays cost 1.6 MB at the 8-byte minimum: over a 1 MiB cap.
    const empties = Array.from({ length: 200_000 }, () => []);
    expect(verdictOf(withEntry({ type: "normal", data: empties }))).toBe("PayloadTooLarge");
    const maps = Array.from({ length: 200_000 }, () => new Map());
    expect(verdictOf(storage(maps))).toBe("PayloadTooLarge");
  });

  it("bounds the work on shared references (a DAG structured clone preserves) by the budget", () => {
    let dag: unknown = [1];
    for (let i = 0; i < 40; i++) dag = [dag, dag];
    expect(verdictOf(storage(dag))).toBe("InvalidMessage");
    let wide: unknown = [1];
    for (let i = 0; i < 30; i++) wide = [wide, wide];
    // 2^30 leaves if walked naively; the budget stops the walk after about 2^17 visits.
    expect(verdictOf(storage(wide))).toBe("PayloadTooLarge");
  });
});

describe("validation of foreign prototypes", () => {
  it.each([
    ["an envelope made with Object.create", () => Object.assign(Object.create({ evil: true }), raft())],
    ["a class instance as envelope", () => Object.assign(new (class Message {})(), raft())],
    [
      "a Raft message with a foreign prototype",
      () => ({ ...raft(), raft: Object.assign(Object.create({}), raft().raft) }),
    ],
    ["entries whose array prototype was swapped", () => raft({ entries: swappedArray([]) })],
    [
      "an entry made with Object.create",
      () => raft({ entries: [Object.create({ term: 1, index: 1, type: "noop", data: null })] }),
    ],
    ["a payload array whose prototype was swapped", () => withEntry({ type: "normal", data: swappedArray([1, 2]) })],
    ["members whose array prototype was swapped", () => hello({ members: swappedArray(["a"]) })],
    ["an object posing as a Map", () => storage(Object.create(Map.prototype))],
    ["an object posing as a Set", () => storage(Object.create(Set.prototype))],
    ["an object posing as a Date", () => storage(Object.create(Date.prototype))],
    ["an object posing as bytes", () => storage(Object.create(Uint8Array.prototype))],
    ["a BigInt", () => storage({ n: 10n })],
  ])("refuses %s as InvalidMessage", (_name, make) => {
    expect(verdictOf(make())).toBe("InvalidMessage");
  });

  it("keeps `__proto__` and `constructor` keys as data: they pollute nothing", () => {
    const payload = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}');
    expect(verdictOf(storage(payload))).toBe("ok");
    expect(verdictOf(withEntry({ type: "normal", data: payload }))).toBe("ok");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
  });

  it("reports a throwing getter or proxy as InvalidMessage instead of throwing", () => {
    const getter = raft();
    Object.defineProperty(getter, "sourceId", {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });
    expect(verdictOf(getter)).toBe("InvalidMessage");
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(verdictOf(storage(proxy))).toBe("InvalidMessage");
  });
});

describe("defaultSizeOf never throws", () => {
  it.each([
    ["an array whose prototype was swapped", () => swappedArray([1, "two", [3]])],
    ["an object posing as a Map", () => Object.create(Map.prototype)],
    ["an object posing as bytes", () => Object.create(Uint8Array.prototype)],
    ["an object posing as an ArrayBuffer", () => Object.create(ArrayBuffer.prototype)],
    [
      "a revoked proxy",
      () => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      },
    ],
    [
      "a throwing getter",
      () =>
        Object.defineProperty({}, "x", {
          enumerable: true,
          get: () => {
            throw new Error("boom");
          },
        }),
    ],
  ])("on %s", (_name, make) => {
    const size = defaultSizeOf(make());
    expect(Number.isFinite(size)).toBe(true);
    expect(size).toBeGreaterThan(0);
  });

  it("sizes an array with a swapped prototype by its elements, and stays bounded on a DAG", () => {
    expect(defaultSizeOf(swappedArray(["abcdef"]))).toBe(defaultSizeOf(["abcdef"]));
    let dag: unknown = [1];
    for (let i = 0; i < 40; i++) dag = [dag, dag];
    expect(Number.isFinite(defaultSizeOf(dag))).toBe(true);
  });
});
