import { afterEach, describe, expect, it } from "vitest";
import { isHamokError } from "../../src/errors";
import { Hamok } from "../../src/hamok";
import type { RaftMessage } from "../../src/raft/types";
import { MemoryRaftLogs } from "../../src/storage/memory-raft-logs";
import type { SaveBatch } from "../../src/storage/raft-logs";
import { MemoryHub } from "../../src/transport/memory-hub";
import { createSeededRandom } from "../../src/util/random";
import { closeAll, eventually, FAST, joinAll, leaderOf } from "./helpers";

/**
 * The driver's asynchronous storage writes (Raft thesis §10.2.1) seen from the facade: a leader's appends go
 * out while its own save runs, it counts itself only once that save is durable, and a follower acknowledges
 * only what it has persisted.
 */

/** Memory storage whose saves can be held: while closed, a save resolves only once the gate opens again. */
class GatedLogs extends MemoryRaftLogs {
  #open = true;
  #waiting: (() => void)[] = [];
  /** Saves started while the gate was closed and not finished yet. */
  held = 0;

  override close(): Promise<void> {
    this.openGate();
    return super.close();
  }

  closeGate(): void {
    this.#open = false;
  }

  openGate(): void {
    this.#open = true;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resume of waiting) resume();
  }

  override async save(batch: SaveBatch): Promise<void> {
    if (!this.#open) {
      this.held++;
      await new Promise<void>((resume) => this.#waiting.push(resume));
      this.held--;
    }
    await super.save(batch);
  }
}

/** Memory storage whose every save takes a seeded random time, so saves of successive Readies overlap. */
class SlowLogs extends MemoryRaftLogs {
  constructor(private readonly random: () => number) {
    super();
  }

