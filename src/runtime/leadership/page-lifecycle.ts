import type { EventEmitter } from "eventemitter3";
import { HAMOK_PROTOCOL, type HamokMessage, type StorageDirectEnvelope } from "../../messages/hamok-message.js";
import type { HamokConfig } from "../peer/config.js";
import type { HamokEvents } from "../peer/events.js";
import { mostCaughtUpVoter, type TransferHost, transferLeadership } from "./leadership-transfer.js";

/**
 * Browser page lifecycle: a hidden tab's timers are throttled to
 * 1 s (and to 1 min after 5 minutes), a frozen tab runs nothing, so a leader in
 * such a tab stalls the whole cluster until the others notice. Hence:
 *
 * - `visibilitychange` to hidden, `freeze`, or a `pagehide` into the
 *   back/forward cache: a leader hands leadership to a visible voter at once
 *   (Raft thesis §3.10 leadership transfer);
 * - a hidden tab that becomes leader anyway (an election after the old leader
 *   vanished) hands it on as soon as it knows a visible voter, so a hidden tab
 *   does not keep leadership while a visible one could have it;
 * - `pagehide` for good (not `persisted`): a best-effort graceful `leave()`.
 *
 * Who is visible: every peer with page lifecycle handling announces its
 * visibility to the others in a small direct message (a `storage` envelope on
 * the reserved channel {@link PAGE_VISIBILITY_CHANNEL}, which no collection
 * uses, so peers without this module drop it silently) whenever it changes,
 * when it joins, and when a member joins (so the newcomer learns it). A peer
 * never heard from (for example a Node process) counts as visible. We chose
 * announcements over "hidden peers refuse to campaign" because a refusal cannot
 * be expressed without changing the Raft core (TimeoutNow makes the target
 * campaign unconditionally), and because a hidden leader must know whether any
 * visible voter exists at all: with none it keeps leadership, since a hidden
 * leader is better than a leader election that only moves it to another hidden
 * tab.
 *
 * Opt-in through the `pageLifecycle` option of `Hamok` (`true`: the global
 * `document` and `window`; or injected targets, for tests). Off by default, so
 * an application decides when a hidden tab should give up leadership; without a
 * `document` (Node) `true` does nothing.
 */

/** The reserved direct-message channel on which peers announce their visibility. */
export const PAGE_VISIBILITY_CHANNEL = "hamok:page-visibility";

/** What page lifecycle handling needs of `document`. */
export interface PageLifecycleDocument extends EventTarget {
  readonly visibilityState: string;
}

/** The event targets page lifecycle handling listens on (`document`, `window` in a browser). */
export interface PageLifecycleTargets {
  /** Fires `visibilitychange`, `freeze` and `resume`. */
  readonly document: PageLifecycleDocument;
  /** Fires `pagehide` and `pageshow`. */
  readonly window: EventTarget;
}

/** The `pageLifecycle` option: `false` (default) off, `true` the global `document`/`window`, or injected targets. */
export type PageLifecycleOption = boolean | PageLifecycleTargets;

/** What page lifecycle handling needs of its peer. */
export interface PageLifecycleHost {
  readonly config: HamokConfig;
  readonly localPeerId: string;
  readonly clusterId: string | undefined;
  readonly isLeader: boolean;
  /** Whether this peer joined (or bootstrapped) a cluster. */
  readonly hasJoinedPeer: boolean;
  /** The peer's events (subscribed to; never emitted on). */
  readonly events: EventEmitter<HamokEvents>;
  isClosed(): boolean;
  send(message: HamokMessage): void;
  /** Validated inbound messages of a reserved channel go to `handler`; returns the unsubscribe function. */
  onChannel(storageId: string, handler: (message: StorageDirectEnvelope) => void): () => void;
  leave(): Promise<void>;
  transferHost(): TransferHost;
  /** The page runs again after a freeze (or a back/forward cache stay): learn at once whether we are still a member. */
  checkMembership(): void;
}

/** The payload of a visibility announcement. */
interface VisibilityPayload {
  readonly hidden: boolean;
}

/** See the module comment. */
export class PageLifecycle {
  /** Remote peers that last announced themselves hidden (or frozen). */
  private readonly hiddenPeers = new Set<string>();
  private frozen = false;
  private transferring = false;
  /** When this peer last started a hand-over (ms since epoch). */
  private lastHandOverAt = Number.NEGATIVE_INFINITY;
  private readonly detach: () => void;

  /** Page lifecycle handling for `hamok`, or `undefined` when off or without a `document`. */
  static create(hamok: PageLifecycleHost, option: PageLifecycleOption | undefined): PageLifecycle | undefined {
    if (option === undefined || option === false) return undefined;
    if (option !== true) return new PageLifecycle(hamok, option);
    const { document, window } = globalThis as { document?: PageLifecycleDocument; window?: EventTarget };
    if (document === undefined || window === undefined) return undefined;
    return new PageLifecycle(hamok, { document, window });
  }

