import type { Hamok, HamokMessage, HamokTransport } from "../src/index";

/**
 * Message counters by kind, for the inspector and the end-to-end tests: a Raft message counts as
 * `raft/<type>` (e.g. `raft/append`, `raft/snapshot`), anything else by its Hamok message type.
 * `raft/snapshot` received tells whether this tab was caught up with a snapshot transfer.
 */
export class TrafficCounters {
  readonly inbound = new Map<string, number>();
  readonly outbound = new Map<string, number>();

  /** Count every message `hamok` emits and every message `transport` delivers. */
  watch(hamok: Hamok, transport: HamokTransport<HamokMessage>): void {
    hamok.on("message", (message) => bump(this.outbound, kindOf(message)));
    this.watchTransport(transport);
  }

  /** Count the messages of a transport that replaced the first one (a retried join). */
  watchTransport(transport: HamokTransport<HamokMessage>): void {
    transport.on("message", (message) => bump(this.inbound, kindOf(message)));
  }

  /** Received messages of one kind. */
  received(kind: string): number {
    return this.inbound.get(kind) ?? 0;
  }

  /** Totals in each direction. */
  totals(): { readonly received: number; readonly sent: number } {
    return { received: sum(this.inbound), sent: sum(this.outbound) };
  }
}

function kindOf(message: HamokMessage): string {
  return message.type === "raft" ? `raft/${message.raft.type}` : message.type;
}

function bump(counts: Map<string, number>, kind: string): void {
  counts.set(kind, (counts.get(kind) ?? 0) + 1);
}

function sum(counts: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const value of counts.values()) total += value;
  return total;
}
