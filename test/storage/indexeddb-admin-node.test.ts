import { describe, expect, it } from "vitest";
import { listIndexedDbRaftLogs, pruneIndexedDbRaftLogs } from "../../src/storage/indexeddb/index";

// No fake-indexeddb here: this is Node as it is, without IndexedDB.
describe("IndexedDB housekeeping where there is no IndexedDB (Node)", () => {
  it("listIndexedDbRaftLogs resolves to [] (no IndexedDB holds no databases), not undefined", async () => {
    expect(globalThis.indexedDB).toBeUndefined();
    await expect(listIndexedDbRaftLogs()).resolves.toEqual([]);
    await expect(listIndexedDbRaftLogs({ room: "r" })).resolves.toEqual([]);
  });

  it("a factory that cannot list its databases still resolves to undefined (the list is unknown)", async () => {
    const unlisting = {} as IDBFactory;
    await expect(listIndexedDbRaftLogs({ indexedDB: unlisting })).resolves.toBeUndefined();
  });

  it("pruneIndexedDbRaftLogs deletes nothing", async () => {
    const locks = { query: async () => ({ held: [], pending: [] }) };
    await expect(pruneIndexedDbRaftLogs({ room: "r", members: [], locks })).resolves.toEqual([]);
  });
});
