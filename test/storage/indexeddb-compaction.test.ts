import { describe, expect, it } from "vitest";
import type { Entry } from "../../src/raft/types";
import { freshDb, hardState } from "./helpers";

const WRITES = 100_000;
const ENTRIES_PER_SAVE = 25;
/** Entries between snapshots, as the runtime's compaction threshold. */
const THRESHOLD = 2_000;
const KEYS = 16;

function encode(state: Map<string, number>): Uint8Array {
  return new TextEncoder().encode(JSON.stringify([...state]));
}

function decode(bytes: Uint8Array): Map<string, number> {
  return new Map(JSON.parse(new TextDecoder().decode(bytes)) as [string, number][]);
}

function apply(state: Map<string, number>, entry: Entry): void {
  const { key, value } = entry.data as { key: string; value: number };
  state.set(key, value);
}

describe("IndexedDbRaftLogs compaction keeps a long run bounded", () => {
  it(`${WRITES} writes to ${KEYS} keys with a snapshot every ${THRESHOLD} entries stay under the threshold plus one batch`, async () => {
    const { open } = freshDb();
    const logs = open({ room: "long-run" });
    const state = new Map<string, number>();
    let snapshotIndex = 0;
    let maxEntries = 0;
    for (let index = 1; index <= WRITES; index += ENTRIES_PER_SAVE) {
      const batch: Entry[] = [];
      for (let i = index; i < index + ENTRIES_PER_SAVE; i++) {
        batch.push({ term: 1, index: i, type: "normal", data: { key: `key-${i % KEYS}`, value: i } });
      }
      const lastIndex = index + ENTRIES_PER_SAVE - 1;
      // As the runtime does: persist, then apply the committed entries.
      await logs.save({ entries: batch, hardState: hardState(1, "peer-1", lastIndex) });
      for (const entry of batch) apply(state, entry);
      if (lastIndex - snapshotIndex >= THRESHOLD) {
        snapshotIndex = lastIndex;
        const snapshot = {
          meta: { index: snapshotIndex, term: 1, confState: { voters: ["peer-1"], learners: [] } },
          data: encode(state),
        };
        await logs.save({ snapshot, compactTo: snapshotIndex });
      }
      maxEntries = Math.max(maxEntries, logs.stats().entries);
    }
    expect(maxEntries).toBeLessThanOrEqual(THRESHOLD + ENTRIES_PER_SAVE);
    expect(logs.stats().lastIndex).toBe(WRITES);
    await logs.close();

    // The count comes from the database itself on reopen, not from the counters of the writer.
    const reopened = open({ room: "long-run" });
    await reopened.save({ hardState: hardState(1, "peer-1", WRITES) });
    expect(reopened.stats().entries).toBeLessThanOrEqual(THRESHOLD + ENTRIES_PER_SAVE);
    const loaded = await reopened.load();
    const restored = decode(loaded.snapshot?.data ?? new Uint8Array());
    for (const entry of loaded.entries) apply(restored, entry);
    expect(restored).toEqual(state);
    expect(restored.size).toBe(KEYS);
    await reopened.close();
  });
});
