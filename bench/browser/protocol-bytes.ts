/** Byte helpers of the protocol-floor page (`page-protocol.ts`). */

/**
 * Bytes that do not compress (Chromium's IndexedDB compresses values with Snappy, so zeros would make the floor
 * unfairly cheap), copied into every record body.
 */
const NOISE = crypto.getRandomValues(new Uint8Array(64 * 1024));
let noiseAt = 0;

/** `bytes` bytes of incompressible filler. */
export function filler(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let at = 0; at < bytes; ) {
    const take = Math.min(bytes - at, NOISE.length - noiseAt);
    out.set(NOISE.subarray(noiseAt, noiseAt + take), at);
    at += take;
    noiseAt = (noiseAt + take) % NOISE.length;
  }
  return out;
}

/** The records one after the other in one fresh buffer. */
export function concat(records: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let bytes = 0;
  for (const record of records) bytes += record.length;
  const message = new Uint8Array(new ArrayBuffer(bytes));
  let at = 0;
  for (const record of records) {
    message.set(record, at);
    at += record.length;
  }
  return message;
}
