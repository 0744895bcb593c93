/**
 * What an emitter remembers of the publishes it received lately, so that a message the network delivers twice
 * reaches the app's listeners once. Publish ids are unique per publishing emitter incarnation (peer id, the time the
 * emitter was created, a sequence) and keyed by the peer they came from, so one bounded table serves every sender.
 * A duplicate arrives close behind its original; the oldest entries go first once the table is full.
 */
export class RecentDeliveries {
  private readonly delivered = new Map<string, boolean>();

  constructor(private readonly capacity = 4096) {}

  /** Whether publish `id` from peer `from` was received before, and if so whether its listeners ran (for a repeated ack). */
  get(from: string, id: string): boolean | undefined {
    return this.delivered.get(`${from}\n${id}`);
  }

  /** Remembers that publish `id` from peer `from` was received and whether its listeners ran. */
  remember(from: string, id: string, delivered: boolean): void {
    this.delivered.set(`${from}\n${id}`, delivered);
    if (this.delivered.size > this.capacity) {
      const oldest = this.delivered.keys().next().value;
      if (oldest !== undefined) this.delivered.delete(oldest);
    }
  }
}
