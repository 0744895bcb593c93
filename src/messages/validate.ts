import type { ConfChange, Entry, RaftMessage, RaftMessageType, SnapshotMeta } from "../raft/types.js";
import { HAMOK_MESSAGE_TYPES, HAMOK_PROTOCOL, type HamokMessage, type PeerAnnouncement } from "./hamok-message.js";
import {
  type Budget,
  CONTAINER_COST,
  charge,
  checkPlainData,
  fail,
  Invalid,
  type InvalidMessageCode,
  isPlainArray,
  isPlainRecord,
} from "./plain-data.js";

/**
 * Validation of every inbound message before any of it is used. A message from
 * the network is untrusted: wrong shapes, wrong types, absurd numbers, cyclic
 * or huge payloads must be refused here, so the Raft core and the state
 * machines only ever see well-formed data.
 */

export type { InvalidMessageCode } from "./plain-data.js";

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

/**
 * The highest term a message may carry. Terms grow by one per election, so no real cluster comes
 * near 2^40; a forged term near 2^53 would otherwise be adopted by every peer (Raft §5.1: a higher
 * term always wins) and leave no representable term for the next election.
 */
export const MAX_TERM = 2 ** 40;

const MAX_MEMBERS = 1024;

/** The Raft types accepted; `satisfies` keeps it exhaustive, since this layer may import the core's types only. */
const RAFT_TYPE_FLAGS = {
  append: true,
  "append-response": true,
  heartbeat: true,
  "heartbeat-response": true,
  "pre-vote": true,
  "pre-vote-response": true,
  vote: true,
  "vote-response": true,
  snapshot: true,
  "snapshot-response": true,
  "timeout-now": true,
  propose: true,
  "propose-response": true,
  "read-index": true,
  "read-index-response": true,
} as const satisfies Record<RaftMessageType, true>;
const RAFT_TYPES: ReadonlySet<string> = new Set(Object.keys(RAFT_TYPE_FLAGS));
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

/** Check an untrusted value and return it typed as a {@link HamokMessage}, or say why it is refused. Never throws. */
export function validateHamokMessage(value: unknown, limits: ValidationLimits): ValidationResult {
  try {
    const budget = { left: limits.maxMessageBytes };
    checkEnvelope(value, budget);
    return { ok: true, message: value as HamokMessage };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, code: error.code, reason: error.message };
    // A getter, a proxy or an impostor container threw while being read.
    return { ok: false, code: "InvalidMessage", reason: "unreadable message" };
  }
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

function term(value: unknown, field: string): number {
  const n = count(value, field);
  if (n > MAX_TERM) fail(`${field} exceeds the term ceiling 2^40`);
  return n;
}

function optionalCount(value: unknown, field: string): number | undefined {
  return value === undefined ? undefined : count(value, field);
}

function optionalBoolean(value: unknown, field: string): void {
  if (value !== undefined && typeof value !== "boolean") fail(`${field} must be a boolean`);
}

function idList(value: unknown, field: string, budget: Budget): readonly string[] {
  if (!isPlainArray(value) || value.length > MAX_MEMBERS) fail(`${field} must be a list of ids`);
  charge(budget, CONTAINER_COST);
  for (let i = 0; i < value.length; i++) id(value[i], `${field}[]`, budget);
  return value as string[];
}

function checkEnvelope(value: unknown, budget: Budget): void {
  if (!isPlainRecord(value)) fail("message must be a plain object");
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
  if (!isPlainRecord(value)) fail("peer must be a plain object");
  if (typeof value.joining !== "boolean") fail("peer.joining must be a boolean");
  if (typeof value.canLead !== "boolean") fail("peer.canLead must be a boolean");
  optionalId(value.leaderId, "peer.leaderId", budget);
  term(value.term, "peer.term");
  count(value.commit, "peer.commit");
  idList(value.members, "peer.members", budget);
}

/** Fields that only some Raft message types carry; anywhere else they are refused. */
const ENTRY_TYPES: ReadonlySet<string> = new Set(["append", "propose"]);

