import { Hamok } from "../src/hamok";
import { MemoryHub } from "../src/transport/memory-hub";
const hub = new MemoryHub({ cloneMessages: true });
const peers = Array.from({ length: 3 }, () => new Hamok());
await Promise.all(peers.map((p) => p.join({ transport: hub.transport() })));
const follower = peers.find((p) => !p.leader)!;
const leader = peers.find((p) => p.leader)!;
let shown = 0;
leader.on("message", (m: any) => { if (m.type === "raft" && m.raft.type === "append" && m.raft.entries?.length && shown++ < 2) console.log(JSON.stringify(m, null, 0).slice(0, 1500)); });
follower.on("message", (m: any) => { if (shown < 4 && m.type !== "raft") { shown++; console.log("F", JSON.stringify(m).slice(0, 800)); } });
const map = follower.createMap<string, number>({ mapId: "m" });
await map.set("a", 1);
const writes = [];
for (let i = 0; i < 5; i++) writes.push(map.set(`k${i}`, i));
await Promise.all(writes);
for (const round of [0,1,2]) {
const t0 = performance.now();
const w = [];
for (let i = 0; i < 10000; i++) w.push(map.set(`k${i}`, i));
await Promise.all(w);
console.log("rate", 10000 / ((performance.now() - t0) / 1000));
}
process.exit(0);
