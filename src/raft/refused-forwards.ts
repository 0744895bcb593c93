import type { ProposalRejectReason } from "./types.js";

/** Refusals remembered at once; older ones give way (a duplicate arrives within moments, if at all). */
const MAX_REMEMBERED = 4096;

/**
 * Forwarded proposals this node refused, by proposal id. A network that
 * duplicates messages can deliver a copy of a refused proposal later, when the
 * reason no longer holds (the transfer ended, the uncommitted backlog drained);
 * appending that copy would make the refusal the proposer was told ("this will
 * not apply") false. So a copy is refused again, with the same reason.
 */
export class RefusedForwards {
  readonly #reasons = new Map<string, ProposalRejectReason>();

  record(ids: readonly string[], reason: ProposalRejectReason): void {
    for (const id of ids) {
      this.#reasons.delete(id);
      this.#reasons.set(id, reason);
    }
    while (this.#reasons.size > MAX_REMEMBERED) this.#reasons.delete(this.#reasons.keys().next().value!);
  }

  /** Why the proposal `id` was refused, if it was. */
  reasonFor(id: string): ProposalRejectReason | undefined {
    return this.#reasons.get(id);
  }
}
