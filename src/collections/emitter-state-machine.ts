/**
 * The replicated state machine of an emitter: which peers subscribe to which event, with each
 * subscription's metadata. Published payloads do not go through the log (they are direct messages);
 * only the subscription set does, so every peer agrees on who to deliver an event to.
 */
import type { ApplyContext, ApplyOutcome, ReplicatedStateMachine, StorageCommand } from "./contract.js";

/** A change of the subscription set, delivered to the user-facing class on every peer. */
export type EmitterChange =
  | { readonly type: "add-peer"; readonly event: string; readonly peerId: string; readonly metaData: unknown }
  | { readonly type: "remove-peer"; readonly event: string; readonly peerId: string };

/** The exported state: per event, its subscribers with their metadata, in subscription order. */
export interface EmitterSnapshot {
  readonly subscriptions: readonly (readonly [event: string, peers: readonly (readonly [string, unknown])[]])[];
}

/**
 * Operations: `subscribe` `{event, peerId, metaData}` → whether the peer was new to the event (an
 * existing subscription gets the new metadata); `unsubscribe` `{event, peerId}` → whether it was
 * subscribed; `removePeer` `{peerId}` → how many subscriptions it lost. A malformed command changes
 * nothing and results in `null`.
 */
export type EmitterOp = "subscribe" | "unsubscribe" | "removePeer";

function stringField(args: unknown, name: string): string | undefined {
  const value = typeof args === "object" && args !== null ? (args as Record<string, unknown>)[name] : undefined;
  return typeof value === "string" ? value : undefined;
}

/** Subscriptions (event → peer id → metadata) replicated through the log. */
export class EmitterStateMachine implements ReplicatedStateMachine {
  readonly type = "emitter" as const;
  private readonly events = new Map<string, Map<string, unknown>>();

  /** Subscribers of an event with their metadata. Do not mutate: it is the replicated state. */
  subscribers(event: string): ReadonlyMap<string, unknown> | undefined {
    return this.events.get(event);
  }

  /** Events with at least one subscriber. */
  eventNames(): string[] {
    return [...this.events.keys()];
  }

  apply(command: StorageCommand, _context: ApplyContext): ApplyOutcome {
    const args = command.args;
    const peerId = stringField(args, "peerId");
    if (peerId === undefined) return { result: null, changes: [] };
    switch (command.op as EmitterOp) {
      case "subscribe": {
        const event = stringField(args, "event");
        if (event === undefined) return { result: null, changes: [] };
        const metaData = (args as { metaData?: unknown }).metaData ?? null;
        let peers = this.events.get(event);
        if (peers === undefined) {
          peers = new Map();
          this.events.set(event, peers);
        }
        const added = !peers.has(peerId);
        peers.set(peerId, metaData);
        const changes: EmitterChange[] = added ? [{ type: "add-peer", event, peerId, metaData }] : [];
        return { result: added, changes };
      }
      case "unsubscribe": {
        const event = stringField(args, "event");
        if (event === undefined) return { result: null, changes: [] };
        const removed = this.remove(event, peerId);
        return { result: removed, changes: removed ? [{ type: "remove-peer", event, peerId }] : [] };
      }
      case "removePeer": {
        const changes: EmitterChange[] = [];
        for (const event of [...this.events.keys()]) {
          if (this.remove(event, peerId)) changes.push({ type: "remove-peer", event, peerId });
        }
        return { result: changes.length, changes };
      }
      default:
        return { result: null, changes: [] };
    }
  }

  export(): unknown {
    const snapshot: EmitterSnapshot = {
      subscriptions: [...this.events].map(([event, peers]) => [event, [...peers]] as const),
    };
    return snapshot;
  }

  import(state: unknown): void {
    this.events.clear();
    const subs =
      typeof state === "object" && state !== null ? (state as { subscriptions?: unknown }).subscriptions : undefined;
    if (!Array.isArray(subs)) return;
    for (const item of subs) {
      if (!Array.isArray(item) || typeof item[0] !== "string" || !Array.isArray(item[1])) continue;
      const peers = new Map<string, unknown>();
      for (const peer of item[1] as unknown[]) {
        if (Array.isArray(peer) && typeof peer[0] === "string") peers.set(peer[0], peer[1] ?? null);
      }
      if (peers.size > 0) this.events.set(item[0], peers);
    }
  }

  private remove(event: string, peerId: string): boolean {
    const peers = this.events.get(event);
    if (peers === undefined || !peers.delete(peerId)) return false;
    if (peers.size === 0) this.events.delete(event);
    return true;
  }
}
