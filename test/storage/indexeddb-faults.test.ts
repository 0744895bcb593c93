import { IDBObjectStore } from "fake-indexeddb";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type HamokError, isHamokError } from "../../src/errors";
import { deleteIndexedDbRaftLogs } from "../../src/storage/indexeddb";
import { entries, forceClose, freshDb, hardState, recordingFactory } from "./helpers";

/** Make the `n`-th `put` of the next transactions misbehave, as a failing disk or a killed tab would. */
function failPut(n: number, fail: (store: IDBObjectStore) => void): void {
  const put = IDBObjectStore.prototype.put;
  let calls = 0;
  vi.spyOn(IDBObjectStore.prototype, "put").mockImplementation(function (this: IDBObjectStore, ...args) {
    calls += 1;
    if (calls === n) fail(this);
    return put.apply(this, args);
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("IndexedDbRaftLogs faults", () => {
  it("a transaction aborted midway leaves the previous state, reports the error and refuses later writes", async () => {
    const { open } = freshDb();
    const logs = open();
    const errors: HamokError[] = [];
    logs.on("error", (error) => errors.push(error));
    await logs.save({ hardState: hardState(1, "peer-1", 2), entries: entries(1, 3, 1) });

    // Abort the next save midway: entries from 3 on are already deleted and the run [1, 2] rewritten in its transaction.
    failPut(2, (store) => store.transaction.abort());
    const aborted = logs.save({ hardState: hardState(2, "peer-2", 3), entries: entries(3, 4, 2) });
    await expect(aborted).rejects.toSatisfy((error) => isHamokError(error, "StorageFailure"));
    vi.restoreAllMocks();

    expect(errors).toHaveLength(1);
    const state = await logs.load();
    expect(state.hardState).toEqual(hardState(1, "peer-1", 2));
    expect(state.entries).toEqual(entries(1, 3, 1));
    expect(logs.stats()).toMatchObject({ entries: 3, lastIndex: 3 });
    expect(logs.failed).toBeDefined();

    const refused = logs.save({ entries: entries(4, 1, 1) });
    await expect(refused).rejects.toSatisfy((error) => isHamokError(error, "StorageFailure"));
    await logs.close();

    // A restarted peer starts from what was persisted and writes again.
    const restarted = open();
    expect((await restarted.load()).entries).toEqual(entries(1, 3, 1));
    await restarted.save({ entries: entries(4, 1, 1) });
    expect(restarted.stats().lastIndex).toBe(4);
    await restarted.close();
  });

  it("an entry that cannot be cloned fails the whole save; nothing of it is read back", async () => {
    const { open } = freshDb();
    const logs = open();
    await logs.save({ entries: entries(1, 2, 1) });
    const bad = { term: 1, index: 4, type: "normal" as const, data: { callback: () => 1 } };
    const saving = logs.save({ hardState: hardState(3, null, 0), entries: [...entries(3, 1, 1), bad] });
    await expect(saving).rejects.toSatisfy(
      (error) => isHamokError(error, "StorageFailure") && (error.cause as DOMException).name === "DataCloneError",
    );
    const state = await logs.load();
    expect(state.entries).toEqual(entries(1, 2, 1));
    expect(state.hardState).toEqual(hardState(0, null, 0));
    await logs.close();
  });

  it("quota exceeded: the save rejects with a clear error, persisted state stays readable, writes stay refused", async () => {
    const { open } = freshDb();
    const logs = open();
    const errors: HamokError[] = [];
    logs.on("error", (error) => errors.push(error));
    await logs.save({ entries: entries(1, 5, 1) });
    failPut(1, () => {
      throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    });
    const full = logs.save({ entries: entries(6, 5, 1) });
    await expect(full).rejects.toThrow(/quota is exceeded/);
    vi.restoreAllMocks();
    expect(errors[0]?.code).toBe("StorageFailure");
    expect((errors[0]!.cause as DOMException).name).toBe("QuotaExceededError");
    expect((await logs.load()).entries).toEqual(entries(1, 5, 1));
    await expect(logs.save({ entries: entries(6, 1, 1) })).rejects.toThrow(/refuses writes/);
    await logs.close();
  });

  it("a connection closed underneath is reopened and the save retried once", async () => {
    const { factory: base, open } = freshDb();
    const { factory, connections } = recordingFactory(base);
    const logs = open({ indexedDB: factory });
    await logs.save({ entries: entries(1, 2, 1) });
    expect(connections).toHaveLength(1);
    forceClose(connections[0]!);
    await logs.save({ entries: entries(3, 2, 1) });
    expect(connections).toHaveLength(2);
    // A connection closed without the close event (the transaction call itself fails) is retried too.
    (connections[1] as IDBDatabase).close();
    await logs.save({ entries: entries(5, 1, 1), hardState: hardState(1, null, 5) });
    expect(connections).toHaveLength(3);
    expect(logs.failed).toBeUndefined();
    const state = await logs.load();
    expect(state.entries).toEqual(entries(1, 5, 1));
    expect(state.hardState).toEqual(hardState(1, null, 5));
    await logs.close();
  });

  it("another tab upgrading the database closes this connection; the next save fails with UnsupportedVersion", async () => {
    const { factory, open } = freshDb();
    const logs = open();
    await logs.save({ entries: entries(1, 1, 1) });
    const upgrade = factory.open(logs.name, 2);
    let blocked = false;
    upgrade.onblocked = () => {
      blocked = true;
    };
    const upgraded = await new Promise<IDBDatabase>((resolve) => {
      upgrade.onsuccess = () => resolve(upgrade.result);
    });
    expect(blocked).toBe(false);
    upgraded.close();
    await expect(logs.save({ entries: entries(2, 1, 1) })).rejects.toSatisfy((error) =>
      isHamokError(error, "UnsupportedVersion"),
    );
    await logs.close();
  });

  it("deleting the database of a live storage is not blocked, and the storage fails from then on", async () => {
    const { factory, open } = freshDb();
    const logs = open();
    await logs.save({ entries: entries(1, 1, 1) });
    const onBlocked = vi.fn();
    await deleteIndexedDbRaftLogs({ room: "room", peerId: "peer-1", indexedDB: factory, onBlocked });
    expect(onBlocked).not.toHaveBeenCalled();
    await expect(logs.save({ entries: entries(2, 1, 1) })).rejects.toThrow(/deleted/);
    await expect(logs.load()).rejects.toThrow(/deleted/);
    expect((await factory.databases()).map((db) => db.name)).toEqual([]);
    await logs.close();
  });

  it("a database cleared while closed underneath is not silently recreated empty", async () => {
    const { factory: base, open } = freshDb();
    const { factory, connections } = recordingFactory(base);
    const logs = open({ indexedDB: factory });
    await logs.save({ hardState: hardState(4, "peer-1", 0) });
    const raw = connections[0] as IDBDatabase;
    raw.onversionchange = null;
    forceClose(raw);
    await new Promise<void>((resolve) => {
      base.deleteDatabase(logs.name).onsuccess = () => resolve();
    });
    await expect(logs.save({ hardState: hardState(5, null, 0) })).rejects.toThrow(/disappeared/);
    await logs.close();
  });
});
