/**
 * The building blocks of inbound validation: a byte budget, the refusal error, and the check of
 * application data (entry payloads, collection messages). Everything here treats its input as hostile:
 * a container is accepted only with the exact prototype that structured clone produces, so nothing
 * inherited (a swapped array prototype, an `Object.create(...)` object, a class instance) is ever read,
 * and every value is charged against the budget before its children are visited, so shared references
 * (a DAG that structured clone preserves) cannot make a small message cost exponential work.
 */

/** Why a message was refused. */
export type InvalidMessageCode = "InvalidMessage" | "PayloadTooLarge";

/** A refusal raised while checking; turned into a verdict by the caller, never seen outside src/messages. */
export class Invalid extends Error {
  constructor(
    readonly code: InvalidMessageCode,
    reason: string,
  ) {
    super(reason);
  }
}

/** Refuse the value being checked. */
export function fail(reason: string): never {
  throw new Invalid("InvalidMessage", reason);
}

/** What is left of the size cap while one message is checked. */
export interface Budget {
  left: number;
}

/** Charge `bytes` to the budget; refuse the message once it is exhausted. */
export function charge(budget: Budget, bytes: number): void {
  budget.left -= bytes;
  if (budget.left < 0) throw new Invalid("PayloadTooLarge", "message exceeds maxMessageBytes");
}

/** Deepest nesting accepted in application data. */
export const MAX_PLAIN_DEPTH = 32;

/**
 * The least every container is charged, even when empty: the binary codec spends a tag and a length on it
 * and a decoder allocates an object for it, so "free" empty containers would let a message amplify.
 */
export const CONTAINER_COST = 8;

/** A plain object as structured clone makes it: prototype `Object.prototype` or none. Nothing else is read. */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A real array whose prototype is `Array.prototype` (so indexing and `length` are its own). */
export function isPlainArray(value: unknown): value is unknown[] {
  return Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype;
}

// The intrinsics, captured once: they read internal slots and throw on an impostor whose prototype merely
// claims to be a typed array, a Map, a Set or a Date.
const typedArrayByteLength = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype) as object,
  "byteLength",
)?.get as (this: ArrayBufferView) => number;
const mapForEach = Map.prototype.forEach;
const setForEach = Set.prototype.forEach;
const dateGetTime = Date.prototype.getTime;

/**
 * Structured-cloneable plain data that the binary codec also carries: primitives but BigInt, arrays, plain
 * objects, Maps, Sets, dates and `Uint8Array`s, nested at most {@link MAX_PLAIN_DEPTH} deep, within the byte
 * budget.
 * Hot path (every replicated request passes here): no allocation per value.
 */
export function checkPlainData(value: unknown, budget: Budget, depth: number): void {
  if (depth > MAX_PLAIN_DEPTH) fail("payload nested too deeply");
  switch (typeof value) {
    case "string":
      charge(budget, value.length + 2);
      return;
    case "number":
      charge(budget, 8);
      return;
    case "undefined":
    case "boolean":
      charge(budget, 4);
      return;
    case "object":
      break;
    default:
      // bigint included: the binary codec cannot carry it, so a peer on another transport could never apply it.
      fail(`payload holds a ${typeof value}`);
  }
  if (value === null) {
    charge(budget, 4);
    return;
  }
  const proto = Object.getPrototypeOf(value);
  // Most common shapes first: arrays and plain objects (every request is made of them), then bytes.
  if (proto === Array.prototype && Array.isArray(value)) {
    charge(budget, CONTAINER_COST);
    for (let i = 0; i < value.length; i++) checkPlainData(value[i], budget, depth + 1);
    return;
  }
  if (proto === Object.prototype || proto === null) {
    charge(budget, CONTAINER_COST);
    const record = value as Record<string, unknown>;
    // `for...in`, not `Object.keys`: no key array per object. With `Object.prototype` (or no
    // prototype) there is nothing inherited to enumerate, so it visits exactly the own keys.
    for (const key in record) {
      charge(budget, key.length + 3);
      checkPlainData(record[key], budget, depth + 1);
    }
    return;
  }
  // Bytes are Uint8Array only (a Node Buffer is one): the binary codec carries no other view and no bare
  // ArrayBuffer, so a message holding one could never be forwarded over a byte transport.
  if (ArrayBuffer.isView(value) && value instanceof Uint8Array) {
    charge(budget, CONTAINER_COST + typedArrayByteLength.call(value));
    return;
  }
  if (proto === Date.prototype) {
    dateGetTime.call(value);
    charge(budget, 8);
    return;
  }
  if (proto === Map.prototype) {
    charge(budget, CONTAINER_COST);
    mapForEach.call(value, (v: unknown, k: unknown) => {
      checkPlainData(k, budget, depth + 1);
      checkPlainData(v, budget, depth + 1);
    });
    return;
  }
  if (proto === Set.prototype) {
    charge(budget, CONTAINER_COST);
    setForEach.call(value, (item: unknown) => checkPlainData(item, budget, depth + 1));
    return;
  }
  fail("payload holds an object that is not plain data");
}
