import { describe, expect, it } from "vitest";
import { createSeededRandom } from "../../src/raft/random";
import type { Entry } from "../../src/raft/types";
import { freshDb, snapshot } from "./helpers";

/** The stored log as a plain array: what the database must agree with after every save. */
interface Model {
  stored: Entry[];
  snapshotIndex: number;
  snapshotTerm: number;
}

function last(model: Model): number {
  return model.stored.at(-1)?.index ?? model.snapshotIndex;
}

function termAt(model: Model, index: number): number | undefined {
  return model.stored.find((entry) => entry.index === index)?.term;
}

describe("IndexedDbRaftLogs against an array model", () => {
  it.each([1, 2, 3])(
    "random appends, truncations, snapshots and compactions agree with the model (seed %i)",
    async (seed) => {
      const random = createSeededRandom(seed);
      const pick = (from: number, to: number) => from + Math.floor(random() * (to - from + 1));
      const { open } = freshDb();
      let logs = open();
      const model: Model = { stored: [], snapshotIndex: 0, snapshotTerm: 0 };
      let term = 1;
      for (let step = 0; step < 300; step++) {
        const roll = random();
        if (roll < 0.6) {
          if (random() < 0.1) term += 1;
          const from = pick(Math.max(model.snapshotIndex + 1, last(model) - 4), last(model) + 1);
          const batch = Array.from({ length: pick(1, 8) }, (_, i) => ({
            term,
            index: from + i,
            type: "normal" as const,
            data: { step, i },
          }));
          await logs.save({ entries: batch });
          model.stored = [...model.stored.filter((entry) => entry.index < from), ...batch];
        } else if (roll < 0.85) {
          const index = pick(model.snapshotIndex, last(model));
          const snapshotTerm = index === model.snapshotIndex ? model.snapshotTerm : (termAt(model, index) ?? 0);
          const compactTo = random() < 0.7 ? pick(0, index) : undefined;
          await logs.save({
            snapshot: snapshot(index, snapshotTerm),
            ...(compactTo === undefined ? {} : { compactTo }),
          });
          model.snapshotIndex = index;
          model.snapshotTerm = snapshotTerm;
          if (compactTo !== undefined) model.stored = model.stored.filter((entry) => entry.index > compactTo);
        } else if (roll < 0.95) {
          // A snapshot from a leader of a newer term that the local log does not contain (Raft §7).
          term += 1;
          const index = pick(model.snapshotIndex + 1, last(model) + 3);
          await logs.save({ snapshot: snapshot(index, term) });
          model.stored = [];
          model.snapshotIndex = index;
          model.snapshotTerm = term;
        } else {
          await logs.close();
          logs = open();
        }
        const state = await logs.load();
        expect(state.snapshot?.meta.index ?? 0).toBe(model.snapshotIndex);
        expect(state.entries).toEqual(model.stored.filter((entry) => entry.index > model.snapshotIndex));
        expect(logs.stats()).toMatchObject({
          entries: model.stored.length,
          firstIndex: model.stored[0]?.index ?? model.snapshotIndex + 1,
          lastIndex: last(model),
          snapshotIndex: model.snapshotIndex,
        });
      }
      await logs.close();
    },
  );
});
