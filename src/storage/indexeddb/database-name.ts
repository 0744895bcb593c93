/**
 * Database naming. Every tab of an origin shares one IndexedDB, so each peer
 * gets its own database named by cluster (room) and peer id: two clusters, or
 * two tabs of one cluster, never open the same database.
 */

/** Prefix of every database Hamok creates; {@link listIndexedDbRaftLogs} only looks at these. */
export const DATABASE_PREFIX = "hamok/";

/**
 * The database name of one peer of one room: `hamok/<room>/<peerId>`, each part
 * URI-encoded so a `/` inside a room or peer id cannot make two pairs collide.
 */
export function indexedDbRaftLogsName(room: string, peerId: string): string {
  return `${DATABASE_PREFIX}${encodeURIComponent(room)}/${encodeURIComponent(peerId)}`;
}

/** The room and peer id a database name was made from, or `undefined` for a name Hamok did not make. */
export function parseIndexedDbRaftLogsName(name: string): { room: string; peerId: string } | undefined {
  if (!name.startsWith(DATABASE_PREFIX)) return undefined;
  const parts = name.slice(DATABASE_PREFIX.length).split("/");
  if (parts.length !== 2) return undefined;
  const [room, peerId] = parts as [string, string];
  try {
    return { room: decodeURIComponent(room), peerId: decodeURIComponent(peerId) };
  } catch {
    return undefined;
  }
}
