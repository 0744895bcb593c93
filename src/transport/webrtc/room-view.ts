/** How many ended sessions a view remembers (a room's churn beyond this is forgotten oldest first). */
const MAX_ENDED_SESSIONS = 4096;

/**
 * A client's view of its signaling room, built from `welcome`, `peer-joined` and `peer-left`.
 *
 * With several signaling instances the notices of one peer can arrive out of order (a catch-up `peer-joined`
 * sent after a membership query can trail the `peer-left` of the same connection). Notices carry the
 * member's `session` (its connection id), which makes them safe to apply in any order: a session that has
 * ended never comes back, and a `peer-left` of an older session does not remove a peer that reconnected.
 * Notices without a session (older servers) are applied as they come.
 */
export class RoomView {
  readonly #sessions = new Map<string, string | undefined>();
  readonly #ended = new Set<string>();

  /** The peers currently in the room. */
  members(): IterableIterator<string> {
    return this.#sessions.keys();
  }

  has(peerId: string): boolean {
    return this.#sessions.has(peerId);
  }

  /** A new connection's welcome: the room is exactly `peers`. */
  welcome(peers: readonly string[]): void {
    this.#sessions.clear();
    for (const peer of peers) this.#sessions.set(peer, undefined);
  }

  /** Apply a `peer-joined`; false when it is stale (its session already ended). */
  joined(peerId: string, session?: string): boolean {
    if (session !== undefined && this.#ended.has(session)) return false;
    this.#sessions.set(peerId, session ?? this.#sessions.get(peerId));
    return true;
  }

  /** Apply a `peer-left`; false when it is stale (it ends an older session of a peer that is back). */
  left(peerId: string, session?: string): boolean {
    if (session !== undefined) {
      this.#ended.add(session);
      if (this.#ended.size > MAX_ENDED_SESSIONS) {
        const oldest = this.#ended.values().next().value;
        if (oldest !== undefined) this.#ended.delete(oldest);
      }
      const current = this.#sessions.get(peerId);
      if (current !== undefined && current !== session) return false;
    }
    this.#sessions.delete(peerId);
    return true;
  }
}
