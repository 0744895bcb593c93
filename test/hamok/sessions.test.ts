import { describe, expect, it } from "vitest";
import type { RequestPayload } from "../../src/runtime/replicated/log-payload";
import { type AppliedResult, SessionTable } from "../../src/runtime/replicated/sessions";

const request = (seq: number, ackBelow: number, session = "s1"): RequestPayload => ({
  kind: "request",
  sourcePeerId: "p1",
  session,
  seq,
  ackBelow,
  command: { storageId: "m", storageType: "map", op: "set" },
});
const ok = (value: unknown): AppliedResult => ({ ok: true, value });

describe("SessionTable (at-most-once, Raft thesis §6.3)", () => {
  it("answers a retried request from its record until the submitter acknowledges it", () => {
    const table = new SessionTable();
    expect(table.lookup(request(1, 1))).toBeUndefined();
    for (let seq = 1; seq <= 5; seq++) table.record(request(seq, 1), ok(seq));
    expect(table.lookup(request(3, 1))).toEqual(ok(3));
    table.record(request(6, 4), ok(6));
    // Below ackBelow: known applied long ago (null), never applied twice.
    expect(table.lookup(request(2, 4))).toBeNull();
    expect(table.lookup(request(4, 4))).toEqual(ok(4));
    expect(table.lookup(request(7, 4))).toBeUndefined();
  });

  it("keeps out-of-order and far-ahead seqs, and drops them once acknowledged", () => {
    const table = new SessionTable();
    table.record(request(10, 1), ok(10));
    table.record(request(8, 1), ok(8));
    table.record(request(100_000, 1), ok("far"));
    table.record(request(12, 1), ok(12));
    expect(table.lookup(request(8, 1))).toEqual(ok(8));
    expect(table.lookup(request(9, 1))).toBeUndefined();
    expect(table.lookup(request(100_000, 1))).toEqual(ok("far"));
    table.record(request(13, 11), ok(13));
    expect(table.lookup(request(10, 11))).toBeNull();
    expect(table.lookup(request(12, 11))).toEqual(ok(12));
    table.record(request(100_001, 100_001), ok(1));
    expect(table.lookup(request(100_000, 100_001))).toBeNull();
    expect(table.lookup(request(100_001, 100_001))).toEqual(ok(1));
  });

  it("survives a long pipelined stream with a lagging acknowledgement", () => {
    const table = new SessionTable();
    let seq = 1;
    for (let round = 0; round < 5; round++) {
      const ack = seq;
      for (let i = 0; i < 3000; i++, seq++) table.record(request(seq, ack), ok(seq));
      expect(table.lookup(request(ack, ack))).toEqual(ok(ack));
      expect(table.lookup(request(seq - 1, ack))).toEqual(ok(seq - 1));
      if (ack > 1) expect(table.lookup(request(ack - 1, ack))).toBeNull();
    }
  });

  it("exports and imports the same records (snapshots), per session, and drops a departed peer's", () => {
    const table = new SessionTable();
    table.record(request(1, 1), ok("a"));
    table.record(request(2, 1), ok("b"));
    table.record(request(7, 1, "s2"), { ok: false, code: "InvalidArgument", message: "no" });
    const copy = new SessionTable();
    copy.import(table.export());
    expect(copy.export()).toEqual(table.export());
    expect(copy.lookup(request(2, 1))).toEqual(ok("b"));
    expect(copy.lookup(request(7, 1, "s2"))).toMatchObject({ ok: false });
    copy.dropPeer("p1");
    expect(copy.size).toBe(0);
  });

  it("still reads the first snapshot form ([seq, result] pairs)", () => {
    const table = new SessionTable();
    table.import([
      [
        "s1",
        "p1",
        2,
        [
          [1, ok("gone")],
          [2, ok("b")],
          [3, ok("c")],
        ],
      ],
    ]);
    expect(table.lookup(request(1, 2))).toBeNull();
    expect(table.lookup(request(3, 2))).toEqual(ok("c"));
  });
});
