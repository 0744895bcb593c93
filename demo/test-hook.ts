import { addTask, removeTask, renameBoard, toggleTask } from "./actions";
import type { DemoCluster } from "./cluster";
import { type ClusterView, inspectCluster } from "./inspect";
import type { Activity, Task } from "./model";
import { forceNewCluster } from "./quorum-banner";

/** How a write started with {@link DemoTestHook.startTasks} ended. */
export interface WriteOutcome {
  readonly text: string;
  readonly status: "acknowledged" | "failed";
  /** The `HamokError` code (or message) of a failed write. */
  readonly error?: string;
}

/**
 * `window.hamokDemo`: what the end-to-end tests drive and read. Everything the UI can do, plus plain
 * snapshots of the state, plus a visibility override (headless pages are always visible).
 */
export interface DemoTestHook {
  /** Resolves once this tab has joined the cluster. */
  readonly joined: Promise<void>;
  readonly cluster: DemoCluster;
  inspect(): ClusterView;
  /** The tasks, sorted by id, as plain data. */
  tasks(): Array<[string, Task]>;
  /** The activity feed, oldest first. */
  activity(): Activity[];
  addTask(text: string): Promise<string>;
  toggleTask(id: string): Promise<boolean>;
  removeTask(id: string): Promise<boolean>;
  renameBoard(title: string): Promise<void>;
  /** Start adding tasks without waiting; {@link settledTasks} reports how each ended. */
  startTasks(texts: readonly string[]): void;
  /** Wait for every write started with {@link startTasks} to settle. */
  settledTasks(): Promise<WriteOutcome[]>;
  /**
   * Write `count` tasks straight into the map (no activity lines), `concurrency` at a time: one log entry each.
   * Resolves once all are committed.
   */
  bulkAdd(prefix: string, count: number, concurrency: number): Promise<void>;
  /**
   * Pretend the page became hidden or visible: overrides `document.visibilityState` / `document.hidden`
   * and dispatches `visibilitychange`, which is what a real tab switch does.
   */
  setVisibility(state: DocumentVisibilityState): void;
  /** The ids of dead members (same browser) this tab currently acts for, sorted. */
  actingFor(): string[];
  /**
   * Every id this tab has acted for since the hook was installed (event `acting-for-changed`): a stand-in can start
   * and end (its member's removal committed) between two polls of {@link actingFor}.
   */
  actedFor(): string[];
  /** Whether the cluster has a quorum as this tab sees it: the voters it misses, and since when (epoch ms). */
  quorum(): QuorumView;
  /** The explicit unsafe recovery: re-form the cluster from this tab's state alone. */
  forceNewCluster(): Promise<void>;
}

/** What {@link DemoTestHook.quorum} reports. */
export interface QuorumView {
  readonly lost: boolean;
  readonly missingVoters: readonly string[];
  readonly since: number | undefined;
}

declare global {
  interface Window {
    hamokDemo?: DemoTestHook;
  }
}

/** Install the hook on `window`. */
export function installTestHook(cluster: DemoCluster, joined: Promise<void>): DemoTestHook {
  const started: Promise<WriteOutcome>[] = [];
  const actedFor = new Set<string>(cluster.hamok.actingFor);
  cluster.hamok.on("acting-for-changed", (peerIds) => {
    for (const peerId of peerIds) actedFor.add(peerId);
  });
  const hook: DemoTestHook = {
    joined,
    cluster,
    inspect: () => inspectCluster(cluster),
    tasks: () => [...cluster.tasks.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    activity: () => [...cluster.activity.values()],
    addTask: (text) => addTask(cluster, text),
    toggleTask: (id) => toggleTask(cluster, id),
    removeTask: (id) => removeTask(cluster, id),
    renameBoard: (title) => renameBoard(cluster, title),
    startTasks: (texts) => {
      for (const text of texts) {
        started.push(
          addTask(cluster, text).then(
            (): WriteOutcome => ({ text, status: "acknowledged" }),
            (error: unknown): WriteOutcome => ({ text, status: "failed", error: errorName(error) }),
          ),
        );
      }
    },
    settledTasks: () => Promise.all(started),
    bulkAdd: async (prefix, count, concurrency) => {
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const index = next++;
          const text = `${prefix}-${index}`;
          await cluster.tasks.set(text, { text, done: false, author: cluster.hamok.localPeerId, createdAt: index });
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
    },
    setVisibility: (state) => {
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
      Object.defineProperty(document, "hidden", { configurable: true, get: () => state === "hidden" });
      document.dispatchEvent(new Event("visibilitychange"));
    },
    actingFor: () => [...cluster.hamok.actingFor],
    actedFor: () => [...actedFor].sort(),
    quorum: () => ({ ...cluster.hamok.quorum, missingVoters: [...cluster.hamok.quorum.missingVoters] }),
    forceNewCluster: () => forceNewCluster(cluster),
  };
  window.hamokDemo = hook;
  return hook;
}

function errorName(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.message : String(error);
}
