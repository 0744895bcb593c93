/** Byte helpers shared by the state machines. */

/**
 * A string that identifies a byte sequence (one UTF-16 code unit per byte), used as a JS `Map` key
 * so that two equal encodings are one key whatever array holds them. {@link keyBytes} inverts it.
 */
export function bytesKey(bytes: Uint8Array): string {
  // `apply` takes the typed array as the argument list without copying it to an array first.
  if (bytes.length <= 4096) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let out = "";
  // Chunked to keep the argument list of fromCharCode small for long keys.
  for (let i = 0; i < bytes.length; i += 4096) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
  }
  return out;
}

/** The bytes a {@link bytesKey} string stands for (a new array). */
export function keyBytes(id: string): Uint8Array {
  const out = new Uint8Array(id.length);
  for (let i = 0; i < id.length; i++) out[i] = id.charCodeAt(i);
  return out;
}

/**
 * Bytes as a state machine keeps them between commands: a {@link bytesKey} string when short, the
 * array itself when long. In V8 a small `Uint8Array` costs about 230 bytes of heap (the view, its
 * `ArrayBuffer` and the backing store) where a short string costs its length plus 16: a map of
 * 100,000 small entries holds tens of megabytes less, and the garbage collector copies and marks
 * that much less on every peer.
 */
export type StoredBytes = string | Uint8Array;

/** Values up to this length are kept as strings: beyond it the array's own overhead is small. */
const STRING_LIMIT = 256;

/** The stored form of `bytes` (the array itself when long: the caller must not mutate it later). */
export function storeBytes(bytes: Uint8Array): StoredBytes {
  return bytes.length <= STRING_LIMIT ? bytesKey(bytes) : bytes;
}

/** The bytes of a stored value (a new array when short, the stored array when long: do not mutate it). */
export function loadBytes(stored: StoredBytes): Uint8Array {
  return typeof stored === "string" ? keyBytes(stored) : stored;
}

/** Whether a stored value holds exactly `bytes`. */
export function storedEquals(stored: StoredBytes, bytes: Uint8Array): boolean {
  if (typeof stored !== "string") return bytesEqual(stored, bytes);
  if (stored.length !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) {
    if (stored.charCodeAt(i) !== bytes[i]) return false;
  }
  return true;
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return false;
  }
  return true;
}

/** Whether a value is a Uint8Array (what every encoded key and value in a command must be). */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}