  private constructor(
    private readonly hamok: PageLifecycleHost,
    private readonly targets: PageLifecycleTargets,
  ) {
    const onVisibility = () => this.changed();
    const onFreeze = () => {
      this.frozen = true;
      this.changed();
    };
    const onResume = () => {
      this.frozen = false;
      this.changed();
      hamok.checkMembership();
    };
    const onPageHide = (event: Event) => this.pageHidden((event as { persisted?: boolean }).persisted === true);
    // Back from the back/forward cache: the page ran nothing meanwhile, like a thawed one.
    const onPageShow = (event: Event) => {
      if ((event as { persisted?: boolean }).persisted === true) onResume();
    };
    const onPeerJoined = () => this.announce();
    const onPeerLeft = (peerId: string) => this.hiddenPeers.delete(peerId);
    const onCheck = () => this.handOverIfHidden();
    const onClose = () => this.detach();
    const { events } = hamok;
    // Every subscription once, so attaching and detaching cannot drift apart.
    const pageListeners: [EventTarget, string, (event: Event) => void][] = [
      [targets.document, "visibilitychange", onVisibility],
      [targets.document, "freeze", onFreeze],
      [targets.document, "resume", onResume],
      [targets.window, "pagehide", onPageHide],
      [targets.window, "pageshow", onPageShow],
    ];
    const peerListeners = [
      ["joined", onPeerJoined],
      ["remote-peer-joined", onPeerJoined],
      ["remote-peer-left", onPeerLeft],
      ["leader", onCheck],
      // Re-checked on every tick: a transfer that timed out is retried, and a leader elected while hidden moves on.
      ["heartbeat", onCheck],
      ["close", onClose],
    ] as const;
    for (const [target, type, listener] of pageListeners) target.addEventListener(type, listener);
    for (const [event, listener] of peerListeners) events.on(event, listener as () => void);
    const offChannel = hamok.onChannel(PAGE_VISIBILITY_CHANNEL, (message) => this.onVisibility(message));
    this.detach = () => {
      offChannel();
      for (const [target, type, listener] of pageListeners) target.removeEventListener(type, listener);
      for (const [event, listener] of peerListeners) events.off(event, listener as () => void);
    };
  }

  /** Whether this page is hidden or frozen (then it should not lead). */
  get hidden(): boolean {
    return this.frozen || this.targets.document.visibilityState === "hidden";
  }

  /** Whether `peerId` last announced itself hidden. */
  isPeerHidden(peerId: string): boolean {
    return this.hiddenPeers.has(peerId);
  }

  /**
   * A visibility announcement arrived on {@link PAGE_VISIBILITY_CHANNEL}, already validated and routed (not
   * from us, addressed to us or everyone, not of a foreign cluster). Only our own cluster's peers count; the
   * payload is this module's own: a malformed one is ignored.
   */
  private onVisibility(message: StorageDirectEnvelope): void {
    const clusterId = this.hamok.clusterId;
    if (clusterId === undefined || message.clusterId !== clusterId) return;
    const payload = message.payload as Partial<VisibilityPayload> | null | undefined;
    if (typeof payload !== "object" || payload === null || typeof payload.hidden !== "boolean") return;
    if (payload.hidden) this.hiddenPeers.add(message.sourceId);
    else this.hiddenPeers.delete(message.sourceId);
    this.handOverIfHidden();
  }

  private changed(): void {
    this.announce();
    this.handOverIfHidden();
  }

  private pageHidden(persisted: boolean): void {
    if (persisted) {
      // Into the back/forward cache: the page is frozen there and may come back.
      this.frozen = true;
      this.changed();
      return;
    }
    this.announce();
    if (this.hamok.isClosed() || !this.hamok.hasJoinedPeer) return;
    // Best effort: the page may be gone before the cluster confirms; the others then remove us on `peer-left`.
    this.hamok.leave().catch(() => undefined);
  }

  private announce(): void {
    const clusterId = this.hamok.clusterId;
    if (this.hamok.isClosed() || clusterId === undefined) return;
    const payload: VisibilityPayload = { hidden: this.hidden };
    this.hamok.send({
      protocol: HAMOK_PROTOCOL,
      type: "storage",
      sourceId: this.hamok.localPeerId,
      clusterId,
      storageId: PAGE_VISIBILITY_CHANNEL,
      payload,
    });
  }

  /** A hidden leader hands leadership to the most caught-up visible voter, if there is one. */
  private handOverIfHidden(): void {
    const { hamok } = this;
    if (this.transferring || hamok.isClosed() || !hamok.isLeader || !this.hidden) return;
    // At most one hand-over per election timeout: should stale announcements ever send leadership round
    // between hidden tabs, it moves at the pace of elections, not of message round trips.
    const now = hamok.config.clock.now();
    if (now - this.lastHandOverAt < hamok.config.electionTimeoutInMs) return;
    const transfer = hamok.transferHost();
    const target = mostCaughtUpVoter(transfer.peer?.status(), (peerId) => !this.hiddenPeers.has(peerId));
    if (target === undefined) return;
    this.lastHandOverAt = now;
    this.transferring = true;
    transferLeadership(transfer, target)
      .catch(() => undefined)
      .finally(() => {
        this.transferring = false;
      });
  }
}
