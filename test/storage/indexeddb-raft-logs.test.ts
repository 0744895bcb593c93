import { describe, expect, it } from "vitest";
import { isHamokError } from "../../src/errors";
import { entries, freshDb, hardState, snapshot } from "./helpers";

describe("IndexedDbRaftLogs round trips", () => {
  it("an empty database loads as term 0, no vote, commit 0, no entries", async () => {
    const { open } = freshDb();
    const logs = open();
    await expect(logs.load()).resolves.toEqual({ hardState: hardState(0, null, 0), entries: [], meta: {} });
    expect(logs.stats()).toEqual({ entries: 0, firstIndex: 1, lastIndex: 0, snapshotIndex: 0, snapshotBytes: 0 });
    await logs.close();
  });

  it("a reopened storage reads back hard state, entries with Uint8Array data, and meta", async () => {
    const { open } = freshDb();
    const first = open();
    const withBytes = { term: 2, index: 4, type: "normal" as const, data: { blob: new Uint8Array([1, 2, 3]) } };
    await first.save({
      hardState: hardState(2, "peer-2", 3),
      entries: [...entries(1, 3, 1), withBytes],
      meta: { clusterId: "c-1", bootstrap: { voters: ["peer-1"] } },
    });
    await first.close();

    const second = open();
    const state = await second.load();
    expect(state.hardState).toEqual(hardState(2, "peer-2", 3));
    expect(state.entries).toEqual([...entries(1, 3, 1), withBytes]);
    expect(state.entries[3]?.data).toEqual({ blob: new Uint8Array([1, 2, 3]) });
    expect(state.meta).toEqual({ clusterId: "c-1", bootstrap: { voters: ["peer-1"] } });
    expect(second.stats()).toMatchObject({ entries: 4, firstIndex: 1, lastIndex: 4 });
    await second.close();
  });

  it("stats are correct right after opening, before any load", async () => {
    const { open } = freshDb();
    const first = open();
    await first.save({ entries: entries(1, 10, 1) });
    await first.save({ snapshot: snapshot(4, 1, 16), compactTo: 4 });
    await first.close();
    const second = open();
    await second.save({ hardState: hardState(1, null, 10) });
    expect(second.stats()).toEqual({ entries: 6, firstIndex: 5, lastIndex: 10, snapshotIndex: 4, snapshotBytes: 16 });
    await second.close();
  });

  it("a meta key set to undefined is deleted", async () => {
    const { open } = freshDb();
    const logs = open();
    await logs.save({ meta: { a: 1, b: 2 } });
    await logs.save({ meta: { a: undefined, c: 3 } });
    expect((await logs.load()).meta).toEqual({ b: 2, c: 3 });
    await logs.close();
  });

  it("stores a subarray's own bytes, not the whole buffer behind it", async () => {
    const { open } = freshDb();
    const logs = open();
    const frame = new Uint8Array(1 << 20).fill(7);
    await logs.save({ entries: [{ term: 1, index: 1, type: "normal", data: [{ payload: frame.subarray(10, 14) }] }] });
    const [entry] = (await logs.load()).entries;
    const payload = (entry!.data as { payload: Uint8Array }[])[0]!.payload;
    expect(payload).toEqual(new Uint8Array([7, 7, 7, 7]));
    expect(payload.buffer.byteLength).toBe(4);
    await logs.close();
  });
});

