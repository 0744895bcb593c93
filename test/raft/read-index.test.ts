import { describe, expect, it } from "vitest";
import { RaftNode } from "../../src/raft/raft-node";
import { createSeededRandom } from "../../src/raft/random";
import type { RaftMessage } from "../../src/raft/types";
import { describeMessage } from "./describe";
import { Cluster } from "./harness";

describe("ReadIndex (thesis §6.4)", () => {
  it("leader answers after a heartbeat round to a quorum that echoes the round", () => {
    const c = new Cluster();
    c.elect("a");
    c.node("a").propose("p", 1);
    c.deliver();
    const commit = c.node("a").status().commit;
    c.node("a").readIndex("r1");
    const rd = c.node("a").ready();
    expect(rd.readStates).toEqual([]);
    const beats = rd.messages.filter((m) => m.type === "heartbeat");
    // The heartbeats carry the number of the round started for the read, not the caller's context.
    expect(beats.map((m) => [m.to, m.context])).toEqual([
      ["b", "1"],
      ["c", "1"],
    ]);
    // Only one follower answers: with the leader itself that is a quorum of 3.
    c.node("b").step(beats[0]!);
    const resp = c
      .node("b")
      .ready()
      .messages.find((m) => m.type === "heartbeat-response")!;
    expect(resp.context).toBe("1");
    c.node("a").step(resp);
    expect(c.node("a").ready().readStates).toEqual([{ context: "r1", index: commit }]);
  });

  it("no answer while the leader cannot reach a quorum", () => {
    const c = new Cluster();
    c.elect("a");
    c.isolate("b", "c");
    c.node("a").readIndex("r1");
    c.deliver();
    expect(c.get("a").readStates).toEqual([]);
    c.heal();
    c.tick(1);
    expect(c.get("a").readStates.map((r) => r.context)).toEqual(["r1"]);
  });

  it("leader defers a read until it has committed an entry of its term", () => {
    const c = new Cluster();
    c.drop((m) => m.type === "append" || m.type === "append-response");
    c.elect("a");
    expect(c.node("a").status().commit).toBeLessThan(c.node("a").status().lastIndex);
    c.sent.length = 0;
    c.node("a").readIndex("early");
    c.deliver();
    expect(c.sent.some((m) => m.context === "early")).toBe(false);
    expect(c.get("a").readStates).toEqual([]);
    c.heal();
    c.tick(2);
    const status = c.node("a").status();
    expect(c.get("a").readStates).toEqual([{ context: "early", index: status.commit }]);
  });

  it("follower forwards the read and gets the leader's commit index", () => {
    const c = new Cluster();
    c.elect("a");
    c.node("a").propose("p", 1);
    c.deliver();
    c.node("b").readIndex("rb");
    c.deliver();
    expect(
      c.sent.filter((m) => m.type === "read-index" || m.type === "read-index-response").map(describeMessage),
    ).toEqual(["b->a read-index term=2 context=rb", "a->b read-index-response term=2 index=5 context=rb"]);
    expect(c.get("b").readStates).toEqual([{ context: "rb", index: c.node("a").status().commit }]);
  });

  it("single voter answers at once", () => {
    const node = new RaftNode(
      { id: "solo", electionTicks: 10, heartbeatTicks: 1, random: createSeededRandom(1) },
      {
        hardState: { term: 0, vote: null, commit: 0 },
        entries: [],
        initialConfState: { voters: ["solo"], learners: [] },
      },
    );
    node.campaign();
    node.readIndex("r");
    const rd = node.ready();
    expect(rd.readStates).toEqual([{ context: "r", index: node.status().commit }]);
    expect(rd.messages).toEqual([]);
  });

  it("without a leader the read is rejected", () => {
    const c = new Cluster();
    c.node("b").readIndex("r");
    expect(c.node("b").ready().rejectedReads).toEqual([{ context: "r", reason: "no-leader" }]);
  });

  it("a leader that steps down refuses its pending reads, local and forwarded", () => {
    const c = new Cluster();
    c.elect("a");
    c.drop((m) => m.type === "heartbeat-response");
    c.node("a").readIndex("ra");
    c.node("b").readIndex("rb");
    c.deliver();
    c.tick(20, ["a"]); // no answers arrive: CheckQuorum makes a step down
    expect(c.node("a").status().role).toBe("follower");
    expect(c.get("a").rejectedReads).toEqual([{ context: "ra", reason: "no-leader" }]);
    expect(c.get("b").rejectedReads).toEqual([{ context: "rb", reason: "no-leader" }]);
  });

  it("a follower whose leader changes refuses the reads it forwarded", () => {
    const c = new Cluster();
    c.elect("a");
    c.isolate("a");
    c.node("b").readIndex("rb"); // forwarded to a, which is unreachable
    c.tick(30, ["b", "c"]);
    expect(c.get("b").rejectedReads).toEqual([{ context: "rb", reason: "no-leader" }]);
  });
});

describe("ReadIndex bookkeeping", () => {
  it("a follower gives up on its oldest unanswered forwarded read beyond 4096", () => {
    const c = new Cluster();
    c.elect("a");
    c.drop((m) => m.type === "read-index");
    for (let i = 0; i <= 4096; i++) c.node("b").readIndex(`r${i}`);
    expect(c.node("b").ready().rejectedReads).toEqual([{ context: "r0", reason: "no-leader" }]);
  });
});

