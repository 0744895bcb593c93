import { type DBSchema, type IDBPDatabase, wrap } from "idb";
import { HamokError } from "../../errors.js";
import type { Entry } from "../raft-logs.js";

/**
 * IndexedDB schema version: the layout of object stores. A database at a
 * higher version was upgraded by a newer Hamok; opening it fails with
 * `UnsupportedVersion` (the browser raises `VersionError`).
 */
export const SCHEMA_VERSION = 1;

/**
 * Version of the record format inside the stores, kept in the `format` record.
 * A newer Hamok may change records without touching the store layout, so this
 * is checked on every open as well.
 */
export const FORMAT_VERSION = 1;

/** The `format` record: which format wrote the database, and for which peer. */
export interface FormatRecord {
  readonly formatVersion: number;
  readonly room: string;
  readonly peerId: string;
}

/**
 * Stores:
 * - `entries`: runs of consecutive entries, keyed by the index of their first entry.
 *   One save appends one run (one `put`, whatever the batch size: in Chromium a
 *   `put` per entry made a 100-entry save about ten times slower). Runs never overlap
 *   and leave no gaps: together they are the stored log.
 * - `state`: the `format`, `hardState` and `snapshot` records.
 * - `meta`: caller metadata by key.
 */
export interface RaftLogsSchema extends DBSchema {
  entries: { key: number; value: Entry[] };
  state: { key: string; value: unknown };
  meta: { key: string; value: unknown };
}

/** Every store; a save touches all of them in one transaction. */
export const ALL_STORES = ["entries", "state", "meta"] as const;

/** A typed connection to one peer's database. */
export type RaftLogsDatabase = IDBPDatabase<RaftLogsSchema>;

/** Connection life-cycle signals the storage reacts to. */
export interface ConnectionCallbacks {
  /** Our open waits for another connection (an older version in another tab) to close. */
  onBlocked(currentVersion: number): void;
  /** Another connection wants to upgrade (`deleted` false) or delete (`deleted` true) the database. */
  onVersionChange(deleted: boolean): void;
  /** The browser closed the connection abnormally (storage cleared, Safari background tab, ...). */
  onTerminated(): void;
}

/** An open connection, and whether this open created the database. */
export interface OpenedDatabase {
  readonly db: RaftLogsDatabase;
  readonly created: boolean;
}

/**
 * Open (creating if needed) the database of one peer and check its format
 * record. Rejects with `UnsupportedVersion` for a database written by a newer
 * Hamok and `StorageFailure` for anything else that is not this peer's database.
 */
export async function openRaftLogsDatabase(
  factory: IDBFactory,
  name: string,
  identity: { readonly room: string; readonly peerId: string },
  callbacks: ConnectionCallbacks,
): Promise<OpenedDatabase> {
  let created = false;
  let request: IDBOpenDBRequest;
  try {
    request = factory.open(name, SCHEMA_VERSION);
  } catch (cause) {
    throw new HamokError("StorageFailure", `cannot open IndexedDB database ${name}`, { cause });
  }
  request.onupgradeneeded = (event) => {
    if (event.oldVersion !== 0) return;
    created = true;
    const raw = request.result;
    raw.createObjectStore("entries");
    const state = raw.createObjectStore("state");
    raw.createObjectStore("meta");
    const format: FormatRecord = { formatVersion: FORMAT_VERSION, room: identity.room, peerId: identity.peerId };
    state.put(format, "format");
  };
  request.onblocked = (event) => callbacks.onBlocked(event.oldVersion);
  let db: RaftLogsDatabase;
  try {
    db = (await wrap(request)) as unknown as RaftLogsDatabase;
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "VersionError") {
      throw new HamokError(
        "UnsupportedVersion",
        `IndexedDB database ${name} has a newer schema than ${SCHEMA_VERSION}; it was written by a newer Hamok`,
        { cause },
      );
    }
    throw new HamokError("StorageFailure", `cannot open IndexedDB database ${name}`, { cause });
  }
  db.addEventListener("versionchange", (event) => callbacks.onVersionChange(event.newVersion === null));
  db.addEventListener("close", () => callbacks.onTerminated());
  try {
    await checkFormat(db, name, identity);
  } catch (error) {
    db.close();
    throw error;
  }
  return { db, created };
}

async function checkFormat(
  db: RaftLogsDatabase,
  name: string,
  identity: { readonly room: string; readonly peerId: string },
): Promise<void> {
  const stores = db.objectStoreNames;
  if (!ALL_STORES.every((store) => stores.contains(store))) {
    throw new HamokError("StorageFailure", `IndexedDB database ${name} is not a Hamok database (stores missing)`);
  }
  let format: Partial<FormatRecord> | undefined;
  try {
    format = (await db.get("state", "format")) as Partial<FormatRecord> | undefined;
  } catch (cause) {
    throw new HamokError("StorageFailure", `cannot read the format record of ${name}`, { cause });
  }
  if (format === undefined || typeof format.formatVersion !== "number") {
    throw new HamokError("StorageFailure", `IndexedDB database ${name} has no Hamok format record`);
  }
  if (format.formatVersion > FORMAT_VERSION) {
    throw new HamokError(
      "UnsupportedVersion",
      `IndexedDB database ${name} has format version ${format.formatVersion}; this Hamok reads up to ${FORMAT_VERSION}`,
    );
  }
  if (format.room !== identity.room || format.peerId !== identity.peerId) {
    throw new HamokError(
      "StorageFailure",
      `IndexedDB database ${name} belongs to peer ${String(format.peerId)} of room ${String(format.room)}, ` +
        `not to peer ${identity.peerId} of room ${identity.room}`,
    );
  }
}
