import type { ConfState, Entry, RaftMessage, Ready, Snapshot } from "../../src/raft/types.js";

/*
 * One-line descriptions of the core's messages and Ready batches, etcd-style, for
 * the golden transcripts (testdata/*.txt): stable, compact, and every field shown.
 */

/** `voters=(a,b) learners=(l)`. */
export function describeConf(conf: ConfState): string {
  return `voters=(${conf.voters.join(",")}) learners=(${conf.learners.join(",")})`;
}

/** `term/index type data`, e.g. `2/5 normal "x"` or `1/1 conf addVoter(a)`. */
export function describeEntry(e: Entry): string {
  if (e.type === "noop") return `${e.term}/${e.index} noop`;
  if (e.type === "conf") {
    const c = e.data as { type?: unknown; nodeId?: unknown };
    return `${e.term}/${e.index} conf ${String(c.type)}(${String(c.nodeId)})`;
  }
  return `${e.term}/${e.index} normal ${JSON.stringify(e.data)}`;
}

/** `from->to type term=T field=value...`, fields in a fixed order, absent ones omitted. */
export function describeMessage(m: RaftMessage): string {
  const parts = [`${m.from}->${m.to}`, m.type, `term=${m.term}`];
  const field = (name: string, value: unknown) => {
    if (value !== undefined) parts.push(`${name}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  };
  field("index", m.index);
  field("logTerm", m.logTerm);
  field("commit", m.commit);
  field("reject", m.reject);
  field("hint", m.rejectHint);
  field("context", m.context);
  field("reason", m.reason);
  if (m.proposalIds !== undefined) parts.push(`ids=(${m.proposalIds.join(",")})`);
  if (m.entries !== undefined) parts.push(`entries=[${m.entries.map(describeEntry).join(", ")}]`);
  if (m.snapshotMeta !== undefined) {
    const meta = m.snapshotMeta;
    parts.push(`snap=${meta.index}/${meta.term} ${describeConf(meta.confState)}`);
  }
  field("offset", m.snapshotOffset);
  field("total", m.snapshotTotal);
  if (m.snapshotChunk !== undefined) parts.push(`chunk=${m.snapshotChunk.byteLength}B`);
  field("done", m.snapshotDone);
  return parts.join(" ");
}

export function describeSnapshot(s: Snapshot): string {
  return `snapshot ${s.meta.index}/${s.meta.term} ${describeConf(s.meta.confState)} data=${s.data.byteLength}B`;
}

/** A Ready as indented lines, only the parts it carries. */
export function describeReady(rd: Ready): string[] {
  const out: string[] = [];
  if (rd.softState) {
    const s = rd.softState;
    out.push(`soft: ${s.role} lead=${s.leaderId ?? "-"} term=${s.term}`);
  }
  if (rd.hardState) {
    const h = rd.hardState;
    out.push(`hard: term=${h.term} vote=${h.vote ?? "-"} commit=${h.commit}`);
  }
  if (rd.snapshot) out.push(`install: ${describeSnapshot(rd.snapshot)}`);
  if (rd.confState) out.push(`conf: ${describeConf(rd.confState)}`);
  if (rd.entries.length > 0) out.push(`entries: ${rd.entries.map(describeEntry).join(", ")}`);
  if (rd.committedEntries.length > 0) out.push(`committed: ${rd.committedEntries.map(describeEntry).join(", ")}`);
  for (const m of rd.messages) out.push(`send: ${describeMessage(m)}`);
  for (const r of rd.readStates) out.push(`read-state: ${r.context}@${r.index}`);
  for (const r of rd.rejectedProposals) out.push(`rejected-proposal: ${r.id} ${r.reason}`);
  for (const r of rd.rejectedReads) out.push(`rejected-read: ${r.context} ${r.reason}`);
  for (const d of rd.droppedMessages) out.push(`dropped: ${d.from} ${d.type} term=${d.term} ${d.reason}`);
  return out;
}