  override async save(batch: SaveBatch): Promise<void> {
    await new Promise((resume) => setTimeout(resume, this.random() * 4));
    await super.save(batch);
  }
}

let peers: Hamok[] = [];
afterEach(async () => {
  await closeAll(peers);
  peers = [];
});

/** Three peers, each on its own {@link GatedLogs}, joined and agreed on a leader. */
async function cluster(): Promise<{ peers: Hamok[]; logs: Map<Hamok, GatedLogs> }> {
  const hub = new MemoryHub({ cloneMessages: true });
  const logs = new Map<Hamok, GatedLogs>();
  peers = [1, 2, 3].map((n) => {
    const gated = new GatedLogs();
    const peer = new Hamok({ ...FAST, peerId: `p${n}`, seed: n, raftLogs: gated });
    logs.set(peer, gated);
    return peer;
  });
  await joinAll(hub, peers);
  await eventually(() => peers.filter((peer) => peer.leader).length === 1, 5000, "one leader");
  return { peers, logs };
}

function raftSent(peer: Hamok): RaftMessage[] {
  const sent: RaftMessage[] = [];
  peer.on("message", (message) => {
    if (message.type === "raft") sent.push(message.raft);
  });
  return sent;
}

describe("asynchronous storage writes (thesis §10.2.1)", () => {
  it("a write commits while the leader's own save is still pending, once both followers persisted it", async () => {
    const { peers: all, logs } = await cluster();
    const leader = leaderOf(all);
    const follower = all.find((peer) => peer !== leader)!;
    const map = follower.createMap<string, number>({ mapId: "m" });
    await map.set("warm", 0);
    const term = leader.raft.term;
    logs.get(leader)!.closeGate();
    // The leader's appends went out before its save: both followers persisted, a majority without the leader.
    await map.set("k", 1);
    expect(logs.get(leader)!.held).toBeGreaterThan(0);
    // Committed by this leader, not by a successor elected while it was stuck.
    expect(leader.leader).toBe(true);
    expect(follower.raft.term).toBe(term);
    expect(follower.raft.commitIndex).toBeGreaterThan(0);
    logs.get(leader)!.openGate();
  });

  it("a leader whose own save is pending does not count itself toward the quorum", async () => {
    const { peers: all, logs } = await cluster();
    const leader = leaderOf(all);
    const [slow, fast] = all.filter((peer) => peer !== leader);
    const map = leader.createMap<string, number>({ mapId: "m" });
    await map.set("warm", 0);
    const fastSent = raftSent(fast!);
    logs.get(leader)!.closeGate();
    logs.get(slow!)!.closeGate();
    const before = leader.raft.commitIndex;
    const write = map.set("k", 1);
    const last = () => leader.raft.lastIndex;
    // The fast follower acknowledges the new entry: with the leader counted too, that would be a majority.
    await eventually(
      () => fastSent.some((m) => m.type === "append-response" && m.reject !== true && (m.index ?? 0) >= last()),
      5000,
      "the fast follower's acknowledgement",
    );
    // A few turns of the event loop: the acknowledgement is delivered and stepped in microtasks.
    for (let turn = 0; turn < 3; turn++) await new Promise((resume) => setTimeout(resume, 0));
    expect(leader.raft.commitIndex).toBe(before);
    logs.get(leader)!.openGate();
    await write;
    expect(leader.raft.commitIndex).toBeGreaterThan(before);
    logs.get(slow!)!.openGate();
  });

  it("a follower acknowledges an entry only once its save of it is durable", async () => {
    const { peers: all, logs } = await cluster();
    const leader = leaderOf(all);
    const follower = all.find((peer) => peer !== leader)!;
    const map = leader.createMap<string, number>({ mapId: "m" });
    await map.set("warm", 0);
    const sent = raftSent(follower);
    logs.get(follower)!.closeGate();
    await map.set("k", 1);
    const index = leader.raft.lastIndex;
    await eventually(() => logs.get(follower)!.held > 0, 5000, "the follower's save");
    const acknowledged = () => sent.some((m) => m.type === "append-response" && (m.index ?? 0) >= index);
    expect(acknowledged()).toBe(false);
    logs.get(follower)!.openGate();
    await eventually(acknowledged, 5000, "the follower's acknowledgement");
  });

  it("a follower's requests already in its own log are not proposed again while their commit waits on saves", async () => {
    const { peers: all, logs } = await cluster();
    const leader = leaderOf(all);
    const [writer, other] = all.filter((peer) => peer !== leader);
    const map = writer!.createMap<string, number>({ mapId: "m" });
    await map.set("warm", 0);
    const sent = raftSent(writer!);
    const before = writer!.raft.lastIndex;
    // Only the writer can persist: the leader does not count itself before its own save, so nothing commits.
    logs.get(leader)!.closeGate();
    logs.get(other!)!.closeGate();
    const writes = [map.set("a", 1), map.set("b", 2)];
    await eventually(() => writer!.raft.lastIndex > before, 5000, "the new entry in the writer's log");
    // Many times the retry age (two heartbeats): a request the writer's log holds waits for its commit.
    await new Promise((resume) => setTimeout(resume, 20 * FAST.heartbeatInMs!));
    expect(writer!.raft.commitIndex).toBe(before);
    expect(sent.filter((m) => m.type === "propose")).toHaveLength(1);
    logs.get(leader)!.openGate();
    logs.get(other!)!.openGate();
    await Promise.all(writes);
    expect(map.get("a")).toBe(1);
    expect(map.get("b")).toBe(2);
  });

  it("with slow saves, loss, duplicates, reordering and a leader partition, every acknowledged push is applied once everywhere", async () => {
    const random = createSeededRandom(7);
    const hub = new MemoryHub({ cloneMessages: true, seed: 7, dropRate: 0.05, duplicateRate: 0.05, maxDelayInMs: 3 });
    peers = [1, 2, 3, 4, 5].map(
      (n) => new Hamok({ ...FAST, peerId: `p${n}`, seed: n, raftLogs: new SlowLogs(random) }),
    );
    await joinAll(hub, peers);
    await eventually(() => peers.filter((peer) => peer.leader).length === 1, 10_000, "one leader");
    const resolved: number[] = [];
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      const writer = peers[i % peers.length]!;
      const queue = writer.getOrCreateQueue<number>({ queueId: "q" });
      pending.push(queue.push(i).then(() => void resolved.push(i)));
      if (i === 150) hub.partition([leaderOf(peers).localPeerId]);
      if (i === 225) hub.heal();
      if (i % 15 === 0) await new Promise((resume) => setTimeout(resume, 5));
    }
    const outcomes = await Promise.allSettled(pending);
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") expect(isHamokError(outcome.reason)).toBe(true);
    }
    hub.setFaults({ dropRate: 0, duplicateRate: 0 });
    await eventually(() => peers.filter((peer) => peer.leader).length === 1, 10_000, "one leader after healing");
    await Promise.all(peers.map((peer) => peer.waitUntilCommitHead()));
    await eventually(
      () =>
        new Set(peers.map((peer) => JSON.stringify([...peer.getOrCreateQueue<number>({ queueId: "q" })]))).size === 1,
      10_000,
      "every peer holds the same queue",
    );
    const view = [...peers[0]!.getOrCreateQueue<number>({ queueId: "q" })];
    expect(new Set(view).size).toBe(view.length);
    for (const item of resolved) expect(view).toContain(item);
    expect(resolved.length).toBeGreaterThan(100);
  });
});
