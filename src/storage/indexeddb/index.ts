/** IndexedDB persistence of Hamok: the `RaftLogs` implementation and database housekeeping. */
export {
  deleteIndexedDbRaftLogs,
  listIndexedDbRaftLogs,
  pruneIndexedDbRaftLogs,
  type StoredPeerDatabase,
} from "./admin.js";
export { indexedDbRaftLogsName, parseIndexedDbRaftLogsName } from "./database-name.js";
export {
  createIndexedDbRaftLogs,
  DEFAULT_DURABILITY,
  type IndexedDbDurability,
  IndexedDbRaftLogs,
  type IndexedDbRaftLogsEvents,
  type IndexedDbRaftLogsOptions,
} from "./indexeddb-raft-logs.js";
export { FORMAT_VERSION, SCHEMA_VERSION } from "./schema.js";