describe("IndexedDbRaftLogs log rules", () => {
  it("a conflicting entry replaces the stored one and every later entry (Raft §5.3)", async () => {
    const { open } = freshDb();
    const logs = open();
    await logs.save({ entries: entries(1, 5, 1) });
    await logs.save({ entries: entries(3, 2, 2) });
    expect((await logs.load()).entries).toEqual([...entries(1, 2, 1), ...entries(3, 2, 2)]);
    expect(logs.stats()).toMatchObject({ entries: 4, lastIndex: 4 });
    await logs.close();
  });

  it("an append that would leave a gap is refused with InvalidArgument and changes nothing", async () => {
    const { open } = freshDb();
    const logs = open();
    await logs.save({ entries: entries(1, 2, 1) });
    const refused = logs.save({ hardState: hardState(5, null, 0), entries: entries(4, 1, 1) });
    await expect(refused).rejects.toSatisfy((error) => isHamokError(error, "InvalidArgument"));
    const state = await logs.load();
    expect(state.entries).toEqual(entries(1, 2, 1));
    expect(state.hardState).toEqual(hardState(0, null, 0));
    await logs.save({ entries: entries(3, 1, 1) });
    expect(logs.stats().lastIndex).toBe(3);
    await logs.close();
  });

  it("non-contiguous entries in one batch are refused", async () => {
    const { open } = freshDb();
    const logs = open();
    const batch = [...entries(1, 2, 1), ...entries(4, 1, 1)];
    await expect(logs.save({ entries: batch })).rejects.toSatisfy((error) => isHamokError(error, "InvalidArgument"));
    expect((await logs.load()).entries).toEqual([]);
    await logs.close();
  });

  it("a snapshot with compactTo deletes the covered entries in the same save", async () => {
    const { open } = freshDb();
    const logs = open();
    await logs.save({ entries: entries(1, 10, 1) });
    await logs.save({ snapshot: snapshot(6, 1), compactTo: 6, hardState: hardState(1, null, 10) });
    const state = await logs.load();
    expect(state.snapshot).toEqual(snapshot(6, 1));
    expect(state.entries).toEqual(entries(7, 4, 1));
    expect(logs.stats()).toEqual({ entries: 4, firstIndex: 7, lastIndex: 10, snapshotIndex: 6, snapshotBytes: 8 });
    await logs.close();
  });

  it("a snapshot without compaction keeps entries but load returns only those after it", async () => {
    const { open } = freshDb();
    const logs = open();
    await logs.save({ entries: entries(1, 10, 1) });
    await logs.save({ snapshot: snapshot(6, 1) });
    expect((await logs.load()).entries).toEqual(entries(7, 4, 1));
    expect(logs.stats()).toMatchObject({ entries: 10, firstIndex: 1 });
    await logs.save({ compactTo: 6 });
    expect(logs.stats()).toMatchObject({ entries: 4, firstIndex: 7 });
    await logs.close();
  });

  it("a received snapshot that describes a prefix of the log keeps the entries after it (Raft §7)", async () => {
    const { open } = freshDb();
    const logs = open();
    await logs.save({ entries: entries(1, 8, 2) });
    await logs.save({ snapshot: snapshot(5, 2) });
    expect((await logs.load()).entries).toEqual(entries(6, 3, 2));
    await logs.close();
  });

  it("a received snapshot that disagrees with the log discards the whole log (Raft §7)", async () => {
    const { open } = freshDb();
    const logs = open();
    await logs.save({ entries: entries(1, 8, 1) });
    await logs.save({ snapshot: snapshot(5, 3), entries: entries(6, 2, 3) });
    const state = await logs.load();
    expect(state.snapshot?.meta).toMatchObject({ index: 5, term: 3 });
    expect(state.entries).toEqual(entries(6, 2, 3));
    expect(logs.stats()).toMatchObject({ entries: 2, firstIndex: 6, lastIndex: 7 });
    await logs.close();
  });

  it("a snapshot beyond the log leaves an empty log after it", async () => {
    const { open } = freshDb();
    const logs = open();
    await logs.save({ entries: entries(1, 3, 1) });
    await logs.save({ snapshot: snapshot(20, 4) });
    expect((await logs.load()).entries).toEqual([]);
    expect(logs.stats()).toEqual({ entries: 0, firstIndex: 21, lastIndex: 20, snapshotIndex: 20, snapshotBytes: 8 });
    await logs.save({ entries: entries(21, 1, 4) });
    expect((await logs.load()).entries).toEqual(entries(21, 1, 4));
    await logs.close();
  });

  it("entries at or below the snapshot in the same batch are not stored", async () => {
    const { open } = freshDb();
    const logs = open();
    await logs.save({ snapshot: snapshot(5, 1), entries: entries(4, 4, 1) });
    expect((await logs.load()).entries).toEqual(entries(6, 2, 1));
    await logs.close();
  });

  it("compaction past the snapshot and a snapshot older than the stored one are refused", async () => {
    const { open } = freshDb();
    const logs = open();
    await logs.save({ entries: entries(1, 10, 1) });
    await logs.save({ snapshot: snapshot(3, 1) });
    await expect(logs.save({ compactTo: 5 })).rejects.toSatisfy((error) => isHamokError(error, "InvalidArgument"));
    await expect(logs.save({ snapshot: snapshot(2, 1) })).rejects.toSatisfy((error) =>
      isHamokError(error, "InvalidArgument"),
    );
    expect((await logs.load()).snapshot?.meta.index).toBe(3);
    expect(logs.stats()).toMatchObject({ entries: 10, firstIndex: 1 });
    await logs.close();
  });
});

describe("IndexedDbRaftLogs close", () => {
  it("calls after close reject with Closed; close is idempotent", async () => {
    const { open } = freshDb();
    const logs = open();
    await logs.save({ entries: entries(1, 1, 1) });
    await logs.close();
    await logs.close();
    await expect(logs.load()).rejects.toSatisfy((error) => isHamokError(error, "Closed"));
    await expect(logs.save({ entries: entries(2, 1, 1) })).rejects.toSatisfy((error) => isHamokError(error, "Closed"));
  });

  it("close waits for a save in flight, which is persisted", async () => {
    const { open } = freshDb();
    const logs = open();
    const saving = logs.save({ entries: entries(1, 50, 1) });
    await logs.close();
    await saving;
    const reopened = open();
    expect((await reopened.load()).entries).toHaveLength(50);
    await reopened.close();
  });
});
