import { describe, expect, it } from "vitest";
import { isHamokError } from "../../src/errors";
import type { Entry } from "../../src/raft/types";
import { MemoryRaftLogs } from "../../src/storage/memory-raft-logs";

const entry = (index: number, term = 1): Entry => ({ index, term, type: "normal", data: index });

describe("MemoryRaftLogs", () => {
  it("starts empty", async () => {
    const logs = new MemoryRaftLogs();
    expect(await logs.load()).toEqual({ hardState: { term: 0, vote: null, commit: 0 }, entries: [], meta: {} });
    expect(logs.stats()).toEqual({ entries: 0, firstIndex: 1, lastIndex: 0, snapshotIndex: 0, snapshotBytes: 0 });
  });

  it("appends, truncates a conflicting suffix and keeps hard state and meta", async () => {
    const logs = new MemoryRaftLogs();
    await logs.save({ entries: [entry(1), entry(2), entry(3)], hardState: { term: 1, vote: "a", commit: 1 } });
    await logs.save({ entries: [entry(2, 2)], meta: { clusterId: "c" } });
    const state = await logs.load();
    expect(state.entries).toEqual([entry(1), entry(2, 2)]);
    expect(state.hardState).toEqual({ term: 1, vote: "a", commit: 1 });
    expect(state.meta).toEqual({ clusterId: "c" });
  });

  it("refuses a gap or an entry before the stored log", async () => {
    const logs = new MemoryRaftLogs();
    await logs.save({ entries: [entry(1)] });
    await expect(logs.save({ entries: [entry(3)] })).rejects.toSatisfy((e) => isHamokError(e, "StorageFailure"));
  });

  it("stores a snapshot and compacts the entries it covers", async () => {
    const logs = new MemoryRaftLogs();
    await logs.save({ entries: [1, 2, 3, 4].map((i) => entry(i)) });
    const snapshot = {
      meta: { index: 2, term: 1, confState: { voters: ["a"], learners: [] } },
      data: new Uint8Array(5),
    };
    await logs.save({ snapshot, compactTo: 2 });
    const state = await logs.load();
    expect(state.snapshot).toBe(snapshot);
    expect(state.entries.map((e) => e.index)).toEqual([3, 4]);
    expect(logs.stats()).toEqual({ entries: 2, firstIndex: 3, lastIndex: 4, snapshotIndex: 2, snapshotBytes: 5 });
    // A snapshot past the log (installed from a leader) drops everything before it.
    const later = { ...snapshot, meta: { ...snapshot.meta, index: 10 } };
    await logs.save({ snapshot: later });
    expect((await logs.load()).entries).toEqual([]);
    await logs.save({ entries: [entry(11)] });
    expect(logs.stats().lastIndex).toBe(11);
  });

  it("rejects with Closed after close", async () => {
    const logs = new MemoryRaftLogs();
    await logs.close();
    await expect(logs.load()).rejects.toSatisfy((e) => isHamokError(e, "Closed"));
    await expect(logs.save({})).rejects.toSatisfy((e) => isHamokError(e, "Closed"));
  });
});
