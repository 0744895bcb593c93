/** The order the board shows tasks in, and picking the first of them without sorting all. */
import type { Task } from "./model";

/**
 * The `limit` oldest tasks in creation order, and the counts, in one pass: a board of 10,000 tasks shows 100,
 * and sorting all of them every frame would cost more than the rest of the render.
 */
export function firstTasks(
  entries: Iterable<[string, Task]>,
  limit: number,
): { shown: [string, Task][]; open: number; total: number } {
  const shown: [string, Task][] = [];
  let open = 0;
  let total = 0;
  for (const entry of entries) {
    total++;
    if (!entry[1].done) open++;
    // Tasks mostly arrive in creation order: once `shown` is full, most are past its last and cost one compare.
    if (shown.length === limit && byCreation(entry, shown[limit - 1]!) >= 0) continue;
    let at = shown.length;
    while (at > 0 && byCreation(entry, shown[at - 1]!) < 0) at--;
    shown.splice(at, 0, entry);
    if (shown.length > limit) shown.pop();
  }
  return { shown, open, total };
}

/** Creation time, then id: the same order on every tab. */
export function byCreation([idA, a]: [string, Task], [idB, b]: [string, Task]): number {
  return a.createdAt - b.createdAt || (idA < idB ? -1 : idA > idB ? 1 : 0);
}
