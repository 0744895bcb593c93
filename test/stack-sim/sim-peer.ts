// fake-indexeddb's globals (IDBKeyRange, ...), which `idb` needs in Node.
import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import type { HamokEmitter } from "../../src/collections/hamok-emitter.js";
import type { HamokMap } from "../../src/collections/hamok-map.js";
import type { HamokQueue } from "../../src/collections/hamok-queue.js";
import type { HamokRecord } from "../../src/collections/hamok-record.js";
import { Hamok } from "../../src/hamok.js";
import type { HamokConstructorConfig } from "../../src/runtime/peer/config.js";
import { createIndexedDbRaftLogs } from "../../src/storage/indexeddb/index.js";
import { MemoryRaftLogs } from "../../src/storage/memory-raft-logs.js";
import type { RaftLogs } from "../../src/storage/raft-logs.js";
import type { SimNetwork } from "../../src/testing/sim-network.js";
import type { VirtualClock } from "../../src/testing/virtual-clock.js";
import type { Quiescence, TrackedRaftLogs } from "./quiesce.js";

/** Which RaftLogs the peers persist to. */
export type StackStorage = "memory" | "indexeddb";

/** Events of the emitter every peer subscribes to. */
export type SimEvents = { ev: [publishId: string] };

/** One incarnation of a peer: a real `Hamok` with every collection, on its own clock domain. */
export interface SimPeer {
  readonly id: string;
  readonly incarnation: number;
  /** Clock domain of this incarnation: dropped when it crashes, frozen when it stalls. */
  readonly domain: string;
  readonly hamok: Hamok;
  readonly logs: TrackedRaftLogs;
  readonly map: HamokMap<string, string>;
  readonly record: HamokRecord<Record<string, string>>;
  readonly queue: HamokQueue<string>;
  readonly emitter: HamokEmitter<SimEvents>;
  status: "joining" | "up" | "crashed" | "leaving" | "left";
  /** Publish ids this incarnation's listener received, with how often. */
  readonly received: Map<string, number>;
}

/** Builds peers and their storage, and keeps each peer's persisted state across incarnations. */
export class PeerFactory {
  private readonly memory = new Map<string, MemoryRaftLogs>();
  private readonly factory = new IDBFactory();
  private readonly incarnations = new Map<string, number>();

  constructor(
    private readonly options: {
      readonly storage: StackStorage;
      readonly room: string;
      readonly clock: VirtualClock;
      readonly network: SimNetwork;
      readonly quiescence: Quiescence;
      readonly config: Partial<HamokConstructorConfig>;
      readonly seedOf: (id: string, incarnation: number) => number;
    },
  ) {}

  /** A new incarnation of `id` over what it persisted before (nothing, for a new peer). */
  create(id: string): SimPeer {
    const incarnation = (this.incarnations.get(id) ?? 0) + 1;
    this.incarnations.set(id, incarnation);
    const domain = `${id}#${incarnation}`;
    const logs = this.options.quiescence.track(this.openLogs(id));
    const hamok = new Hamok({
      ...this.options.config,
      peerId: id,
      seed: this.options.seedOf(id, incarnation),
      clock: this.options.clock.domain(domain),
      raftLogs: logs,
    });
    return {
      id,
      incarnation,
      domain,
      hamok,
      logs,
      map: hamok.createMap<string, string>({ mapId: "m" }),
      record: hamok.createRecord<Record<string, string>>({ recordId: "r" }),
      queue: hamok.createQueue<string>({ queueId: "q" }),
      emitter: hamok.createEmitter<SimEvents>({ emitterId: "e" }),
      status: "joining",
      received: new Map(),
    };
  }

  /** A crash: the process is gone (its clock domain and network presence were dropped by the caller). */
  async crashed(peer: SimPeer): Promise<void> {
    // The crashed process's handle is fenced, as the OS releases a dead process's files.
    if (this.options.storage === "indexeddb") await peer.logs.inner.close();
  }

  private openLogs(id: string): RaftLogs {
    if (this.options.storage === "indexeddb") {
      return createIndexedDbRaftLogs({ room: this.options.room, peerId: id, indexedDB: this.factory });
    }
    const previous = this.memory.get(id);
    const logs = previous === undefined ? new MemoryRaftLogs() : previous.reopen();
    this.memory.set(id, logs);
    return logs;
  }
}
