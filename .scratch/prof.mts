import { Hamok } from "../src/hamok";
import { MemoryHub } from "../src/transport/memory-hub";
const hub = new MemoryHub({ cloneMessages: true });
const peers = Array.from({ length: 3 }, () => new Hamok());
await Promise.all(peers.map((p) => p.join({ transport: hub.transport() })));
const follower = peers.find((p) => !p.leader)!;
for (let round = 0; round < 8; round++) {
  const map = follower.createMap<string, number>({ mapId: `m${round}` });
  const t0 = performance.now();
  const w = [];
  for (let i = 0; i < 10000; i++) w.push(map.set(`k${i}`, i));
  await Promise.all(w);
  console.log("rate", Math.round(10000 / ((performance.now() - t0) / 1000)));
}
process.exit(0);
