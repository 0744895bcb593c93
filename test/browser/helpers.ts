import { deleteIndexedDbRaftLogs } from "../../src/storage/indexeddb";

/** A room name no other test (or earlier run) uses, so real IndexedDB databases never collide. */
export function uniqueRoom(label: string): string {
  return `${label}-${crypto.randomUUID()}`;
}

/** Delete the databases a test created. */
export async function cleanUp(room: string, peerIds: readonly string[]): Promise<void> {
  await Promise.all(peerIds.map((peerId) => deleteIndexedDbRaftLogs({ room, peerId })));
}

/** A factory over the page's IndexedDB that records every connection it opens. */
export function recordingIndexedDb(): { factory: IDBFactory; connections: IDBDatabase[] } {
  const connections: IDBDatabase[] = [];
  const factory = Object.create(indexedDB) as IDBFactory;
  factory.open = (name: string, version?: number) => {
    const request = indexedDB.open(name, version);
    request.addEventListener("success", () => connections.push(request.result));
    return request;
  };
  return { factory, connections };
}
