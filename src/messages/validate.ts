import type { ConfChange, Entry, RaftMessage, RaftMessageType, SnapshotMeta } from "../raft/types";
import { HAMOK_MESSAGE_TYPES, HAMOK_PROTOCOL, type HamokMessage, type PeerAnnouncement } from "./hamok-message";

/**
 * Validation of every inbound message before any of it is used. A message from
 * the network is untrusted: wrong shapes, wrong types, absurd numbers, cyclic
 * or huge payloads must be refused here, so the Raft core and the state
 * machines only ever see well-formed data.
 */

/** Why a message was refused. */
export type InvalidMessageCode = "InvalidMessage" | "PayloadTooLarge";

/** The verdict on one inbound value. */
export type ValidationResult =
  | { readonly ok: true; readonly message: HamokMessage }
  | { readonly ok: false; readonly code: InvalidMessageCode; readonly reason: string };

/** Limits applied by {@link validateHamokMessage}. */
export interface ValidationLimits {
  /** Maximum estimated size of a whole message, in bytes. */
  readonly maxMessageBytes: number;
}

/** Longest accepted peer, cluster or storage id. */
export const MAX_ID_LENGTH = 256;
const MAX_DEPTH = 32;
const MAX_MEMBERS = 1024;

const RAFT_TYPES: ReadonlySet<RaftMessageType> = new Set<RaftMessageType>([
  "append",
  "append-response",
  "heartbeat",
  "heartbeat-response",
  "pre-vote",
  "pre-vote-response",
  "vote",
  "vote-response",
  "snapshot",
  "snapshot-response",
  "timeout-now",
  "propose",
  "propose-response",
  "read-index",
  "read-index-response",
]);
const REJECT_REASONS = new Set([
  "no-leader",
  "too-many-uncommitted",
  "transfer-in-progress",
  "conf-change-pending",
  "not-a-member",
  "invalid",
]);
const CONF_CHANGE_TYPES = new Set(["addLearner", "addVoter", "demoteVoter", "remove"]);
const MESSAGE_TYPES: ReadonlySet<string> = new Set(HAMOK_MESSAGE_TYPES);

class Invalid extends Error {
  constructor(
    readonly code: InvalidMessageCode,
    reason: string,
  ) {
    super(reason);
  }
}

function fail(reason: string): never {
  throw new Invalid("InvalidMessage", reason);
}

/** Check an untrusted value and return it typed as a {@link HamokMessage}, or say why it is refused. Never throws. */
export function validateHamokMessage(value: unknown, limits: ValidationLimits): ValidationResult {
  try {
    const budget = { left: limits.maxMessageBytes };
    checkEnvelope(value, budget);
    return { ok: true, message: value as HamokMessage };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, code: error.code, reason: error.message };
    return { ok: false, code: "InvalidMessage", reason: `unreadable message: ${String(error)}` };
  }
}

interface Budget {
  left: number;
}

function charge(budget: Budget, bytes: number): void {
  budget.left -= bytes;
  if (budget.left < 0) throw new Invalid("PayloadTooLarge", "message exceeds maxMessageBytes");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

function id(value: unknown, field: string, budget: Budget): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_ID_LENGTH) fail(`${field} must be an id`);
  charge(budget, value.length);
  return value;
}

function optionalId(value: unknown, field: string, budget: Budget): void {
  if (value !== undefined) id(value, field, budget);
}

function count(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) fail(`${field} must be a count`);
  return value;
}

function optionalCount(value: unknown, field: string): number | undefined {
  return value === undefined ? undefined : count(value, field);
}

function optionalBoolean(value: unknown, field: string): void {
  if (value !== undefined && typeof value !== "boolean") fail(`${field} must be a boolean`);
}

