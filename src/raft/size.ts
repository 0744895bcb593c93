/**
 * The default `sizeOf`: a cheap structural estimate of an entry payload in
 * bytes, close to its JSON size. Used only to batch entries under
 * `maxMessageBytes`, so it needs to be monotone and fast, not exact.
 *
 * It never throws, whatever it is given: the leader calls it while building
 * appends, where an exception would stall replication for every follower.
 * So it trusts no prototype (a swapped array prototype, an object posing as
 * a Map): containers are read only through intrinsic methods, which throw on
 * an impostor, and a value that cannot be read (an impostor, a throwing
 * getter, a revoked proxy) makes the estimate {@link UNREADABLE_BYTES}.
 */
export function defaultSizeOf(data: unknown): number {
  const visits = { left: MAX_VISITS };
  try {
    return estimate(data, 0, visits);
  } catch {
    return UNREADABLE_BYTES;
  }
}

const MAX_DEPTH = 32;
/** Values visited per estimate; shared references (a DAG) would otherwise cost exponential time. */
const MAX_VISITS = 1 << 20;
/** The estimate of a value that cannot be read. */
const UNREADABLE_BYTES = 8;

const isView = ArrayBuffer.isView;
const typedArrayByteLength = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype) as object,
  "byteLength",
)?.get as (this: ArrayBufferView) => number;
const dataViewByteLength = Object.getOwnPropertyDescriptor(DataView.prototype, "byteLength")?.get as (
  this: DataView,
) => number;
const arrayBufferByteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength")?.get as (
  this: ArrayBuffer,
) => number;
const mapForEach = Map.prototype.forEach;
const objectKeys = Object.keys;

function estimate(value: unknown, depth: number, visits: { left: number }): number {
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
  if (depth >= MAX_DEPTH || --visits.left < 0) return 8;
  if (isView(value)) {
    return value instanceof DataView ? dataViewByteLength.call(value) : typedArrayByteLength.call(value);
  }
  if (value instanceof ArrayBuffer) return arrayBufferByteLength.call(value);
  if (Array.isArray(value)) {
    // An index loop, not `for...of`: the array's iterator comes from its prototype, which may be anyone's.
    let total = 2;
    const length = value.length;
    for (let i = 0; i < length; i++) total += estimate(value[i], depth + 1, visits) + 1;
    return total;
  }
  if (value instanceof Map) {
    let total = 2;
    mapForEach.call(value, (v: unknown, k: unknown) => {
      total += estimate(k, depth + 1, visits) + estimate(v, depth + 1, visits) + 2;
    });
    return total;
  }
  let total = 2;
  const record = value as Record<string, unknown>;
  for (const key of objectKeys(record)) {
    total += key.length + 3 + estimate(record[key], depth + 1, visits) + 1;
  }
  return total;
}

/** Fixed per-entry overhead (term, index, type) added to the payload estimate. */
export const ENTRY_OVERHEAD_BYTES = 24;
