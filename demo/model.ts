/**
 * The demo's replicated data: what each collection holds. Every tab uses the same ids and shapes,
 * so any tab can read and write any item.
 */

/** One task of the shared list (the `tasks` map, keyed by a random id). */
export interface Task {
  readonly text: string;
  readonly done: boolean;
  /** Peer id of the tab that added it. */
  readonly author: string;
  readonly createdAt: number;
}

/** Board-wide settings (the `board` record). */
export type BoardSettings = {
  /** The list's title, editable from any tab. */
  title: string;
  /** When the leader last ran its housekeeping (ms since the epoch). */
  sweptAt: number;
  /** Which peer ran it: only the leader does. */
  sweptBy: string;
};

/** One line of the activity feed (the `activity` queue, oldest first). */
export interface Activity {
  readonly at: number;
  readonly peerId: string;
  readonly text: string;
}

/** Ephemeral signals between tabs (the `presence` emitter): nothing of it is stored in the log. */
export type PresenceEvents = {
  /** Someone is typing a new task. */
  typing: [peerId: string];
  /** Someone pressed "wave". */
  wave: [peerId: string];
};

/** Collection ids: shared by every tab of a room. */
export const COLLECTION_IDS = {
  tasks: "tasks",
  board: "board",
  activity: "activity",
  presence: "presence",
} as const;

/** A short, readable form of a peer id for the UI. */
export function shortId(peerId: string | undefined): string {
  return peerId === undefined ? "none" : peerId.slice(0, 8);
}