function checkEnvelope(value: unknown, budget: Budget): void {
  if (!isRecord(value)) fail("message must be an object");
  if (value.protocol !== HAMOK_PROTOCOL) fail("unknown protocol");
  if (typeof value.type !== "string" || !MESSAGE_TYPES.has(value.type)) fail("unknown message type");
  id(value.sourceId, "sourceId", budget);
  optionalId(value.destinationId, "destinationId", budget);
  optionalId(value.clusterId, "clusterId", budget);
  switch (value.type) {
    case "raft":
      // Only cluster members speak Raft, and they always say which cluster.
      id(value.clusterId, "clusterId", budget);
      checkRaftMessage(value.raft, value.sourceId as string, value.destinationId, budget);
      return;
    case "hello":
    case "endpoint-state":
      checkAnnouncement(value.peer, budget);
      return;
    case "join-request":
      id(value.clusterId, "clusterId", budget);
      if (typeof value.onlyFollower !== "boolean") fail("onlyFollower must be a boolean");
      return;
    case "storage":
      id(value.storageId, "storageId", budget);
      checkPlainData(value.payload, budget, 0);
      return;
  }
}

function checkAnnouncement(value: unknown, budget: Budget): asserts value is PeerAnnouncement {
  if (!isRecord(value)) fail("peer must be an object");
  if (typeof value.joining !== "boolean") fail("peer.joining must be a boolean");
  if (typeof value.canLead !== "boolean") fail("peer.canLead must be a boolean");
  optionalId(value.leaderId, "peer.leaderId", budget);
  count(value.term, "peer.term");
  count(value.commit, "peer.commit");
  if (!Array.isArray(value.members) || value.members.length > MAX_MEMBERS) fail("peer.members must be a list");
  for (const member of value.members) id(member, "peer.members[]", budget);
}

function checkRaftMessage(value: unknown, sourceId: string, destinationId: unknown, budget: Budget): void {
  if (!isRecord(value)) fail("raft must be an object");
  const m = value as Partial<Record<keyof RaftMessage, unknown>>;
  if (typeof m.type !== "string" || !RAFT_TYPES.has(m.type as RaftMessageType)) fail("unknown raft message type");
  // A peer may only speak for itself, and a Raft message is always addressed to one peer.
  if (m.from !== sourceId) fail("raft.from differs from sourceId");
  id(m.to, "raft.to", budget);
  if (destinationId !== m.to) fail("raft.to differs from destinationId");
  const term = count(m.term, "raft.term");
  const index = optionalCount(m.index, "raft.index");
  const logTerm = optionalCount(m.logTerm, "raft.logTerm");
  if (logTerm !== undefined && logTerm > term) fail("raft.logTerm is newer than raft.term");
  optionalCount(m.commit, "raft.commit");
  optionalCount(m.rejectHint, "raft.rejectHint");
  optionalBoolean(m.reject, "raft.reject");
  optionalBoolean(m.snapshotDone, "raft.snapshotDone");
  if (m.context !== undefined && (typeof m.context !== "string" || m.context.length > MAX_ID_LENGTH)) {
    fail("raft.context must be a short string");
  }
  if (m.reason !== undefined && !REJECT_REASONS.has(m.reason as string)) fail("unknown raft.reason");
  if (m.entries !== undefined) checkEntries(m.entries, m.type === "propose", index ?? 0, term, budget);
  if (m.proposalIds !== undefined) {
    if (!Array.isArray(m.proposalIds)) fail("raft.proposalIds must be a list");
    if (!Array.isArray(m.entries) || m.entries.length !== m.proposalIds.length) {
      fail("raft.proposalIds must match raft.entries");
    }
    for (const proposalId of m.proposalIds) id(proposalId, "raft.proposalIds[]", budget);
  }
  if (m.snapshotMeta !== undefined) checkSnapshotMeta(m.snapshotMeta, budget);
  const offset = optionalCount(m.snapshotOffset, "raft.snapshotOffset");
  const total = optionalCount(m.snapshotTotal, "raft.snapshotTotal");
  if (m.snapshotChunk !== undefined) {
    if (!(m.snapshotChunk instanceof Uint8Array)) fail("raft.snapshotChunk must be bytes");
    charge(budget, m.snapshotChunk.byteLength);
    if (total !== undefined && (offset ?? 0) + m.snapshotChunk.byteLength > total) {
      fail("raft.snapshotChunk lies beyond raft.snapshotTotal");
    }
  }
}

