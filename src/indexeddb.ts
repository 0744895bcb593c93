/**
 * `hamok/indexeddb`: IndexedDB persistence for apps that manage it themselves (the `RaftLogs` implementation,
 * listing, deleting and pruning the databases of an origin) and the peer-id guard that keeps a reloaded tab's
 * id and database while refusing it to a duplicated tab. `new Hamok({ persistence: { type: "indexeddb", room } })`
 * needs none of this.
 *
 * @packageDocumentation
 */
export { type ClaimedPeerId, claimPeerId } from "./storage/claim-peer-id.js";
export {
  type DeadPeerLock,
  type FindDeadPeersOptions,
  findDeadPeers,
  type LockDeadPeerOptions,
  lockDeadPeer,
} from "./storage/dead-peers.js";
export {
  createIndexedDbRaftLogs,
  DEFAULT_DURABILITY,
  deleteIndexedDbRaftLogs,
  type IndexedDbDurability,
  IndexedDbRaftLogs,
  type IndexedDbRaftLogsEvents,
  type IndexedDbRaftLogsOptions,
  indexedDbRaftLogsName,
  listIndexedDbRaftLogs,
  parseIndexedDbRaftLogsName,
  pruneIndexedDbRaftLogs,
  type StoredPeerDatabase,
} from "./storage/indexeddb/index.js";
export {
  type AcquirePeerIdOptions,
  acquirePeerId,
  type PeerIdentity,
  peerIdLockName,
  peerIdStorageKey,
} from "./storage/peer-identity.js";
