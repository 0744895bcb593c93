import { encodeValue, decodeValue } from "../src/messages/value-codec";
const enc = new TextEncoder();
const N = 10000;
const commands = Array.from({ length: N }, (_, i) => ({ storageId: "m", storageType: "map", op: "set", args: { key: enc.encode(`"key-${i}"`), value: enc.encode(String(i)) } }));
for (let r = 0; r < 5; r++) { const b = encodeValue(commands); decodeValue(b); }
let t0 = performance.now(); let bytes: Uint8Array = new Uint8Array(); for (let r = 0; r < 10; r++) bytes = encodeValue(commands); const e = (performance.now() - t0) / 10;
t0 = performance.now(); for (let r = 0; r < 10; r++) decodeValue(bytes); const d = (performance.now() - t0) / 10;
t0 = performance.now(); for (let r = 0; r < 10; r++) structuredClone(commands); const c = (performance.now() - t0) / 10;
t0 = performance.now(); for (let r = 0; r < 10; r++) structuredClone(bytes); const cb = (performance.now() - t0) / 10;
console.log({ encodeNsPerCmd: e * 1e6 / N, decodeNsPerCmd: d * 1e6 / N, cloneNsPerCmd: c * 1e6 / N, clonePackedNsPerCmd: cb * 1e6 / N, bytesPerCmd: bytes.length / N });
