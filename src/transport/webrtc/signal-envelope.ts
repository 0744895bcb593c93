/**
 * The plaintext of a signaling payload between two WebRTC transports (PROTOCOL.md, "Signaling"): a simple-peer
 * signal tagged with the session (one dial) it belongs to, or a request to re-dial.
 */
import type { SignalData } from "simple-peer";

/** A signaling payload between two transports. */
export interface SignalEnvelope {
  /** The dial this signal belongs to, chosen by the dialling peer. */
  readonly session: string;
  /** An offer, answer or ICE candidate. */
  readonly signal?: SignalData;
  /** "My end of `session` closed: dial me again." */
  readonly restart?: true;
}

/** A fresh random session id (64 bits, hex). */
export function randomSession(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Read an envelope from untrusted signaling data; undefined when it does not have the documented shape. */
export function parseEnvelope(value: unknown): SignalEnvelope | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { session, signal, restart } = value as Record<string, unknown>;
  if (typeof session !== "string" || session.length === 0 || session.length > 64) return undefined;
  if (restart === true) return { session, restart };
  if (typeof signal !== "object" || signal === null) return undefined;
  return { session, signal: signal as SignalData };
}
