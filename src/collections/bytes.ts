/** Byte helpers shared by the state machines. */

/**
 * A string that identifies a byte sequence (one UTF-16 code unit per byte), used as a JS `Map` key
 * so that two equal encodings are one key whatever array holds them.
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
