/**
 * Structured clone stores the whole `ArrayBuffer` behind a typed array, so a
 * small `subarray()` of a large frame (as a binary decoder produces) would
 * persist the entire frame. This copies such views down to their own bytes,
 * walking arrays and plain objects; everything else is returned as is.
 */
export function compactViews<T>(value: T): T {
  return compact(value) as T;
}

function compact(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Uint8Array) {
    return value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : value.slice();
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const compacted = compact(item);
      if (compacted !== item) {
        copy ??= value.slice();
        copy[i] = compacted;
      }
    });
    return copy ?? value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const compacted = compact(item);
    if (compacted !== item) {
      copy ??= { ...value };
      copy[key] = compacted;
    }
  }
  return copy ?? value;
}
