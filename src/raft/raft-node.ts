import type {
  ConfChange,
  NodeId,
  ProposeResult,
  RaftConfig,
  RaftMessage,
  RaftRestoreState,
  RaftStatus,
  Ready,
  Snapshot,
} from "./types";

/** Skeleton: the API is final, the implementation follows. */
export class RaftNode {
  readonly #config: RaftConfig;
  readonly #restore: RaftRestoreState;
  constructor(config: RaftConfig, restore: RaftRestoreState) {
    this.#config = config;
    this.#restore = restore;
  }
  tick(): void {}
  step(_message: RaftMessage): void {}
  propose(_id: string, _data: unknown): ProposeResult {
    return { ok: false, reason: "no-leader" };
  }
  proposeConfChange(_id: string, _change: ConfChange): ProposeResult {
    return { ok: false, reason: "no-leader" };
  }
  readIndex(_context: string): void {}
  transferLeader(_to: NodeId): void {}
  campaign(): void {}
  compact(index: number, data: Uint8Array): Snapshot {
    return { meta: { index, term: 0, confState: { voters: [], learners: [] } }, data };
  }
  hasReady(): boolean {
    return false;
  }
  ready(): Ready {
    return {
      entries: [],
      committedEntries: [],
      messages: [],
      readStates: [],
      rejectedProposals: [],
      rejectedReads: [],
    };
  }
  advance(_ready: Ready): void {}
  status(): RaftStatus {
    const hs = this.#restore.hardState;
    return {
      id: this.#config.id,
      role: "follower",
      term: hs.term,
      vote: hs.vote,
      leaderId: null,
      commit: hs.commit,
      applied: 0,
      firstIndex: 1,
      lastIndex: 0,
      snapshotIndex: 0,
      confState: this.#restore.initialConfState ?? { voters: [], learners: [] },
      leadTransferee: null,
    };
  }
}
