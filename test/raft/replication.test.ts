import { describe, expect, it } from "vitest";
import { RaftNode } from "../../src/raft/raft-node";
import { createSeededRandom } from "../../src/raft/random";
import { COMMIT_NOTICE_CONTEXT, type Entry, type RaftConfig, type RaftMessage } from "../../src/raft/types";
import { describeMessage } from "./describe.js";
import { Cluster } from "./harness";

const boot: Entry[] = ["a", "b", "c"].map((id, i) => ({
  term: 1,
  index: i + 1,
  type: "conf" as const,
  data: { type: "addVoter", nodeId: id },
}));

function follower(entries: Entry[], term: number, commit = 3, config: Partial<RaftConfig> = {}): RaftNode {
  return new RaftNode(
    { id: "b", electionTicks: 10, heartbeatTicks: 1, random: createSeededRandom(1), ...config },
    { hardState: { term, vote: null, commit }, entries: [...boot, ...entries] },
  );
}

const e = (index: number, term: number, data: unknown = index): Entry => ({ index, term, type: "normal", data });

function appendResponse(node: RaftNode): RaftMessage {
  return node.ready().messages.find((m) => m.type === "append-response")!;
}

describe("log replication (Raft §5.3)", () => {
  it("follower rejects an append whose previous entry does not match", () => {
    const node = follower([e(4, 2), e(5, 2)], 3);
    node.step({ type: "append", from: "a", to: "b", term: 3, index: 5, logTerm: 3, entries: [e(6, 3)], commit: 3 });
    const resp = appendResponse(node);
    expect(resp.reject).toBe(true);
    expect(resp.index).toBe(5);
    expect(node.status().lastIndex).toBe(5);
  });

  it("follower learns the commit index from a commit notice without answering it; a probe and a rejected notice are answered", () => {
    const notice = (node: RaftNode, index: number, logTerm: number, commit: number) =>
      node.step({
        type: "append",
        from: "a",
        to: "b",
        term: 3,
        index,
        logTerm,
        entries: [],
        commit,
        context: COMMIT_NOTICE_CONTEXT,
      });
    const node = follower([e(4, 3), e(5, 3)], 3);
    node.ready();
    notice(node, 5, 3, 5);
    const rd = node.ready();
    expect(rd.hardState?.commit).toBe(5);
    expect(rd.messages.filter((m) => m.type === "append-response")).toEqual([]);
    // The same message without the mark is a probe: the leader waits for its answer.
    node.step({ type: "append", from: "a", to: "b", term: 3, index: 5, logTerm: 3, entries: [], commit: 5 });
    const probeAnswer = appendResponse(node);
    expect(probeAnswer).toMatchObject({ index: 5 });
    expect(probeAnswer.reject).toBeUndefined();
    // A notice the follower cannot accept is answered with a rejection, so the leader probes.
    notice(node, 5, 2, 5);
    expect(appendResponse(node)).toMatchObject({ reject: true });
  });

  it("follower rejects an append beyond its last entry, hinting at its last index", () => {
    const node = follower([e(4, 2)], 3);
    node.step({ type: "append", from: "a", to: "b", term: 3, index: 9, logTerm: 3, entries: [], commit: 3 });
    const resp = appendResponse(node);
    expect(resp.reject).toBe(true);
    expect(resp.rejectHint).toBe(4);
    expect(resp.logTerm).toBe(2);
  });

  it("follower truncates conflicting entries and appends the leader's (§5.3)", () => {
    const node = follower([e(4, 2), e(5, 2), e(6, 2)], 3);
    node.ready();
    node.step({
      type: "append",
      from: "a",
      to: "b",
      term: 3,
      index: 4,
      logTerm: 2,
      entries: [e(5, 3, "x")],
      commit: 3,
    });
    const rd = node.ready();
    expect(rd.entries).toEqual([e(5, 3, "x")]);
    expect(rd.messages.find((m) => m.type === "append-response")).toMatchObject({ index: 5 });
    expect(node.status().lastIndex).toBe(5);
  });

  it("follower keeps entries an out-of-date append already contains", () => {
    const node = follower([e(4, 2), e(5, 2)], 2);
    node.ready();
    node.step({ type: "append", from: "a", to: "b", term: 2, index: 3, logTerm: 1, entries: [e(4, 2)], commit: 3 });
    const rd = node.ready();
    expect(rd.entries).toEqual([]);
    expect(node.status().lastIndex).toBe(5);
  });

  it("leader backtracks a whole term per rejection (fast backtracking)", () => {
    const c = new Cluster({ config: { preVote: false } });
    c.elect("a");
    // c is cut off while two leaders in turn append many entries it never sees...
    c.isolate("c");
    for (let i = 0; i < 30; i++) c.node("a").propose(`a${i}`, i);
    c.deliver();
    c.heal();
    // ...and meanwhile c itself, as a stale leader of a later term, wrote a long divergent suffix.
    const storage = c.get("c").storage;
    const base = storage.lastIndex();
    const term = c.node("a").status().term;
    storage.save({
      entries: Array.from({ length: 40 }, (_, i) => e(base + 1 + i, term - 1, `junk${i}`)),
      committedEntries: [],
      messages: [],
      readStates: [],
      rejectedProposals: [],
      rejectedReads: [],
      droppedMessages: [],
    });
    c.restart("c");
    c.sent.length = 0;
    c.node("a").propose("sync", "s");
    c.deliver();
    const rejections = c.sent.filter((m) => m.type === "append-response" && m.from === "c" && m.reject === true);
    expect(rejections.length).toBeLessThanOrEqual(2);
    expect(c.values("c")).toEqual(c.values("a"));
  });

  it("leader only commits entries of its own term by counting (§5.4.2)", () => {
    // a holds an entry of term 2 that no one else has; it becomes leader in term 3.
    const mk = (id: string, extra: Entry[]) =>
      new RaftNode(
        { id, electionTicks: 10, heartbeatTicks: 1, random: createSeededRandom(1), preVote: false },
        { hardState: { term: 2, vote: null, commit: 3 }, entries: [...boot, ...extra] },
      );
    const a = mk("a", [e(4, 2, "old")]);
    a.campaign();
    a.step({ type: "vote-response", from: "b", to: "a", term: 3, reject: false });
    expect(a.status().role).toBe("leader");
    expect(a.status().lastIndex).toBe(5); // the no-op of term 3
    a.ready();
    // b acknowledges the old entry only: a majority holds index 4, but it is of term 2.
    a.step({ type: "append-response", from: "b", to: "a", term: 3, index: 4 });
    expect(a.status().commit).toBe(3);
    // Once an entry of term 3 is on a majority, it commits, and index 4 with it.
    a.step({ type: "append-response", from: "b", to: "a", term: 3, index: 5 });
    expect(a.status().commit).toBe(5);
  });

  it("a proposal at the leader is sent in the same Ready", () => {
    const c = new Cluster();
    c.elect("a");
    expect(c.node("a").propose("p", "v")).toEqual({ ok: true });
    const rd = c.node("a").ready();
    const appends = rd.messages.filter((m) => m.type === "append" && m.entries?.some((x) => x.data === "v"));
    expect(appends.map((m) => m.to).sort()).toEqual(["b", "c"]);
  });

  it("a follower forwards a proposal to the leader at once", () => {
    const c = new Cluster();
    c.elect("a");
    expect(c.node("b").propose("p", "v")).toEqual({ ok: true });
    const rd = c.node("b").ready();
    expect(rd.messages).toMatchObject([{ type: "propose", to: "a", proposalIds: ["p"] }]);
    c.stepAll(rd.messages);
    c.deliver();
    expect(c.values("b")).toEqual(["v"]);
  });

  it("followers apply a commit within one round trip, without a heartbeat", () => {
    // Five voters: the first follower to acknowledge does not complete the quorum, so it learns
    // the commit from the update the leader sends when a later acknowledgement completes it.
    const ids = ["a", "b", "c", "d", "e"];
    const c = new Cluster({ voters: ids });
    c.elect("a");
    c.node("a").propose("p", "v");
    c.deliver(); // no tick: only the event-driven messages
    for (const id of ids) expect(c.values(id)).toEqual(["v"]);
  });

  it("a replicating follower whose appends were lost is probed again after heartbeats without progress", () => {
    const c = new Cluster();
    c.elect("a");
    expect(c.node("a").status().progress?.c?.state).toBe("replicate");
    const lost = c.drop((m) => m.type === "append" && m.to === "c");
    c.node("a").propose("p", 1);
    c.deliver();
    expect(c.values("c")).toEqual([]);
    c.filters.splice(c.filters.indexOf(lost), 1);
    c.tick(4);
    expect(c.values("c")).toEqual([1]);
  });

  it("probe state sends one append at a time", () => {
    const c = new Cluster();
    c.isolate("c"); // c stays in probe: its answers never arrive
    c.elect("a");
    c.node("a").ready();
    const sentToC: RaftMessage[] = [];
    for (let i = 0; i < 5; i++) {
      c.node("a").propose(`p${i}`, i);
      sentToC.push(
        ...c
          .node("a")
          .ready()
          .messages.filter((m) => m.to === "c" && m.type === "append"),
      );
    }
    expect(c.node("a").status().progress?.c?.state).toBe("probe");
    expect(sentToC.length).toBeLessThanOrEqual(1);
    // Exactly: the probe the election sent is still unanswered, so none of the five proposals goes to c.
    expect(sentToC.map(describeMessage)).toEqual([]);
    expect(c.sent.filter((m) => m.to === "c" && m.type === "append").map(describeMessage)).toEqual([
      "a->c append term=2 index=3 logTerm=1 commit=3 entries=[2/4 noop]",
    ]);
  });

  it("replicate state pipelines up to maxInflightMessages appends", () => {
    const c = new Cluster({ config: { maxInflightMessages: 3 } });
    c.elect("a");
    expect(c.node("a").status().progress?.b?.state).toBe("replicate");
    c.drop((m) => m.type === "append-response"); // acknowledgements are lost
    const toB: RaftMessage[] = [];
    for (let i = 0; i < 10; i++) {
      c.node("a").propose(`p${i}`, i);
      toB.push(
        ...c
          .node("a")
          .ready()
          .messages.filter((m) => m.to === "b" && m.type === "append"),
      );
    }
    expect(toB.length).toBe(3);
    expect(c.node("a").status().progress?.b?.inflight).toBe(3);
  });

  it("entries are batched per message under maxMessageBytes, at least one each", () => {
    const c = new Cluster({ config: { maxMessageBytes: 300 } });
    c.elect("a");
    c.isolate("c");
    for (let i = 0; i < 20; i++) c.node("a").propose(`p${i}`, "x".repeat(100));
    c.node("a").propose("big", "y".repeat(1000));
    c.deliver();
    c.heal();
    c.sent.length = 0;
    c.tick(3);
    const appends = c.sent.filter((m) => m.type === "append" && m.to === "c" && (m.entries?.length ?? 0) > 0);
    expect(appends.length).toBeGreaterThan(5);
    for (const m of appends) {
      if (m.entries!.length > 1) expect(m.entries!.length).toBeLessThanOrEqual(2);
    }
    expect(appends.some((m) => m.entries!.some((x) => x.data === "y".repeat(1000)))).toBe(true);
    // Exactly: two 100-byte entries per message (the cap is 300), the 1000-byte one alone.
    expect(appends.map((m) => m.entries!.map((e) => e.index))).toEqual([
      [5, 6],
      [7, 8],
      [9, 10],
      [11, 12],
      [13, 14],
      [15, 16],
      [17, 18],
      [19, 20],
      [21, 22],
      [23, 24],
      [25],
    ]);
    expect(c.values("c")).toEqual(c.values("a"));
  });

  it("proposals beyond maxUncommittedEntries are refused, locally and when forwarded", () => {
    const c = new Cluster({ config: { maxUncommittedEntries: 2 } });
    c.elect("a");
    c.isolate("c");
    c.drop((m) => m.to === "b" && m.type === "append");
    expect(c.node("a").propose("p1", 1)).toEqual({ ok: true });
    expect(c.node("a").propose("p2", 2)).toEqual({ ok: true });
    expect(c.node("a").propose("p3", 3)).toEqual({ ok: false, reason: "too-many-uncommitted" });
    expect(c.node("b").propose("f1", 4)).toEqual({ ok: true });
    c.deliver();
    expect(c.get("b").rejectedProposals).toEqual([{ id: "f1", reason: "too-many-uncommitted" }]);
    // Once they commit, there is room again.
    c.heal();
    c.tick(4);
    expect(c.node("a").propose("p4", 5)).toEqual({ ok: true });
  });

  it("a follower with no leader refuses proposals with no-leader", () => {
    const c = new Cluster();
    expect(c.node("b").propose("p", 1)).toEqual({ ok: false, reason: "no-leader" });
    expect(c.node("b").proposeConfChange("q", { type: "addLearner", nodeId: "z" })).toEqual({
      ok: false,
      reason: "no-leader",
    });
  });

  it("a node that is not the leader refuses forwarded proposals with no-leader", () => {
    const c = new Cluster();
    c.elect("a");
    c.node("c").step({
      type: "propose",
      from: "b",
      to: "c",
      term: 2,
      entries: [{ term: 0, index: 0, type: "normal", data: 1 }],
      proposalIds: ["x"],
    });
    c.deliver();
    expect(c.get("b").rejectedProposals).toEqual([{ id: "x", reason: "no-leader" }]);
  });

  it("step ignores misaddressed, unknown-peer and malformed messages without throwing", () => {
    const c = new Cluster();
    c.elect("a");
    const a = c.node("a");
    const before = a.status();
    a.step({ type: "append-response", from: "zz", to: "a", term: before.term, index: 99 });
    a.step({ type: "append", from: "b", to: "c", term: before.term + 1, index: 0 });
    a.step({ type: "append", from: "b", to: "a", term: Number.NaN, index: 0 });
    a.step({ type: "snapshot", from: "b", to: "a", term: before.term });
    expect(a.status()).toEqual(before);
  });
});
