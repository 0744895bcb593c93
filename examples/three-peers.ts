/**
 * Three Hamok peers in one process over the in-memory hub: they elect a
 * leader, replicate a write made on a follower, and fail over when the leader
 * leaves. Run with `npm start`.
 */
import { Hamok, MemoryHub } from "../src/index";

const hub = new MemoryHub();
const peers = ["alice", "bob", "carol"].map((peerId) => new Hamok({ peerId }));
const t0 = performance.now();
const at = () => `${(performance.now() - t0).toFixed(1).padStart(7)} ms`;

for (const peer of peers) {
  peer.on("leader-changed", (leaderId) =>
    console.log(`${at()}  ${peer.localPeerId}: leader is ${leaderId ?? "unknown"}`),
  );
  peer.on("remote-peer-joined", (peerId) => console.log(`${at()}  ${peer.localPeerId}: ${peerId} joined the cluster`));
  peer.on("joined", () => console.log(`${at()}  ${peer.localPeerId}: joined (${peer.state})`));
}

await Promise.all(peers.map((peer) => peer.join({ transport: hub.transport() })));
const leader = peers.find((peer) => peer.leader)!;
const follower = peers.find((peer) => !peer.leader)!;
console.log(`${at()}  elected: ${leader.localPeerId} leads term ${leader.raft.term}`);

const maps = peers.map((peer) => peer.createMap<string, string>({ mapId: "greetings" }));
for (const [i, map] of maps.entries()) {
  map.on("insert", (key, value) => console.log(`${at()}  ${peers[i]!.localPeerId}: saw ${key} = ${value}`));
}
const writer = maps[peers.indexOf(follower)]!;
await writer.set("hello", `from ${follower.localPeerId}`);
console.log(`${at()}  ${follower.localPeerId}'s write committed at index ${follower.raft.commitIndex}`);

await leader.leave();
const rest = peers.filter((peer) => peer !== leader);
await Promise.all(rest.map((peer) => peer.waitUntilLeader()));
console.log(`${at()}  ${leader.localPeerId} left; ${rest.find((p) => p.leader)?.localPeerId} leads now`);
await writer.set("after", "failover");
// Reads are local and may lag by a message; sync() is the linearizable read barrier (ReadIndex).
await Promise.all(rest.map((peer) => maps[peers.indexOf(peer)]!.sync()));
console.log(
  `${at()}  every peer reads: ${rest.map((p) => `${p.localPeerId}=${maps[peers.indexOf(p)]!.get("after")}`).join(", ")}`,
);

await Promise.all(peers.map((peer) => peer.close()));
