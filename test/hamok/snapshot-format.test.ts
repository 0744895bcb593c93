import { describe, expect, it } from "vitest";
import type { ApplyContext } from "../../src/collections/contract";
import {
  createJsonCodec,
  createStateMachine,
  MapStateMachine,
  RemoteMapStateMachine,
} from "../../src/collections/index";
import { packRequests } from "../../src/runtime/replicated/packed-requests";
import { ReplicatedState } from "../../src/runtime/replicated/replicated-state";

const json = createJsonCodec<unknown>();
const bytes = (value: unknown) => json.encode(value);
const context = (index: number): ApplyContext => ({
  index,
  term: 1,
  sourcePeerId: "p1",
  requestId: `s:${index}`,
  localIsLeader: false,
});
const set = (machine: MapStateMachine, index: number, entries: [unknown, unknown][]) =>
  machine.apply(
    {
      storageId: "m",
      storageType: machine.type,
      op: "set",
      args: { entries: entries.map(([k, v]) => [bytes(k), bytes(v)]) },
    },
    context(index),
  );
const decoded = (machine: MapStateMachine) => [...machine.entries()].map(([k, v]) => [json.decode(k), json.decode(v)]);

describe("snapshot formats", () => {
  it("a map state machine exports its entries packed and imports them back in order, long values too", () => {
    const machine = new MapStateMachine();
    set(machine, 1, [
      ["b", 1],
      ["a", "x".repeat(300)],
      ["", null],
    ]);
    const exported = machine.export() as { packed: Uint8Array };
    expect(exported.packed).toBeInstanceOf(Uint8Array);
    const copy = new MapStateMachine();
    copy.import(exported);
    expect(decoded(copy)).toEqual(decoded(machine));
    expect(decoded(copy)[1]).toEqual(["a", "x".repeat(300)]);
  });

  it("still imports the entry-list form, and treats a malformed packed state as empty", () => {
    const machine = new MapStateMachine();
    machine.import({ entries: [[bytes("k"), bytes(7)]] });
    expect(decoded(machine)).toEqual([["k", 7]]);
    machine.import({ packed: new Uint8Array([5, 1, 2]) });
    expect(machine.size).toBe(0);
  });

  it("a remote map keeps its pending writes across export and import", () => {
    const machine = new RemoteMapStateMachine();
    set(machine, 3, [["k", 1]]);
    const copy = new RemoteMapStateMachine();
    copy.import(machine.export());
    expect(decoded(copy)).toEqual([["k", 1]]);
    expect(copy.dirtyCount).toBe(1);
  });

  it("a replicated state restores machines and dedup records from its snapshot", () => {
    const applied: unknown[] = [];
    const hooks = {
      onRequestApplied: (_p: unknown, result: unknown) => void applied.push(result),
      onRestored: () => {},
    };
    const state = new ReplicatedState(createStateMachine, hooks);
    const request = (seq: number) => ({
      kind: "request",
      sourcePeerId: "p1",
      session: "s1",
      seq,
      ackBelow: 1,
      command: { storageId: "m", storageType: "map", op: "set", args: { entries: [[bytes(`k${seq}`), bytes(seq)]] } },
    });
    state.applyEntry({ term: 1, index: 1, type: "normal", data: request(1) }, false);
    state.applyEntry({ term: 1, index: 2, type: "normal", data: request(2) }, false);
    const restored = new ReplicatedState(createStateMachine, hooks);
    restored.restore(state.snapshotData());
    expect(decoded(restored.machines.get("m") as MapStateMachine)).toEqual([
      ["k1", 1],
      ["k2", 2],
    ]);
    // A retry of seq 2 is answered from the restored record, not applied again.
    restored.applyEntry({ term: 1, index: 3, type: "normal", data: request(2) }, false);
    expect(applied.at(-1)).toEqual({ ok: true, value: [null] });
    expect((restored.machines.get("m") as MapStateMachine).size).toBe(2);
  });

  it("restores a snapshot taken while thousands of one session's results await acknowledgement", () => {
    // Pipelined writes all carry the same ackBelow until the first answer comes back: every result is kept.
    const applied: unknown[] = [];
    const hooks = {
      onRequestApplied: (_p: unknown, result: unknown) => void applied.push(result),
      onRestored: () => {},
    };
    const state = new ReplicatedState(createStateMachine, hooks);
    const pending = 10_000;
    const seqs = Array.from({ length: pending }, (_, i) => i + 1);
    // Deletes of absent keys: the state stays tiny, the results do not.
    const commands = seqs.map((seq) => ({
      storageId: "m",
      storageType: "map" as const,
      op: "delete",
      args: { keys: [bytes(`k${seq}`)] },
    }));
    const data = packRequests("p1", "s1", seqs, new Array<number>(pending).fill(1), commands);
    state.applyEntry({ term: 1, index: 1, type: "normal", data }, false);
    const restored = new ReplicatedState(createStateMachine, hooks);
    restored.restore(state.snapshotData());
    expect((restored.machines.get("m") as MapStateMachine).size).toBe(0);
    // A retry of the last one is answered from the restored record, not applied again.
    const retry = packRequests("p1", "s1", [pending], [1], [commands[pending - 1]!]);
    restored.applyEntry({ term: 1, index: 2, type: "normal", data: retry }, false);
    expect(applied.at(-1)).toEqual({ ok: true, value: [null] });
  });
});
