/**
 * The demo's settings, read from the query string so that one URL describes a whole session:
 * `?room=demo&signal=http://localhost:8787`. Several tabs (or browsers) with the same room and
 * signaling server form one cluster.
 */

/** What the query string may set. */
export interface DemoConfig {
  /** The cluster: tabs in one room replicate one board. */
  readonly room: string;
  /** URL of the signaling server that introduces the tabs to each other. */
  readonly signalUrl: string;
  /**
   * Applied entries between two snapshots (Hamok's `snapshotThresholdEntries`). Small values make
   * log compaction visible in the inspector after a few dozen edits.
   */
  readonly snapshotEvery: number;
  /** Most entries the activity feed keeps; the leader trims the rest. */
  readonly feedLength: number;
  /** How often the leader runs its housekeeping, in ms. */
  readonly sweepEveryMs: number;
  /**
   * Hamok's `pageLifecycle` option (`?lifecycle=on|off|default`): `on` (the default here) hands leadership away
   * from hidden tabs and leaves on `pagehide`; `default` passes nothing, so the tab runs with the library's own
   * default, as an app that never heard of the option does.
   */
  readonly pageLifecycle: boolean | undefined;
}

const DEFAULT_SIGNAL_PORT = 8787;
const ROOM_PATTERN = /^[\w.-]{1,64}$/;

/** Read the settings from `location.search`, falling back to defaults for anything missing or invalid. */
export function readDemoConfig(search: string, hostname: string): DemoConfig {
  const query = new URLSearchParams(search);
  const room = query.get("room") ?? "";
  return {
    room: ROOM_PATTERN.test(room) ? room : "demo",
    signalUrl: query.get("signal") ?? `http://${hostname || "localhost"}:${DEFAULT_SIGNAL_PORT}`,
    snapshotEvery: positiveInteger(query.get("snapshotEvery"), 1000),
    feedLength: positiveInteger(query.get("feed"), 30),
    sweepEveryMs: positiveInteger(query.get("sweepMs"), 5_000),
    pageLifecycle: lifecycle(query.get("lifecycle")),
  };
}

function lifecycle(value: string | null): boolean | undefined {
  if (value === "default") return undefined;
  return value !== "off";
}

function positiveInteger(value: string | null, fallback: number): number {
  const parsed = Number(value);
  return value !== null && Number.isSafeInteger(parsed) && parsed > 0 ? parsed : fallback;
}
