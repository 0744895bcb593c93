/**
 * End-to-end encryption of signaling payloads with a room secret (WebCrypto, so the same code runs in browsers
 * and Node 20). SDP offers and answers carry the DTLS fingerprints of the data channels: when only holders of
 * the secret can read or forge them, neither the signaling server's operator nor a stranger admitted to the
 * room can insert itself into (or connect to) the cluster.
 *
 * Key: PBKDF2-SHA-256 over the secret, salted with the room name, 100 000 iterations, giving an AES-GCM-256
 * key. Every payload gets a fresh 96-bit random IV. The additional authenticated data binds the ciphertext to
 * `room`, sender and recipient, so a relay cannot replay one peer's signal as another's.
 */
import { HamokError } from "../../errors.js";

/** Iterations of PBKDF2: slow enough to make guessing a weak secret costly, fast enough for one call per open. */
const PBKDF2_ITERATIONS = 100_000;
const IV_BYTES = 12;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An encrypted signaling payload as it crosses the signaling server. */
export interface SealedSignal {
  /** Format version of the envelope. */
  readonly v: 1;
  /** Base64 of the IV followed by the AES-GCM ciphertext and tag. */
  readonly c: string;
}

/** Encrypts and decrypts signaling payloads of one room. */
export interface SignalCipher {
  /** Encrypt `payload` (JSON-serialisable) from `from` to `to`. */
  seal(from: string, to: string, payload: unknown): Promise<SealedSignal>;
  /**
   * Decrypt a payload sent from `from` to `to`.
   *
   * @throws HamokError `InvalidMessage` if it is not a sealed signal of this room's secret for this pair.
   */
  open(from: string, to: string, data: unknown): Promise<unknown>;
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (s === undefined) {
    throw new HamokError("InvalidArgument", "a room secret needs WebCrypto (a secure context in browsers)");
  }
  return s;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function aad(room: string, from: string, to: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(JSON.stringify(["hamok-signal", room, from, to]));
}

/** Derive the room key from `secret` and return a cipher for the room's signaling payloads. */
export async function createSignalCipher(secret: string, room: string): Promise<SignalCipher> {
  if (secret.length === 0) throw new HamokError("InvalidArgument", "the room secret must not be empty");
  const crypto = subtle();
  const material = await crypto.importKey("raw", encoder.encode(secret), "PBKDF2", false, ["deriveKey"]);
  const key = await crypto.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt: encoder.encode(`hamok-room:${room}`), iterations: PBKDF2_ITERATIONS },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
  return {
    async seal(from, to, payload) {
      const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const plaintext = encoder.encode(JSON.stringify(payload));
      const sealed = new Uint8Array(
        await crypto.encrypt({ name: "AES-GCM", iv, additionalData: aad(room, from, to) }, key, plaintext),
      );
      const out = new Uint8Array(IV_BYTES + sealed.length);
      out.set(iv);
      out.set(sealed, IV_BYTES);
      return { v: 1, c: toBase64(out) };
    },
    async open(from, to, data) {
      const c = (data as Partial<SealedSignal> | null)?.c;
      if (typeof data !== "object" || data === null || (data as SealedSignal).v !== 1 || typeof c !== "string") {
        throw new HamokError("InvalidMessage", `unencrypted or unknown signal from ${from}`);
      }
      try {
        const bytes = fromBase64(c);
        const plaintext = await crypto.decrypt(
          { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: aad(room, from, to) },
          key,
          bytes.subarray(IV_BYTES),
        );
        return JSON.parse(decoder.decode(plaintext)) as unknown;
      } catch (error) {
        throw new HamokError("InvalidMessage", `signal from ${from} does not decrypt with the room secret`, {
          cause: error,
        });
      }
    },
  };
}
