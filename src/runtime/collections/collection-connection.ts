import type { HamokClock } from "../../clock.js";
import type {
  ApplyContext,
  ApplyOutcome,
  ReplicatedStateMachine,
  StorageCommand,
  StorageConnection,
  StorageConnectionListener,
  StorageType,
  SubmitOptions,
} from "../../collections/contract.js";
import { HamokError } from "../../errors.js";

/** What a connection needs of its peer. */
export interface ConnectionHost {
  readonly localPeerId: string;
  readonly ready: Promise<void>;
  readonly remotePeerIds: ReadonlySet<string>;
  readonly leaderId: string | undefined;
  readonly clock: HamokClock;
  submit(command: StorageCommand, timeoutInMs: number | undefined): Promise<unknown>;
  sync(timeoutInMs: number | undefined): Promise<void>;
  sendDirect(storageId: string, payload: unknown, destinationPeerId: string | undefined): void;
  detach(connection: CollectionConnection): void;
  reportError(error: HamokError): void;
}

/**
 * One collection's {@link StorageConnection}: submits its commands through the
 * log, relays what the log applies to its listener, and carries its direct
 * messages. Closing it detaches the collection; the replicated state stays.
 */
export class CollectionConnection implements StorageConnection {
  private listener: StorageConnectionListener | undefined;
  private closed = false;

  constructor(
    private readonly host: ConnectionHost,
    readonly storageId: string,
    readonly storageType: StorageType,
    readonly stateMachine: ReplicatedStateMachine,
  ) {}

  get localPeerId(): string {
    return this.host.localPeerId;
  }

  get ready(): Promise<void> {
    return this.host.ready;
  }

  get remotePeerIds(): ReadonlySet<string> {
    return this.host.remotePeerIds;
  }

  get leaderId(): string | undefined {
    return this.host.leaderId;
  }

  get clock(): HamokClock {
    return this.host.clock;
  }

  /** Whether `close()` was called (or Hamok closed). */
  get isClosed(): boolean {
    return this.closed;
  }

  attach(listener: StorageConnectionListener): void {
    this.listener = listener;
  }

  submit(op: string, args?: unknown, options?: SubmitOptions): Promise<unknown> {
    if (this.closed) return Promise.reject(new HamokError("Closed", `storage ${this.storageId} is closed`));
    const command: StorageCommand =
      args === undefined
        ? { storageId: this.storageId, storageType: this.storageType, op }
        : { storageId: this.storageId, storageType: this.storageType, op, args };
    return this.host.submit(command, options?.timeoutInMs);
  }

  sync(options?: SubmitOptions): Promise<void> {
    if (this.closed) return Promise.reject(new HamokError("Closed", `storage ${this.storageId} is closed`));
    return this.host.sync(options?.timeoutInMs);
  }

  sendDirect(payload: unknown, destinationPeerId?: string): void {
    if (!this.closed) this.host.sendDirect(this.storageId, payload, destinationPeerId);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.detach(this);
  }

  reportListenerError(event: string, error: unknown): void {
    const what = error instanceof Error ? error.message : String(error);
    this.host.reportError(
      new HamokError(
        "ListenerFailure",
        `a listener of "${event}" on ${this.storageType} ${this.storageId} threw: ${what}`,
        { cause: error },
      ),
    );
  }

  /** @internal A command of this storage was applied. */
  applied(command: StorageCommand, outcome: ApplyOutcome, context: ApplyContext): void {
    // `guarded` written out: this runs for every applied request on every peer, a closure each was garbage.
    try {
      this.listener?.onApplied(command, outcome, context);
    } catch (error) {
      this.reportListenerError("apply", error);
    }
  }

  /** @internal The state machine was replaced from a snapshot. */
  restored(): void {
    this.guarded("restore", () => this.listener?.onRestored());
  }

  /** @internal A direct message arrived. */
  direct(payload: unknown, fromPeerId: string): void {
    this.guarded("direct message", () => this.listener?.onDirectMessage?.(payload, fromPeerId));
  }

  /** @internal The remote peers changed. */
  peersChanged(): void {
    this.guarded("peers changed", () => this.listener?.onRemotePeersChanged?.());
  }

  /** @internal The leader changed (`undefined`: none known). */
  leaderChanged(leaderId: string | undefined): void {
    if (!this.closed) this.guarded("leader changed", () => this.listener?.onLeaderChanged?.(leaderId));
  }

  /** @internal Hamok closed. */
  hamokClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.guarded("close", () => this.listener?.onClosed());
  }

  /**
   * Run collection code called from the Raft loop. The collection's app listeners are guarded one by one
   * (GuardedEmitter); this catches anything else the collection throws, so that it is reported and the peer
   * keeps applying: the replicated state is already updated, only this collection's view may lag.
   */
  private guarded(what: string, run: () => void): void {
    try {
      run();
    } catch (error) {
      this.reportListenerError(what, error);
    }
  }
}
