import { describe, expect, it } from "vitest";
import type { Task } from "../../demo/model";
import { byCreation, firstTasks } from "../../demo/task-order";
import { createSeededRandom } from "../../src/util/random";

function tasks(count: number, seed: number): [string, Task][] {
  const random = createSeededRandom(seed);
  return Array.from({ length: count }, (_, i): [string, Task] => [
    `t${Math.floor(random() * 1e6)}-${i}`,
    { text: `task ${i}`, done: random() < 0.3, author: "p1", createdAt: Math.floor(random() * 50) },
  ]);
}

describe("firstTasks", () => {
  it("picks what a full sort puts first, and counts every task", () => {
    for (const [count, seed] of [
      [0, 1],
      [7, 2],
      [100, 3],
      [101, 4],
      [2_000, 5],
    ] as const) {
      const all = tasks(count, seed);
      const { shown, open, total } = firstTasks(all, 100);
      expect(shown).toEqual([...all].sort(byCreation).slice(0, 100));
      expect(total).toBe(count);
      expect(open).toBe(all.filter(([, task]) => !task.done).length);
    }
  });
});
