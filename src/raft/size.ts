/**
 * The default `sizeOf`: a cheap structural estimate of an entry payload in
 * bytes, close to its JSON size. Used only to batch entries under
 * `maxMessageBytes`, so it needs to be monotone and fast, not exact.
 */
export function defaultSizeOf(data: unknown): number {
  return estimate(data, 0);
}

const MAX_DEPTH = 32;

function estimate(value: unknown, depth: number): number {
  if (value === null || value === undefined) return 4;
  switch (typeof value) {
    case "string":
      return value.length + 2;
    case "number":
    case "bigint":
      return 8;
    case "boolean":
      return 5;
    case "object":
      break;
    default:
      return 8;
  }
  if (depth >= MAX_DEPTH) return 8;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (Array.isArray(value)) {
    let total = 2;
    for (const item of value) total += estimate(item, depth + 1) + 1;
    return total;
  }
  if (value instanceof Map) {
    let total = 2;
    for (const [k, v] of value) total += estimate(k, depth + 1) + estimate(v, depth + 1) + 2;
    return total;
  }
  let total = 2;
  for (const key of Object.keys(value)) {
    total += key.length + 3 + estimate((value as Record<string, unknown>)[key], depth + 1) + 1;
  }
  return total;
}

/** Fixed per-entry overhead (term, index, type) added to the payload estimate. */
export const ENTRY_OVERHEAD_BYTES = 24;