function checkRaftMessage(value: unknown, sourceId: string, destinationId: unknown, budget: Budget): void {
  if (!isPlainRecord(value)) fail("raft must be a plain object");
  const m = value as Partial<Record<keyof RaftMessage, unknown>>;
  if (typeof m.type !== "string" || !RAFT_TYPES.has(m.type as RaftMessageType)) fail("unknown raft message type");
  const type = m.type as RaftMessageType;
  // A peer may only speak for itself, and a Raft message is always addressed to one peer.
  if (m.from !== sourceId) fail("raft.from differs from sourceId");
  id(m.to, "raft.to", budget);
  if (destinationId !== m.to) fail("raft.to differs from destinationId");
  const messageTerm = term(m.term, "raft.term");
  const index = optionalCount(m.index, "raft.index");
  const logTerm = m.logTerm === undefined ? undefined : term(m.logTerm, "raft.logTerm");
  if (logTerm !== undefined && logTerm > messageTerm) fail("raft.logTerm is newer than raft.term");
  optionalCount(m.commit, "raft.commit");
  optionalCount(m.rejectHint, "raft.rejectHint");
  optionalBoolean(m.reject, "raft.reject");
  optionalBoolean(m.snapshotDone, "raft.snapshotDone");
  if (m.context !== undefined && (typeof m.context !== "string" || m.context.length > MAX_ID_LENGTH)) {
    fail("raft.context must be a short string");
  }
  if (m.reason !== undefined && !REJECT_REASONS.has(m.reason as string)) fail("unknown raft.reason");
  if (m.entries !== undefined) {
    if (!ENTRY_TYPES.has(type)) fail(`raft.entries on a ${type} message`);
    checkEntries(m.entries, type === "propose", index ?? 0, messageTerm, budget);
  }
  checkProposalIds(type, m.proposalIds, m.entries, budget);
  if (type === "snapshot") checkSnapshotChunk(m, budget);
  else if (m.snapshotMeta !== undefined || m.snapshotChunk !== undefined || m.snapshotTotal !== undefined) {
    fail(`snapshot fields on a ${type} message`);
  }
  optionalCount(m.snapshotOffset, "raft.snapshotOffset");
}

/**
 * `propose` pairs each forwarded entry with its proposal id; `propose-response` (the leader's refusal)
 * lists the refused ids alone, without entries. No other message carries ids.
 */
function checkProposalIds(type: RaftMessageType, ids: unknown, entries: unknown, budget: Budget): void {
  if (type === "propose") {
    const list = idList(ids, "raft.proposalIds", budget);
    if (!isPlainArray(entries) || entries.length !== list.length) fail("raft.proposalIds must match raft.entries");
    return;
  }
  if (type === "propose-response") {
    if (entries !== undefined) fail("propose-response carries no entries");
    idList(ids, "raft.proposalIds", budget);
    return;
  }
  if (ids !== undefined) fail(`raft.proposalIds on a ${type} message`);
}

function checkSnapshotChunk(m: Partial<Record<keyof RaftMessage, unknown>>, budget: Budget): void {
  checkSnapshotMeta(m.snapshotMeta, budget);
  const offset = count(m.snapshotOffset, "raft.snapshotOffset");
  const total = count(m.snapshotTotal, "raft.snapshotTotal");
  const chunk = m.snapshotChunk;
  if (!(chunk instanceof Uint8Array) || !ArrayBuffer.isView(chunk)) fail("raft.snapshotChunk must be bytes");
  charge(budget, chunk.byteLength);
  if (offset + chunk.byteLength > total) fail("raft.snapshotChunk lies beyond raft.snapshotTotal");
}

function checkEntries(value: unknown, proposal: boolean, prevIndex: number, maxTerm: number, budget: Budget): void {
  if (!isPlainArray(value)) fail("raft.entries must be a list");
  charge(budget, CONTAINER_COST);
  let previousTerm = 0;
  for (let position = 0; position < value.length; position++) {
    const raw: unknown = value[position];
    if (!isPlainRecord(raw)) fail("raft.entries[] must be a plain object");
    const entry = raw as Partial<Record<keyof Entry, unknown>>;
    const entryIndex = count(entry.index, "entry.index");
    const entryTerm = term(entry.term, "entry.term");
    // Forwarded proposals carry index/term 0 until the leader appends them; appended
    // entries follow prevIndex contiguously with non-decreasing terms (Raft §5.3 log matching).
    if (!proposal) {
      if (entryIndex !== prevIndex + position + 1) fail("raft.entries are not contiguous");
      if (entryTerm < previousTerm || entryTerm > maxTerm) fail("raft.entries have impossible terms");
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

/** A conf change names its type and node; anything else it carries is plain data and pays for its size. */
function checkConfChange(value: unknown, budget: Budget): asserts value is ConfChange {
  if (!isPlainRecord(value) || !CONF_CHANGE_TYPES.has(value.type as string)) fail("invalid conf change");
  id(value.nodeId, "conf.nodeId", budget);
  charge(budget, CONTAINER_COST);
  for (const key in value) {
    if (key === "type" || key === "nodeId") continue;
    charge(budget, key.length + 3);
    checkPlainData(value[key], budget, 1);
  }
}

function checkSnapshotMeta(value: unknown, budget: Budget): asserts value is SnapshotMeta {
  if (!isPlainRecord(value)) fail("raft.snapshotMeta must be a plain object");
  count(value.index, "snapshotMeta.index");
  term(value.term, "snapshotMeta.term");
  const conf = value.confState;
  if (!isPlainRecord(conf)) fail("snapshotMeta.confState must list voters and learners");
  const voters = idList(conf.voters, "confState.voters", budget);
  const learners = idList(conf.learners, "confState.learners", budget);
  if (voters.length + learners.length > MAX_MEMBERS) fail("snapshotMeta.confState too large");
}
