import { describe, expect, it } from "vitest";
import type { Entry, RaftStatus } from "../../src/raft/types";
import { MemoryStorage } from "../raft/harness";
import { SafetyChecker } from "./checker";

const leader = (id: string, term: number): RaftStatus => ({
  id,
  role: "leader",
  term,
  vote: id,
  leaderId: id,
  commit: 0,
  applied: 0,
  firstIndex: 1,
  lastIndex: 0,
  snapshotIndex: 0,
  confState: { voters: [], learners: [] },
  leadTransferee: null,
});
const e = (index: number, term: number, data: unknown): Entry => ({ index, term, type: "normal", data });

function stored(...entries: Entry[]): MemoryStorage {
  const s = new MemoryStorage();
  s.entries = entries;
  return s;
}

// The simulation is only as good as its checker: each property must catch its violation.
describe("simulation safety checker", () => {
  it("flags two leaders in one term", () => {
    const c = new SafetyChecker();
    c.checkLeader(leader("a", 3));
    c.checkLeader(leader("a", 3));
    c.checkLeader(leader("b", 4));
    expect(c.violations).toEqual([]);
    c.checkLeader(leader("b", 3));
    expect(c.violations[0]).toMatch(/two leaders in term 3/);
  });

  it("flags entries with the same index and term but different content or history", () => {
    const c = new SafetyChecker();
    c.checkPersisted("a", stored(e(1, 1, "x"), e(2, 2, "y")), [e(1, 1, "x"), e(2, 2, "y")]);
    c.checkPersisted("b", stored(e(1, 1, "x"), e(2, 2, "y")), [e(2, 2, "y")]);
    expect(c.violations).toEqual([]);
    c.checkPersisted("c", stored(e(1, 1, "x"), e(2, 2, "z")), [e(2, 2, "z")]);
    expect(c.violations[0]).toMatch(/log matching/);
    const d = new SafetyChecker();
    d.checkPersisted("a", stored(e(1, 1, "x"), e(2, 2, "y")), [e(2, 2, "y")]);
    d.checkPersisted("b", stored(e(1, 2, "x"), e(2, 2, "y")), [e(2, 2, "y")]);
    expect(d.violations[0]).toMatch(/prev term/);
  });

  it("flags different entries applied at one index, and diverging states", () => {
    const c = new SafetyChecker();
    c.checkApplied("a", e(1, 1, "x"), 10);
    c.checkApplied("b", e(1, 1, "x"), 10);
    expect(c.violations).toEqual([]);
    c.checkApplied("c", e(1, 2, "y"), 11);
    expect(c.violations.join()).toMatch(/state machine safety/);
  });

  it("flags a new leader that lacks a committed entry", () => {
    const c = new SafetyChecker();
    c.checkApplied("a", e(1, 1, "x"), 10);
    c.checkApplied("a", e(2, 1, "y"), 11);
    c.checkLeaderCompleteness("b", 2, stored(e(1, 1, "x"), e(2, 1, "y")));
    expect(c.violations).toEqual([]);
    c.checkLeaderCompleteness("c", 2, stored(e(1, 1, "x")));
    expect(c.violations[0]).toMatch(/leader completeness/);
  });
});
