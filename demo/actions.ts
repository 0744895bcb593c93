import type { DemoCluster } from "./cluster";
import type { Task } from "./model";

/**
 * What a user can do on the board. The UI and the end-to-end tests call the same functions; each
 * resolves once the change is committed by the cluster and applied in this tab.
 */

/** Add a task; resolves with its id. */
export async function addTask(cluster: DemoCluster, text: string): Promise<string> {
  const trimmed = text.trim().slice(0, 200);
  if (trimmed.length === 0) throw new Error("a task needs some text");
  const id = crypto.randomUUID();
  const task: Task = { text: trimmed, done: false, author: cluster.hamok.localPeerId, createdAt: Date.now() };
  await cluster.tasks.set(id, task);
  await logActivity(cluster, `added “${trimmed}”`);
  return id;
}

/** Mark a task done or not done. Uses a compare-and-set so two tabs toggling at once do not both win. */
export async function toggleTask(cluster: DemoCluster, id: string): Promise<boolean> {
  const task = cluster.tasks.get(id);
  if (task === undefined) return false;
  const toggled: Task = { ...task, done: !task.done };
  const changed = await cluster.tasks.updateIf(id, toggled, task);
  if (changed) await logActivity(cluster, `${toggled.done ? "completed" : "reopened"} “${task.text}”`);
  return changed;
}

/** Delete a task. */
export async function removeTask(cluster: DemoCluster, id: string): Promise<boolean> {
  const task = cluster.tasks.get(id);
  const removed = await cluster.tasks.delete(id);
  if (removed && task !== undefined) await logActivity(cluster, `deleted “${task.text}”`);
  return removed;
}

/** Rename the board. */
export async function renameBoard(cluster: DemoCluster, title: string): Promise<void> {
  const trimmed = title.trim().slice(0, 80);
  if (trimmed.length === 0 || trimmed === cluster.board.get("title")) return;
  await cluster.board.set("title", trimmed);
  await logActivity(cluster, `renamed the board to “${trimmed}”`);
}

/** Wave at every other tab (an emitter event: delivered, not stored). Resolves with who received it. */
export function wave(cluster: DemoCluster): Promise<string[]> {
  return cluster.presence.publish("wave", cluster.hamok.localPeerId);
}

async function logActivity(cluster: DemoCluster, text: string): Promise<void> {
  await cluster.activity.push({ at: Date.now(), peerId: cluster.hamok.localPeerId, text });
}