function checkEntries(value: unknown, proposal: boolean, prevIndex: number, term: number, budget: Budget): void {
  if (!Array.isArray(value)) fail("raft.entries must be a list");
  let previousTerm = 0;
  for (let position = 0; position < value.length; position++) {
    const raw: unknown = value[position];
    if (!isRecord(raw)) fail("raft.entries[] must be an object");
    const entry = raw as Partial<Record<keyof Entry, unknown>>;
    const entryIndex = count(entry.index, "entry.index");
    const entryTerm = count(entry.term, "entry.term");
    // Forwarded proposals carry index/term 0 until the leader appends them; appended
    // entries follow prevIndex contiguously with non-decreasing terms (Raft §5.3 log matching).
    if (!proposal) {
      if (entryIndex !== prevIndex + position + 1) fail("raft.entries are not contiguous");
      if (entryTerm < previousTerm || entryTerm > term) fail("raft.entries have impossible terms");
      previousTerm = entryTerm;
    }
    charge(budget, 24);
    switch (entry.type) {
      case "normal":
        checkPlainData(entry.data, budget, 0);
        break;
      case "noop":
        if (entry.data !== null) fail("noop entry carries data");
        break;
      case "conf":
        checkConfChange(entry.data, budget);
        break;
      default:
        fail("unknown entry type");
    }
  }
}

function checkConfChange(value: unknown, budget: Budget): asserts value is ConfChange {
  if (!isRecord(value) || !CONF_CHANGE_TYPES.has(value.type as string)) fail("invalid conf change");
  id(value.nodeId, "conf.nodeId", budget);
}

function checkSnapshotMeta(value: unknown, budget: Budget): asserts value is SnapshotMeta {
  if (!isRecord(value)) fail("raft.snapshotMeta must be an object");
  count(value.index, "snapshotMeta.index");
  count(value.term, "snapshotMeta.term");
  const conf = value.confState;
  if (!isRecord(conf) || !Array.isArray(conf.voters) || !Array.isArray(conf.learners)) {
    fail("snapshotMeta.confState must list voters and learners");
  }
  if (conf.voters.length + conf.learners.length > MAX_MEMBERS) fail("snapshotMeta.confState too large");
  for (const member of [...conf.voters, ...conf.learners]) id(member, "confState member", budget);
}

/**
 * Structured-cloneable plain data only: primitives, arrays, plain objects, Maps,
 * Sets, dates and byte arrays, nested at most 32 deep, within the byte budget.
 * Hot path (every replicated request passes here): no allocation per value.
 */
function checkPlainData(value: unknown, budget: Budget, depth: number): void {
  if (depth > MAX_DEPTH) fail("payload nested too deeply");
  switch (typeof value) {
    case "string":
      charge(budget, value.length + 2);
      return;
    case "number":
    case "bigint":
      charge(budget, 8);
      return;
    case "undefined":
    case "boolean":
      charge(budget, 4);
      return;
    case "object":
      break;
    default:
      fail(`payload holds a ${typeof value}`);
  }
  if (value === null) {
    charge(budget, 4);
    return;
  }
  // Most common shapes first: bytes, arrays and plain objects (every request is made of them).
  if (value instanceof Uint8Array) {
    charge(budget, value.byteLength);
    return;
  }
  if (Array.isArray(value)) {
    charge(budget, 2);
    for (let i = 0; i < value.length; i++) checkPlainData(value[i], budget, depth + 1);
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const record = value as Record<string, unknown>;
    // `for...in`, not `Object.keys`: no key array per object. With `Object.prototype` (or no
    // prototype) there is nothing inherited to enumerate, so it visits exactly the own keys.
    for (const key in record) {
      charge(budget, key.length + 3);
      checkPlainData(record[key], budget, depth + 1);
    }
    return;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    charge(budget, value.byteLength);
    return;
  }
  if (value instanceof Date) {
    charge(budget, 8);
    return;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      checkPlainData(k, budget, depth + 1);
      checkPlainData(v, budget, depth + 1);
    }
    return;
  }
  if (value instanceof Set) {
    for (const item of value) checkPlainData(item, budget, depth + 1);
    return;
  }
  fail("payload holds a class instance");
}
