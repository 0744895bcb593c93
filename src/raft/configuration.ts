import type { ConfChange, ConfState, Entry } from "./types.js";

export const EMPTY_CONF: ConfState = { voters: [], learners: [] };

/**
 * Why a single-server change cannot apply to `conf` (thesis §4.1), or
 * undefined when it is valid. A change that would leave no voter is invalid.
 */
export function validateConfChange(conf: ConfState, change: ConfChange): string | undefined {
  const isVoter = conf.voters.includes(change.nodeId);
  const isLearner = conf.learners.includes(change.nodeId);
  switch (change.type) {
    case "addLearner":
      return isVoter || isLearner ? "already a member" : undefined;
    case "addVoter":
      return isVoter ? "already a voter" : undefined;
    case "demoteVoter":
      if (!isVoter) return "not a voter";
      return conf.voters.length <= 1 ? "would leave no voter" : undefined;
    case "remove":
      if (!isVoter && !isLearner) return "not a member";
      return isVoter && conf.voters.length <= 1 ? "would leave no voter" : undefined;
    default:
      return "unknown change type";
  }
}

/** Applies a change to a configuration; an invalid change leaves it unchanged (every node does the same). */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState {
  if (validateConfChange(conf, change) !== undefined) return conf;
  const id = change.nodeId;
  const voters = conf.voters.filter((v) => v !== id);
  const learners = conf.learners.filter((v) => v !== id);
  switch (change.type) {
    case "addLearner":
    case "demoteVoter":
      learners.push(id);
      break;
    case "addVoter":
      voters.push(id);
      break;
    case "remove":
      break;
  }
  return { voters: voters.sort(), learners: learners.sort() };
}

/** Whether `data` is a well-formed ConfChange (entries and messages come from the network). */
export function isConfChange(data: unknown): data is ConfChange {
  if (typeof data !== "object" || data === null) return false;
  const c = data as { type?: unknown; nodeId?: unknown };
  return (
    typeof c.nodeId === "string" &&
    (c.type === "addLearner" || c.type === "addVoter" || c.type === "demoteVoter" || c.type === "remove")
  );
}

/** The configuration after applying every conf entry in `entries` to `base` (changes take effect when appended). */
export function confAfter(base: ConfState, entries: readonly Entry[]): ConfState {
  let conf = base;
  for (const e of entries) {
    if (e.type === "conf" && isConfChange(e.data)) conf = applyConfChange(conf, e.data);
  }
  return conf;
}

export function sameConf(a: ConfState, b: ConfState): boolean {
  return sameList(a.voters, b.voters) && sameList(a.learners, b.learners);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A canonical copy (sorted) of a configuration. */
export function normalizeConf(conf: ConfState): ConfState {
  return { voters: [...conf.voters].sort(), learners: [...conf.learners].sort() };
}

/**
 * The log a bootstrapped cluster starts from: the initial configuration as
 * committed conf entries of term 1, identical on every bootstrapped node, so a
 * peer that joins later and replays the log from index 1 derives the same
 * configuration as everyone else.
 */
export function bootstrapEntries(conf: ConfState): Entry[] {
  const changes: ConfChange[] = [
    ...[...conf.voters].sort().map((nodeId) => ({ type: "addVoter" as const, nodeId })),
    ...[...conf.learners].sort().map((nodeId) => ({ type: "addLearner" as const, nodeId })),
  ];
  return changes.map((data, i) => ({ term: 1, index: i + 1, type: "conf" as const, data }));
}
