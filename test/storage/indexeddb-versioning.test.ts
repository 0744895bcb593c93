import { describe, expect, it, vi } from "vitest";
import { type HamokError, isHamokError } from "../../src/errors";
import {
  createIndexedDbRaftLogs,
  deleteIndexedDbRaftLogs,
  FORMAT_VERSION,
  IndexedDbRaftLogs,
  indexedDbRaftLogsName,
  listIndexedDbRaftLogs,
  parseIndexedDbRaftLogsName,
  pruneIndexedDbRaftLogs,
  SCHEMA_VERSION,
} from "../../src/storage/indexeddb";
import { peerIdLockName } from "../../src/storage/peer-identity";
import { entries, freshDb, hardState } from "./helpers";

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

describe("IndexedDbRaftLogs schema versioning", () => {
  it("a database whose format record is newer fails with UnsupportedVersion and an error event", async () => {
    const { factory, open } = freshDb();
    const writer = open();
    await writer.save({ entries: entries(1, 1, 1) });
    await writer.close();
    const raw = await request(factory.open(writer.name, SCHEMA_VERSION));
    const format = await request(raw.transaction("state").objectStore("state").get("format"));
    expect(format).toEqual({ formatVersion: FORMAT_VERSION, room: "room", peerId: "peer-1" });
    await request(
      raw
        .transaction("state", "readwrite")
        .objectStore("state")
        .put({ ...format, formatVersion: FORMAT_VERSION + 1 }, "format"),
    );
    raw.close();

    const reader = open();
    const errors: HamokError[] = [];
    reader.on("error", (error) => errors.push(error));
    await expect(reader.load()).rejects.toSatisfy((error) => isHamokError(error, "UnsupportedVersion"));
    expect(errors.map((error) => error.code)).toEqual(["UnsupportedVersion"]);
    await reader.close();
  });

  it("a database upgraded to a newer schema version fails with UnsupportedVersion", async () => {
    const { factory, open } = freshDb();
    const raw = await request(factory.open(indexedDbRaftLogsName("room", "peer-1"), SCHEMA_VERSION + 1));
    raw.close();
    const logs = open();
    await expect(logs.save({ hardState: hardState(1, null, 0) })).rejects.toSatisfy((error) =>
      isHamokError(error, "UnsupportedVersion"),
    );
    await logs.close();
  });

  it("a database of the same name that is not Hamok's is refused, not misread", async () => {
    const { factory, open } = freshDb();
    const raw = await request(factory.open(indexedDbRaftLogsName("room", "peer-1"), SCHEMA_VERSION));
    raw.close();
    const logs = open();
    await expect(logs.load()).rejects.toThrow(/not a Hamok database/);
    await logs.close();
  });
});

