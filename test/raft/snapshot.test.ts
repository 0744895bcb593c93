import { describe, expect, it } from "vitest";
import { SnapshotReceiver, SnapshotSender } from "../../src/raft/snapshot-chunks";
import type { RaftMessage, Snapshot } from "../../src/raft/types";
import { describeMessage } from "./describe";
import { Cluster } from "./harness";

/** Compacts `id` at its applied index, as the runtime does. */
function compact(c: Cluster, id: string): Snapshot {
  const n = c.get(id);
  const s = n.node.compact(n.app.applied, n.app.snapshotData());
  n.storage.compact(s);
  return s;
}

describe("snapshots and log compaction (Raft §7)", () => {
  it("compact drops the entries it covers", () => {
    const c = new Cluster();
    c.elect("a");
    for (let i = 0; i < 5; i++) c.node("a").propose(`p${i}`, i);
    c.deliver();
    const s = compact(c, "a");
    const status = c.node("a").status();
    expect(s.meta).toMatchObject({ index: status.applied, term: status.term });
    expect(s.meta.confState).toEqual({ voters: ["a", "b", "c"], learners: [] });
    expect(status.snapshotIndex).toBe(status.applied);
    expect(status.firstIndex).toBe(status.applied + 1);
    expect(() => c.node("a").compact(status.applied + 5, new Uint8Array())).toThrow(RangeError);
  });

  it("leader sends a snapshot in chunks to a follower whose next entry was compacted", () => {
    const c = new Cluster({ config: { snapshotChunkBytes: 64 } });
    c.elect("a");
    c.isolate("c");
    for (let i = 0; i < 10; i++) c.node("a").propose(`p${i}`, i);
    c.deliver();
    const s = compact(c, "a");
    c.heal();
    c.sent.length = 0;
    c.tick(3);
    const chunks = c.sent.filter((m) => m.type === "snapshot" && m.to === "c");
    const total = s.data.byteLength;
    expect(chunks.length).toBeGreaterThanOrEqual(Math.ceil(total / 64));
    expect(chunks.every((m) => (m.snapshotChunk?.byteLength ?? 0) <= 64)).toBe(true);
    // Exactly: every chunk once, in order, a window of them in flight, the last one done; c acknowledges
    // each but the last, which installs the snapshot (answered with an append-response).
    expect(c.sent.filter((m) => m.type === "snapshot" || m.type === "snapshot-response").map(describeMessage)).toEqual([
      "a->c snapshot term=2 snap=14/2 voters=(a,b,c) learners=() offset=0 total=471 chunk=64B done=false",
      "a->c snapshot term=2 snap=14/2 voters=(a,b,c) learners=() offset=64 total=471 chunk=64B done=false",
      "a->c snapshot term=2 snap=14/2 voters=(a,b,c) learners=() offset=128 total=471 chunk=64B done=false",
      "a->c snapshot term=2 snap=14/2 voters=(a,b,c) learners=() offset=192 total=471 chunk=64B done=false",
      "c->a snapshot-response term=2 index=14 logTerm=2 offset=64",
      "c->a snapshot-response term=2 index=14 logTerm=2 offset=128",
      "c->a snapshot-response term=2 index=14 logTerm=2 offset=192",
      "c->a snapshot-response term=2 index=14 logTerm=2 offset=256",
      "a->c snapshot term=2 snap=14/2 voters=(a,b,c) learners=() offset=256 total=471 chunk=64B done=false",
      "a->c snapshot term=2 snap=14/2 voters=(a,b,c) learners=() offset=320 total=471 chunk=64B done=false",
      "a->c snapshot term=2 snap=14/2 voters=(a,b,c) learners=() offset=384 total=471 chunk=64B done=false",
      "a->c snapshot term=2 snap=14/2 voters=(a,b,c) learners=() offset=448 total=471 chunk=23B done=true",
      "c->a snapshot-response term=2 index=14 logTerm=2 offset=320",
      "c->a snapshot-response term=2 index=14 logTerm=2 offset=384",
      "c->a snapshot-response term=2 index=14 logTerm=2 offset=448",
    ]);
    // c installed it (Ready.snapshot) and is in sync.
    expect(c.get("c").storage.snapshot?.meta.index).toBe(s.meta.index);
    expect(c.values("c")).toEqual(c.values("a"));
    expect(c.get("c").app.hash).toBe(c.get("a").app.hash);
    expect(c.node("a").status().progress?.c?.state).toBe("replicate");
    c.node("a").propose("after", 99);
    c.deliver();
    expect(c.values("c").at(-1)).toBe(99);
  });

  it("snapshot transfer survives lost chunks", () => {
    const c = new Cluster({ config: { snapshotChunkBytes: 32 } });
    c.elect("a");
    c.isolate("c");
    for (let i = 0; i < 10; i++) c.node("a").propose(`p${i}`, i);
    c.deliver();
    compact(c, "a");
    c.heal();
    let n = 0;
    const lossy = c.drop((m) => m.type === "snapshot" && ++n % 3 === 0);
    c.tick(40);
    c.filters.splice(c.filters.indexOf(lossy), 1);
    c.tick(5);
    expect(c.get("c").app.hash).toBe(c.get("a").app.hash);
  });

  it("follower rejects a snapshot older than its commit index", () => {
    const c = new Cluster();
    c.elect("a");
    for (let i = 0; i < 3; i++) c.node("a").propose(`p${i}`, i);
    c.deliver();
    const commit = c.node("b").status().commit;
    const old: RaftMessage = {
      type: "snapshot",
      from: "a",
      to: "b",
      term: c.node("a").status().term,
      snapshotMeta: { index: 2, term: 1, confState: { voters: ["a", "b", "c"], learners: [] } },
      snapshotOffset: 0,
      snapshotTotal: 3,
      snapshotChunk: new Uint8Array([1, 2, 3]),
      snapshotDone: true,
    };
    c.node("b").step(old);
    const rd = c.node("b").ready();
    expect(rd.snapshot).toBeUndefined();
    expect(rd.messages).toMatchObject([{ type: "append-response", to: "a", index: commit }]);
    expect(c.node("b").status().lastIndex).toBeGreaterThan(2);
    // Refused at the first chunk: the rest of an outdated snapshot is never transferred.
    c.node("b").step({ ...old, snapshotTotal: 300, snapshotDone: false });
    expect(c.node("b").ready().messages).toMatchObject([{ type: "append-response", to: "a", index: commit }]);
  });

  it("a node restarts from its persisted snapshot, entries and hard state", () => {
    const c = new Cluster();
    c.elect("a");
    for (let i = 0; i < 4; i++) c.node("a").propose(`p${i}`, i);
    c.deliver();
    compact(c, "b");
    c.node("a").propose("p4", 4);
    c.deliver();
    const before = c.node("b").status();
    const restarted = c.restart("b");
    const after = restarted.node.status();
    expect(after).toMatchObject({
      term: before.term,
      vote: before.vote,
      commit: before.commit,
      lastIndex: before.lastIndex,
      snapshotIndex: before.snapshotIndex,
      confState: before.confState,
      role: "follower",
    });
    c.deliver();
    expect(restarted.app.values).toEqual([0, 1, 2, 3, 4]);
    // The leader restarts too and the cluster goes on.
    c.restart("a");
    c.tick(30);
    const leader = c.leaders()[0]!;
    c.node(leader).propose("p5", 5);
    c.deliver();
    for (const id of ["a", "b", "c"]) expect(c.values(id)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("a follower that restarts during a chunked transfer gets the snapshot from the start", () => {
    const c = new Cluster({ config: { snapshotChunkBytes: 48 } });
    c.elect("a");
    c.isolate("c");
    for (let i = 0; i < 10; i++) c.node("a").propose(`p${i}`, i);
    c.deliver();
    compact(c, "a");
    c.heal();
    let chunks = 0;
    const cut = c.drop((m) => m.type === "snapshot" && ++chunks > 3);
    c.tick(2);
    c.restart("c");
    c.filters.splice(c.filters.indexOf(cut), 1);
    c.tick(10);
    expect(c.get("c").app.hash).toBe(c.get("a").app.hash);
  });
});

describe("snapshot chunks", () => {
  const snapshot: Snapshot = {
    meta: { index: 9, term: 2, confState: { voters: ["a"], learners: [] } },
    data: Uint8Array.from({ length: 100 }, (_, i) => i),
  };
  const wrap = (body: ReturnType<SnapshotSender["nextChunks"]>[number]): RaftMessage => ({
    type: "snapshot",
    from: "a",
    to: "b",
    term: 2,
    ...body,
  });

  it("reassembles in-order chunks and ignores gaps", () => {
    const sender = new SnapshotSender(snapshot, 30);
    const receiver = new SnapshotReceiver();
    const chunks = sender.nextChunks();
    expect(chunks.map((x) => x.snapshotOffset)).toEqual([0, 30, 60, 90]);
    expect(receiver.receive(wrap(chunks[1]!))).toEqual({ kind: "progress", received: 0 });
    expect(receiver.receive(wrap(chunks[0]!))).toEqual({ kind: "progress", received: 30 });
    expect(receiver.receive(wrap(chunks[2]!))).toEqual({ kind: "progress", received: 30 });
    expect(receiver.receive(wrap(chunks[1]!))).toEqual({ kind: "progress", received: 60 });
    receiver.receive(wrap(chunks[2]!));
    const done = receiver.receive(wrap(chunks[3]!));
    expect(done.kind).toBe("complete");
    if (done.kind === "complete") expect([...done.snapshot.data]).toEqual([...snapshot.data]);
  });

  it("resends from the follower's offset when it stalls", () => {
    const sender = new SnapshotSender(snapshot, 30);
    sender.nextChunks();
    sender.ack(30);
    expect(sender.nextChunks()).toEqual([]); // window already in flight
    sender.rewindIfStalled(); // progress was made since the last check: no resend
    expect(sender.nextChunks()).toEqual([]);
    sender.rewindIfStalled(); // no progress: go back to what the follower holds
    expect(sender.nextChunks().map((x) => x.snapshotOffset)).toEqual([30, 60, 90]);
  });

  it("an empty snapshot is one final chunk", () => {
    const empty: Snapshot = { meta: snapshot.meta, data: new Uint8Array() };
    const chunks = new SnapshotSender(empty, 30).nextChunks();
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ snapshotOffset: 0, snapshotTotal: 0, snapshotDone: true });
    expect(new SnapshotReceiver().receive(wrap(chunks[0]!)).kind).toBe("complete");
  });
});
