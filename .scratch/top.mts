import { readFileSync, readdirSync } from "node:fs";
const dir = ".scratch/prof";
const file = readdirSync(dir).map((f) => `${dir}/${f}`).sort((a, b) => readFileSync(b).length - readFileSync(a).length)[0]!;
const p = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(p.nodes.map((n: any) => [n.id, n]));
const self = new Map<string, number>();
let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  const n: any = byId.get(p.samples[i]);
  const d = (p.timeDeltas[i + 1] ?? 0) / 1000;
  total += d;
  const k = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").slice(-2).join("/")}:${n.callFrame.lineNumber + 1}`;
  self.set(k, (self.get(k) ?? 0) + d);
}
console.log("total ms", total.toFixed(0));
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(v.toFixed(1).padStart(8), k);
