import { describe, expect, it } from "vitest";
import { createJsonCodec, createStateMachine, MapStateMachine } from "../../src/collections/index";
import { asLogPayload, payloadSize, type RequestBatchPayload } from "../../src/runtime/replicated/log-payload";
import { ReplicatedState } from "../../src/runtime/replicated/replicated-state";
import type { AppliedResult } from "../../src/runtime/replicated/sessions";

const json = createJsonCodec<unknown>();
const bytes = (value: unknown) => json.encode(value);
const setCommand = (key: string, value: unknown) => ({
  storageId: "m",
  storageType: "map" as const,
  op: "set",
  args: { entries: [[bytes(key), bytes(value)]] },
});
const batch = (seqs: number[], overrides: Record<string, unknown> = {}): RequestBatchPayload =>
  ({
    kind: "requests",
    bytes: 100,
    sourcePeerId: "p1",
    session: "s1",
    seqs,
    ackBelows: seqs.map(() => 1),
    commands: seqs.map((seq) => setCommand(`k${seq}`, seq)),
    ...overrides,
  }) as RequestBatchPayload;
const decoded = (machine: MapStateMachine) => [...machine.entries()].map(([k, v]) => [json.decode(k), json.decode(v)]);

function replicatedState() {
  const applied: { seq: number; session: string; result: AppliedResult; duplicate: boolean }[] = [];
  const state = new ReplicatedState(createStateMachine, {
    onRequestApplied: (payload, result, outcome) =>
      void applied.push({ seq: payload.seq, session: payload.session, result, duplicate: outcome === undefined }),
    onRestored: () => {},
  });
  return { state, applied };
}

describe("columnar request batches in the log", () => {
  it("applies every request of a batch in order, each with its own session and seq", () => {
    const { state, applied } = replicatedState();
    const count = state.applyEntry({ term: 1, index: 1, type: "normal", data: batch([1, 2, 3]) }, false);
    expect(count).toBe(3);
    expect(decoded(state.machines.get("m") as MapStateMachine)).toEqual([
      ["k1", 1],
      ["k2", 2],
      ["k3", 3],
    ]);
    expect(applied.map((a) => [a.session, a.seq, a.duplicate])).toEqual([
      ["s1", 1, false],
      ["s1", 2, false],
      ["s1", 3, false],
    ]);
  });

  it("applies a retried batch at most once: its requests are answered from the dedup records", () => {
    const { state, applied } = replicatedState();
    state.applyEntry({ term: 1, index: 1, type: "normal", data: batch([1, 2]) }, false);
    // The same requests again (a retry after a lost answer), with a later one: only seq 3 is new.
    const retry = batch([1, 2, 3], { commands: [setCommand("k1", 99), setCommand("k2", 99), setCommand("k3", 3)] });
    state.applyEntry({ term: 1, index: 2, type: "normal", data: retry }, false);
    expect(decoded(state.machines.get("m") as MapStateMachine)).toEqual([
      ["k1", 1],
      ["k2", 2],
      ["k3", 3],
    ]);
    expect(applied.slice(2).map((a) => [a.seq, a.duplicate])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
  });

  it("ignores malformed batches: columns of different lengths, bad seqs, bad commands", () => {
    const malformed = [
      batch([1, 2], { ackBelows: [1] }),
      batch([1, 2], { seqs: [1, 2.5] }),
      batch([1], { commands: [{ storageId: "m", op: "set" }] }),
      batch([1], { session: 7 }),
      batch([1], { bytes: "many" }),
    ];
    for (const data of malformed) {
      expect(asLogPayload(data)).toBeUndefined();
      const { state, applied } = replicatedState();
      expect(state.applyEntry({ term: 1, index: 1, type: "normal", data }, false)).toBe(1);
      expect(applied).toEqual([]);
      expect(state.machines.size).toBe(0);
    }
  });

  it("takes a batch's size from its own estimate", () => {
    expect(payloadSize(batch([1, 2]), () => Number.NaN)).toBe(100);
  });
});

function machineFrom(state: unknown): MapStateMachine {
  const machine = new MapStateMachine();
  machine.import(state);
  return machine;
}

describe("map export cache", () => {
  it("reuses an export while nothing changed and never returns a stale one", () => {
    const machine = new MapStateMachine();
    const context = { index: 1, term: 1, sourcePeerId: "p1", requestId: "s:1", localIsLeader: false };
    machine.apply(setCommand("a", 1), context);
    const first = machine.export();
    expect(machine.export()).toBe(first);
    machine.apply(setCommand("b", 2), { ...context, index: 2 });
    const second = machine.export();
    expect(second).not.toBe(first);
    const copy = new MapStateMachine();
    copy.import(second);
    expect(decoded(copy)).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
    const reimported = new MapStateMachine();
    reimported.import(first);
    expect(decoded(reimported)).toEqual([["a", 1]]);
    expect(decoded(machineFrom(reimported.export()))).toEqual([["a", 1]]);
    // An import replaces the state: the export follows it.
    reimported.import(second);
    const again = new MapStateMachine();
    again.import(reimported.export());
    expect(decoded(again)).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
  });
});

describe("one-entry map writes", () => {
  const context = { index: 1, term: 1, sourcePeerId: "p1", requestId: "s:1", localIsLeader: false };
  it("applies set and insert of {key, value} like a list of one entry, and ignores a malformed one", () => {
    const machine = new MapStateMachine();
    const one = (op: string, key: unknown, value: unknown) =>
      machine.apply({ storageId: "m", storageType: "map", op, args: { key, value } }, context).result;
    expect(one("set", bytes("a"), bytes(1))).toEqual([null]);
    expect(one("set", bytes("a"), bytes(2))).toEqual([bytes(1)]);
    expect(one("insert", bytes("a"), bytes(3))).toEqual([bytes(2)]);
    expect(one("insert", bytes("b"), bytes(4))).toEqual([null]);
    expect(one("set", bytes("c"), "not bytes")).toBeNull();
    expect(decoded(machine)).toEqual([
      ["a", 2],
      ["b", 4],
    ]);
  });
});
