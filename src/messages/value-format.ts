/**
 * The value grammar shared by the encoder (value-codec.ts) and the decoder (value-decoder.ts): the version,
 * the tags and the default limits. PROTOCOL.md ("Values") is the written form.
 */

/** The first byte of every encoded value. A decoder refuses any other version. */
export const VALUE_CODEC_VERSION = 1;

/** Default cap on nesting (arrays, objects, maps, sets) for encoding and decoding. */
export const DEFAULT_MAX_DEPTH = 64;

/** Default cap on the element count of one container when decoding (bounds memory amplification). */
export const DEFAULT_MAX_LENGTH = 1 << 24;

/** Tags of the value grammar (PROTOCOL.md). Stable: never renumber, only append. */
export enum Tag {
  Undefined = 0x00,
  Null = 0x01,
  False = 0x02,
  True = 0x03,
  UInt = 0x04,
  NegInt = 0x05,
  Float64 = 0x06,
  String = 0x07,
  Bytes = 0x08,
  Array = 0x09,
  Object = 0x0a,
  Map = 0x0b,
  Set = 0x0c,
  Date = 0x0d,
}

/** Options of `encodeValue` and `decodeValue`. */
export interface ValueCodecOptions {
  /** Maximum nesting of containers; deeper input is refused. Default {@link DEFAULT_MAX_DEPTH}. */
  readonly maxDepth?: number;
  /** Decoding only: maximum element count of one array, object, map or set. Default {@link DEFAULT_MAX_LENGTH}. */
  readonly maxLength?: number;
  /**
   * Decoding only: the most estimated memory (`DECODE_COST`) the decoded value may take; more is refused
   * with `PayloadTooLarge` before it is allocated. Default `DECODE_BUDGET_PER_INPUT_BYTE` times the
   * input length plus `DECODE_BUDGET_BASE_BYTES`.
   */
  readonly maxDecodedBytes?: number;
  /**
   * Encoding only: the longest encoding; a value that would need more is refused with `PayloadTooLarge` as
   * soon as the encoder reaches the limit (so a huge or shared-reference value costs at most that much work).
   * Default unlimited.
   */
  readonly maxBytes?: number;
}
