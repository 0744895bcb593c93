import { MAX_TERM } from "./limits.js";
import type { ConfState, DropReason, NodeId, RaftMessage } from "./types.js";

/** What the acceptance rule looks at: the receiving node's configuration, term and leader. */
export interface AcceptanceView {
  readonly conf: ConfState;
  readonly term: number;
  /** The leader of `term` this node follows (or is), if any. */
  readonly lead: NodeId | null;
  /** Non-members a member of `conf` vouched for (see {@link Vouches}). */
  readonly vouched: ReadonlySet<NodeId>;
  /** Whether an uncommitted `remove` entry of the log takes this peer out of `conf`. */
  readonly removedByUncommitted: (id: NodeId) => boolean;
}

/**
 * Whether a node accepts Raft messages from `from`. The threat model: Raft is
 * not Byzantine-tolerant, so a voting member is trusted; a non-member (any
 * room member, any same-origin script, an old or buggy client) must not be
 * able to disrupt or corrupt the cluster.
 *
 * A node without a configuration (a joiner that has not received its first
 * entries) accepts everyone: it has nothing to protect and must hear its
 * first leader. Once it has voters, it accepts only:
 * - the voters and learners of its configuration (the latest one in its log,
 *   committed or not: thesis §4.1), and the peers that uncommitted entries of
 *   its log remove: those entries may yet be truncated, by a leader that is one
 *   of them (a leader that removed a member and lost its leadership before the
 *   removal committed leaves that member free to win the next election);
 * - the leader of its current term, even when no longer in that configuration:
 *   a leader that removed itself keeps leading until its removal commits and
 *   then hands over with `timeout-now` (thesis §4.2.2). It became our leader
 *   through a message we accepted, so it was a member or vouched for then;
 * - a peer a member vouched for.
 *
 * The trade-off: a follower that lags behind the addition of a member which
 * then becomes leader (a frozen tab, thawed after a new tab joined and took
 * the lead) cannot tell that leader from a forger, because the entries that
 * would tell it are exactly what the new leader is trying to send. Accepting
 * it on its own claim would let any room member overwrite a follower's log.
 * It recovers through a member's word: members (which it already trusts) tell
 * the runtime who leads and who belongs in their announcements, and the runtime
 * passes that on with `RaftNode.vouch(peer, member)`; the follower then accepts
 * that leader and catches up (or, when the new member is a candidate whose
 * election needs this follower's vote, hears its vote request), and the vouch
 * ends once the log has the member in it. When no
 * member of its configuration is left to say so (all of them left while it was
 * away), only the runtime can decide: `RaftNode.acceptMember(peer)` takes the
 * cluster's own announcement of its leader and members, and the runtime does so
 * only when its transport says that none of those members is in the room any
 * more. Until then the
 * follower stays silent to the new leader; it never disturbs the cluster
 * meanwhile (PreVote and the leader lease turn its campaigns away).
 */
export function acceptsFrom(view: AcceptanceView, from: NodeId): boolean {
  const { voters, learners } = view.conf;
  if (voters.length === 0) return true;
  return (
    voters.includes(from) ||
    learners.includes(from) ||
    from === view.lead ||
    view.vouched.has(from) ||
    view.removedByUncommitted(from)
  );
}

/** Why `m` must be dropped unprocessed, or undefined when the node may process it. */
export function refusal(view: AcceptanceView, m: RaftMessage): DropReason | undefined {
  // Terms have a ceiling far below 2^53 (see MAX_TERM): checked first, whoever sends it.
  if (m.term > MAX_TERM) return "term-ceiling";
  if (!acceptsFrom(view, m.from)) return "not-a-member";
  // TimeoutNow starts an election that ignores the leader lease (thesis §3.10): only the
  // leader we follow in this very term may ask for it, never a peer or an older leader.
  if (m.type === "timeout-now" && (m.term !== view.term || m.from !== view.lead)) return "not-current-leader";
  return undefined;
}

/** Vouches held at most at once (a member vouches for the leader it follows: one or two in practice). */
const MAX_VOUCHES = 16;

/**
 * Non-members a member of this node's configuration vouched for. A vouch ends
 * when the vouched peer appears in the configuration (from then on the log
 * decides about it); the oldest gives way beyond {@link MAX_VOUCHES}.
 */
export class Vouches {
  readonly #ids = new Set<NodeId>();

  get ids(): ReadonlySet<NodeId> {
    return this.#ids;
  }

  /** Records that member `by` vouched for `peer`; returns whether it was accepted. */
  vouch(conf: ConfState, peer: NodeId, by: NodeId): boolean {
    const members = [...conf.voters, ...conf.learners];
    if (peer === by || !members.includes(by)) return false;
    return this.add(conf, peer);
  }

  /** Records a vouch for `peer` on the caller's authority; returns whether it was accepted. */
  add(conf: ConfState, peer: NodeId): boolean {
    if (conf.voters.length === 0 || conf.voters.includes(peer) || conf.learners.includes(peer)) return false;
    this.#ids.delete(peer);
    this.#ids.add(peer);
    if (this.#ids.size > MAX_VOUCHES) this.#ids.delete(this.#ids.values().next().value!);
    return true;
  }

  /** The configuration changed: members need no vouch any more. */
  confChanged(conf: ConfState): void {
    for (const id of [...this.#ids]) if (conf.voters.includes(id) || conf.learners.includes(id)) this.#ids.delete(id);
  }
}
