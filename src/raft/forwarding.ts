import type { Proposal, Raft } from "./raft.js";
import type { DropReason, NodeId, RaftMessage } from "./types.js";

/*
 * Proposals and ReadIndex requests a follower forwards to its leader, and the
 * answers (model: etcd's MsgProp / MsgReadIndex forwarding). These are requests
 * to a leader rather than Raft RPCs: they never move terms.
 */

/** Reads a follower keeps waiting for an answer to (lost answers would otherwise pile up). */
const MAX_FORWARDED_READS = 4096;

/** A follower hands a local proposal to its leader; the leader appends it or refuses it with a reason. */
export function forwardProposal(r: Raft, lead: NodeId, p: Proposal): void {
  r.send({
    type: "propose",
    to: lead,
    entries: [{ term: 0, index: 0, type: p.type, data: p.data }],
    proposalIds: [p.id],
  });
}

/** A follower asks its leader for a read index (thesis §6.4); the answer comes back by context. */
export function forwardRead(r: Raft, lead: NodeId, context: string): void {
  r.forwardedReads.add(context);
  if (r.forwardedReads.size > MAX_FORWARDED_READS) {
    // Answers can be lost: bound the bookkeeping by giving up on the oldest (the caller may retry).
    const oldest = r.forwardedReads.values().next().value!;
    r.forwardedReads.delete(oldest);
    r.rejectedReads.push({ context: oldest, reason: "no-leader" });
  }
  r.send({ type: "read-index", to: lead, context });
}

/**
 * A leader answers a non-member's forwarded request with a refusal instead of
 * silence, so a removed peer's request fails at once with a precise reason; the
 * answer goes to the sender only and changes nothing here.
 */
export function refuseNonMember(r: Raft, m: RaftMessage, reason: DropReason): void {
  if (reason !== "not-a-member" || !r.leader) return;
  if (m.type === "propose" && (m.proposalIds?.length ?? 0) > 0) {
    r.refuseProposals(m.from, m.proposalIds!, "not-a-member");
  } else if (m.type === "read-index") {
    const context = m.context ?? "";
    r.send({ type: "read-index-response", to: m.from, context, reject: true, reason: "not-a-member" });
  }
}

/** A forwarded request or its answer, from a peer the node accepts. */
export function stepForwarding(r: Raft, m: RaftMessage): void {
  switch (m.type) {
    case "propose": {
      const ids = m.proposalIds ?? [];
      const proposals = (m.entries ?? []).map((e, i) => ({ id: ids[i] ?? "", type: e.type, data: e.data }));
      if (r.leader) r.leader.handleForwarded(m.from, proposals);
      else if (proposals.length > 0)
        r.refuseProposals(
          m.from,
          proposals.map((p) => p.id),
          "no-leader",
        );
      return;
    }
    case "propose-response":
      for (const id of m.proposalIds ?? []) r.rejectedProposals.push({ id, reason: m.reason ?? "no-leader" });
      return;
    case "read-index":
      if (r.leader) r.leader.readIndex(m.context ?? "", m.from);
      else
        r.send({
          type: "read-index-response",
          to: m.from,
          context: m.context ?? "",
          reject: true,
          reason: "no-leader",
        });
      return;
    case "read-index-response": {
      const context = m.context ?? "";
      if (!r.forwardedReads.delete(context)) return;
      if (m.reject === true) r.rejectedReads.push({ context, reason: m.reason ?? "no-leader" });
      else r.readStates.push({ context, index: m.index ?? 0 });
      return;
    }
    default:
      return;
  }
}