describe("IndexedDbRaftLogs naming", () => {
  it("names databases by room and peer id, encoding separators so pairs never collide", () => {
    expect(indexedDbRaftLogsName("room", "peer-1")).toBe("hamok/room/peer-1");
    expect(indexedDbRaftLogsName("a/b", "c")).not.toBe(indexedDbRaftLogsName("a", "b/c"));
    expect(parseIndexedDbRaftLogsName(indexedDbRaftLogsName("a/b", "c%d"))).toEqual({ room: "a/b", peerId: "c%d" });
    expect(parseIndexedDbRaftLogsName("other-app")).toBeUndefined();
  });

  it("two rooms and two peers of one origin keep separate data", async () => {
    const { open } = freshDb();
    const a1 = open({ room: "a", peerId: "p1" });
    const a2 = open({ room: "a", peerId: "p2" });
    const b1 = open({ room: "b", peerId: "p1" });
    await a1.save({ entries: entries(1, 3, 1), hardState: hardState(1, "p1", 0) });
    await a2.save({ entries: entries(1, 1, 7) });
    await b1.save({ hardState: hardState(9, null, 0) });
    expect((await a1.load()).entries).toEqual(entries(1, 3, 1));
    expect((await a2.load()).entries).toEqual(entries(1, 1, 7));
    expect((await b1.load()).hardState).toEqual(hardState(9, null, 0));
    expect((await b1.load()).entries).toEqual([]);
    await Promise.all([a1.close(), a2.close(), b1.close()]);
  });

  it("an explicit dbName still refuses another peer's database", async () => {
    const { open } = freshDb();
    const mine = open({ dbName: "shared", peerId: "p1" });
    await mine.save({ entries: entries(1, 1, 1) });
    await mine.close();
    const theirs = open({ dbName: "shared", peerId: "p2" });
    expect(theirs.name).toBe("shared");
    await expect(theirs.load()).rejects.toThrow(/belongs to peer p1/);
    await theirs.close();
  });

  it("lists the peer databases of a room and deletes one that left", async () => {
    const { factory, open } = freshDb();
    for (const [room, peerId] of [
      ["a", "p1"],
      ["a", "p2"],
      ["b", "p1"],
    ] as const) {
      const logs = open({ room, peerId });
      await logs.save({ entries: entries(1, 1, 1) });
      await logs.close();
    }
    const listed = await listIndexedDbRaftLogs({ room: "a", indexedDB: factory });
    expect(listed?.map(({ room, peerId }) => `${room}/${peerId}`).sort()).toEqual(["a/p1", "a/p2"]);
    await deleteIndexedDbRaftLogs({ room: "a", peerId: "p2", indexedDB: factory });
    expect((await listIndexedDbRaftLogs({ indexedDB: factory }))?.map((db) => db.name).sort()).toEqual([
      "hamok/a/p1",
      "hamok/b/p1",
    ]);
  });

  it("prunes the databases of peers that are neither members nor held by a live tab", async () => {
    const { factory, open } = freshDb();
    for (const peerId of ["member", "live", "gone"]) {
      const logs = open({ room: "r", peerId });
      await logs.save({ entries: entries(1, 1, 1) });
      await logs.close();
    }
    const other = open({ room: "other", peerId: "gone" });
    await other.save({ entries: entries(1, 1, 1) });
    await other.close();
    const locks = {
      query: async () => ({ held: [{ name: peerIdLockName("r", "live"), mode: "exclusive" as const }], pending: [] }),
    };
    const pruned = await pruneIndexedDbRaftLogs({ room: "r", members: ["member"], indexedDB: factory, locks });
    expect(pruned).toEqual(["gone"]);
    expect((await listIndexedDbRaftLogs({ indexedDB: factory }))?.map((db) => db.name).sort()).toEqual([
      "hamok/other/gone",
      "hamok/r/live",
      "hamok/r/member",
    ]);
    // Without Web Locks a live tab cannot be told from a closed one: nothing is deleted.
    await expect(pruneIndexedDbRaftLogs({ room: "r", members: [], indexedDB: factory, locks: null })).resolves.toEqual(
      [],
    );
    expect(await listIndexedDbRaftLogs({ room: "r", indexedDB: factory })).toHaveLength(2);
  });

  it("listing resolves undefined where indexedDB.databases() is missing", async () => {
    const { factory } = freshDb();
    const withoutListing = Object.create(factory) as IDBFactory;
    Object.defineProperty(withoutListing, "databases", { value: undefined });
    await expect(listIndexedDbRaftLogs({ indexedDB: withoutListing })).resolves.toBeUndefined();
  });

  it("a deletion blocked by a connection that does not close waits and reports it", async () => {
    const { factory } = freshDb();
    const logs = createIndexedDbRaftLogs({ room: "r", peerId: "p", indexedDB: factory });
    await logs.save({ entries: entries(1, 1, 1) });
    await logs.close();
    const stubborn = await request(factory.open(logs.name));
    const onBlocked = vi.fn(() => stubborn.close());
    await deleteIndexedDbRaftLogs({ room: "r", peerId: "p", indexedDB: factory, onBlocked });
    expect(onBlocked).toHaveBeenCalledOnce();
    expect(await factory.databases()).toEqual([]);
  });
});

describe("IndexedDbRaftLogs options", () => {
  it("uses the requested transaction durability for saves", async () => {
    const { factory } = freshDb();
    const strict = new IndexedDbRaftLogs({ room: "r", peerId: "p", indexedDB: factory, durability: "strict" });
    const spy = vi.spyOn(IDBDatabase.prototype, "transaction");
    await strict.save({ entries: entries(1, 1, 1) });
    const writes = spy.mock.calls.filter(([, mode]) => mode === "readwrite");
    expect(writes.map(([, , options]) => options)).toEqual([{ durability: "strict" }]);
    spy.mockRestore();
    await strict.close();
  });

  it("defaults to relaxed durability", () => {
    const { factory } = freshDb();
    expect(createIndexedDbRaftLogs({ room: "r", peerId: "p", indexedDB: factory }).durability).toBe("relaxed");
  });
});
