import { describe, expect, it } from "vitest";
import type { Entry } from "../../src/raft/types";
import { SaveQueue } from "../../src/runtime/peer/save-queue";
import { MemoryRaftLogs } from "../../src/storage/memory-raft-logs";
import type { SaveBatch } from "../../src/storage/raft-logs";

function entries(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let index = from; index <= to; index++) out.push({ term, index, type: "normal", data: `${term}/${index}` });
  return out;
}

/** A storage whose saves complete only when the test says so. */
function gatedStorage() {
  const logs = new MemoryRaftLogs();
  const written: SaveBatch[] = [];
  const release: (() => void)[] = [];
  const write = (batch: SaveBatch) => {
    written.push(batch);
    return new Promise<void>((resolve, reject) => {
      release.push(() => logs.save(batch).then(resolve, reject));
    });
  };
  return { logs, written, release, write };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("SaveQueue", () => {
  it("merges the batches queued behind a save in flight into one save that stores what they would have", async () => {
    const storage = gatedStorage();
    const queue = new SaveQueue(storage.write, () => false);
    const done: number[] = [];
    const first = queue.enqueue({ entries: entries(1, 3, 1), hardState: { term: 1, vote: "a", commit: 0 } });
    first.then(() => done.push(1));
    // Behind the save in flight: an append, a conflicting append that replaces 3 (§5.3), a commit-only hard state.
    const second = queue.enqueue({ entries: entries(4, 5, 1) }).then(() => done.push(2));
    const third = queue
      .enqueue({ entries: entries(3, 4, 2), hardState: { term: 2, vote: "b", commit: 1 } })
      .then(() => done.push(3));
    const fourth = queue.enqueue({ hardState: { term: 2, vote: "b", commit: 2 } }).then(() => done.push(4));
    await tick();
    expect(storage.written).toHaveLength(1);
    expect(done).toEqual([]);
    storage.release.shift()!();
    await first;
    await tick();
    expect(done).toEqual([1]);
    expect(storage.written).toHaveLength(2);
    expect(storage.written[1]!.entries!.map((e) => `${e.term}/${e.index}`)).toEqual(["2/3", "2/4"]);
    storage.release.shift()!();
    await Promise.all([second, third, fourth]);
    expect(done).toEqual([1, 2, 3, 4]);
    const state = await storage.logs.load();
    expect(state.entries.map((e) => `${e.term}/${e.index}`)).toEqual(["1/1", "1/2", "2/3", "2/4"]);
    expect(state.hardState).toEqual({ term: 2, vote: "b", commit: 2 });
  });

  it("keeps a snapshot, a compaction or metadata in a save of its own, in order", async () => {
    const storage = gatedStorage();
    const queue = new SaveQueue(storage.write, () => false);
    const all = [
      queue.enqueue({ entries: entries(1, 2, 1) }),
      queue.enqueue({ entries: entries(3, 3, 1) }),
      queue.enqueue({ meta: { k: 1 } }),
      queue.enqueue({ entries: entries(4, 4, 1) }),
    ];
    for (let i = 0; i < 4; i++) {
      await tick();
      storage.release.shift()?.();
    }
    await Promise.all(all);
    expect(storage.written.map((b) => Object.keys(b).sort().join("+"))).toEqual([
      "entries",
      "entries",
      "meta",
      "entries",
    ]);
  });

  it("fails every later save once one failed, and writes nothing more", async () => {
    let calls = 0;
    const queue = new SaveQueue(
      () => {
        calls++;
        return Promise.reject(new Error("disk gone"));
      },
      () => false,
    );
    const first = queue.enqueue({ entries: entries(1, 1, 1) });
    const queued = queue.enqueue({ entries: entries(2, 2, 1) });
    await expect(first).rejects.toThrow("disk gone");
    await expect(queued).rejects.toThrow("disk gone");
    await expect(queue.enqueue({ entries: entries(3, 3, 1) })).rejects.toThrow("disk gone");
    expect(calls).toBe(1);
  });
});
