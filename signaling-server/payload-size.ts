/**
 * Measures the size of a decoded socket.io argument without serialising it: strings count their UTF-8 bytes,
 * binary values their byte length, numbers and literals their JSON length, containers their punctuation and keys.
 * The walk stops as soon as the limit is passed, so a huge payload costs no more than the limit.
 */

/** Containers nested deeper than this are refused as malformed (signaling data is shallow JSON). */
export const MAX_PAYLOAD_DEPTH = 32;

/** The outcome of {@link measurePayload}: `bytes` is exact up to the limit. */
export type PayloadMeasure = { kind: "ok"; bytes: number } | { kind: "too-large" } | { kind: "too-deep" };

function scalarBytes(value: unknown): number {
  if (typeof value === "string") return Buffer.byteLength(value, "utf8") + 2;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value).length;
  return 4;
}

/** Measures `value` against `limitBytes`. */
export function measurePayload(value: unknown, limitBytes: number): PayloadMeasure {
  let bytes = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const current = item.value;
    if (current instanceof ArrayBuffer || ArrayBuffer.isView(current)) {
      bytes += current.byteLength;
    } else if (typeof current === "object" && current !== null) {
      if (item.depth >= MAX_PAYLOAD_DEPTH) return { kind: "too-deep" };
      if (Array.isArray(current)) {
        bytes += 2 + current.length;
        for (const element of current) stack.push({ value: element, depth: item.depth + 1 });
      } else {
        for (const [key, element] of Object.entries(current)) {
          bytes += Buffer.byteLength(key, "utf8") + 4;
          stack.push({ value: element, depth: item.depth + 1 });
        }
        bytes += 2;
      }
    } else {
      bytes += scalarBytes(current);
    }
    if (bytes > limitBytes) return { kind: "too-large" };
  }
  return { kind: "ok", bytes };
}