describe("ReadIndex rounds (thesis §6.4: a quorum heartbeat round after the read arrived)", () => {
  /** Leader a of {a,b,c} with one committed entry of its term; the network is held (steps are manual). */
  function ready() {
    const c = new Cluster();
    c.elect("a");
    c.node("a").propose("p", 1);
    c.deliver();
    return c;
  }

  /** Runs `id`'s Ready cycle and returns the heartbeats (or their answers) it sent. */
  function out(c: Cluster, id: string, type: RaftMessage["type"]): RaftMessage[] {
    return c.process(id).filter((m) => m.type === type);
  }

  it("a late answer to an earlier round with a repeated context releases no newer read", () => {
    const c = ready();
    const commitAtA = c.node("a").status().commit;
    // b forwards read "A"; a starts round 1.
    c.node("b").readIndex("A");
    const [forwardA] = out(c, "b", "read-index");
    c.node("a").step(forwardA!);
    const round1 = out(c, "a", "heartbeat");
    expect(round1.map((m) => [m.to, m.context])).toEqual([
      ["b", "1"],
      ["c", "1"],
    ]);
    // b's answer is held back; c confirms round 1, which releases "A" to b.
    c.node("b").step(round1[0]!);
    const [heldFromB] = out(c, "b", "heartbeat-response");
    c.node("c").step(round1[1]!);
    c.node("a").step(out(c, "c", "heartbeat-response")[0]!);
    const answers = out(c, "a", "read-index-response");
    expect(answers.map((m) => [m.to, m.context, m.index])).toEqual([["b", "A", commitAtA]]);
    // Meanwhile the leader commits more: a read now must see it.
    c.node("a").propose("q", 2);
    const appends = c.process("a").filter((m) => m.type === "append");
    c.stepAll(appends);
    c.stepAll(c.process("b").filter((m) => m.type === "append-response"));
    c.process("c");
    c.process("a");
    const commitAtB = c.node("a").status().commit;
    expect(commitAtB).toBeGreaterThan(commitAtA);
    // A local read "B" (round 2), then a second read "A" from b (round 3), then the held answer to round 1.
    c.node("a").readIndex("B");
    expect(out(c, "a", "heartbeat").map((m) => m.context)).toEqual(["2", "2"]);
    c.node("a").step(forwardA!);
    const round3 = out(c, "a", "heartbeat");
    expect(round3.map((m) => m.context)).toEqual(["3", "3"]);
    c.node("a").step(heldFromB!);
    const rd = c.node("a").ready();
    expect(rd.readStates).toEqual([]);
    expect(rd.messages.filter((m) => m.type === "read-index-response")).toEqual([]);
    // c answering round 3 confirms both, with the commit index they were queued at.
    c.node("c").step(round3[1]!);
    c.node("a").step(out(c, "c", "heartbeat-response")[0]!);
    const released = c.node("a").ready();
    expect(released.readStates).toEqual([{ context: "B", index: commitAtB }]);
    expect(
      released.messages.filter((m) => m.type === "read-index-response").map((m) => [m.to, m.context, m.index]),
    ).toEqual([["b", "A", commitAtB]]);
  });

  it("a read is released by a quorum answering its own round, in arrival order", () => {
    const c = ready();
    const commit = c.node("a").status().commit;
    c.node("a").readIndex("B");
    const round1 = out(c, "a", "heartbeat");
    c.node("a").readIndex("C");
    const round2 = out(c, "a", "heartbeat");
    // c answers round 1 only: B is confirmed, C is not.
    c.node("c").step(round1[1]!);
    c.node("a").step(out(c, "c", "heartbeat-response")[0]!);
    expect(c.node("a").ready().readStates).toEqual([{ context: "B", index: commit }]);
    // b answers round 2: C is confirmed.
    c.node("b").step(round2[0]!);
    c.node("a").step(out(c, "b", "heartbeat-response")[0]!);
    expect(c.node("a").ready().readStates).toEqual([{ context: "C", index: commit }]);
  });

  it("a read re-sent while pending is answered once, by the pending round", () => {
    const c = ready();
    c.drop((m) => m.type === "heartbeat-response");
    c.node("b").readIndex("A");
    c.deliver();
    c.node("b").readIndex("A");
    c.deliver();
    const rounds = c.sent.filter((m) => m.type === "heartbeat" && m.context !== undefined);
    expect(rounds.map((m) => [m.to, m.context])).toEqual([
      ["b", "1"],
      ["c", "1"],
    ]);
    c.heal();
    c.tick(1);
    expect(c.sent.filter((m) => m.type === "read-index-response").map((m) => [m.to, m.context])).toEqual([["b", "A"]]);
    expect(c.get("b").readStates).toEqual([{ context: "A", index: c.node("a").status().commit }]);
  });

  it("an acknowledgement of a round never started is ignored", () => {
    const c = ready();
    c.drop((m) => m.type === "heartbeat-response");
    c.node("a").readIndex("B");
    c.deliver();
    c.heal();
    c.node("a").step({ type: "heartbeat-response", from: "b", to: "a", term: c.node("a").status().term, context: "9" });
    expect(c.node("a").ready().readStates).toEqual([]);
  });
});
