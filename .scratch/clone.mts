const N = 10000;
const enc = new TextEncoder();
const commands = Array.from({ length: N }, (_, i) => ({ storageId: "m", storageType: "map", op: "set", args: { key: enc.encode(`"k${i}"`), value: enc.encode(String(i)) } }));
const cmdStrings = Array.from({ length: N }, (_, i) => ({ storageId: "m", storageType: "map", op: "set", args: { key: `"k${i}"`, value: String(i) } }));
const seqs = Array.from({ length: N }, (_, i) => i + 1);
const entry = (commands: unknown) => ({ type: "raft", raft: { type: "append", entries: [{ term: 2, index: 7, type: "normal", data: { kind: "requests", bytes: 1, sourcePeerId: "x", session: "y", seqs, ackBelows: seqs, commands } }] } });
const packed = new Uint8Array(N * 20);
const shapes: Record<string, unknown> = {
  "commands with Uint8Array key/value": entry(commands),
  "commands with string key/value": entry(cmdStrings),
  "columns: keys[] values[] as Uint8Array": entry({ keys: commands.map(c => c.args.key), values: commands.map(c => c.args.value) }),
  "one Uint8Array for all commands": entry(packed),
  "one Uint8Array, no seq arrays": { type: "raft", raft: { type: "append", entries: [{ term: 2, index: 7, type: "normal", data: packed }] } },
};
for (const [name, msg] of Object.entries(shapes)) {
  for (let i = 0; i < 5; i++) structuredClone(msg);
  const t0 = performance.now();
  const R = 20;
  for (let i = 0; i < R; i++) structuredClone(msg);
  const ms = (performance.now() - t0) / R;
  console.log(name.padEnd(45), ms.toFixed(3), "ms per 10k-command message,", ((ms * 1e6) / N).toFixed(0), "ns/command");
}
