import { describe, expect, it } from "vitest";
import { RaftNode } from "../../src/raft/raft-node";
import { createSeededRandom } from "../../src/raft/random";
import { Cluster } from "./harness";

describe("ReadIndex (thesis §6.4)", () => {
  it("leader answers after a heartbeat round to a quorum that echoes the context", () => {
    const c = new Cluster();
    c.elect("a");
    c.node("a").propose("p", 1);
    c.deliver();
    const commit = c.node("a").status().commit;
    c.node("a").readIndex("r1");
    const rd = c.node("a").ready();
    expect(rd.readStates).toEqual([]);
    const beats = rd.messages.filter((m) => m.type === "heartbeat");
    expect(beats.map((m) => [m.to, m.context])).toEqual([
      ["b", "r1"],
      ["c", "r1"],
    ]);
    // Only one follower answers: with the leader itself that is a quorum of 3.
    c.node("b").step(beats[0]!);
    const resp = c
      .node("b")
      .ready()
      .messages.find((m) => m.type === "heartbeat-response")!;
    expect(resp.context).toBe("r1");
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
    expect(c.sent.some((m) => m.type === "read-index" && m.from === "b" && m.to === "a")).toBe(true);
    expect(c.sent.some((m) => m.type === "read-index-response" && m.to === "b")).toBe(true);
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
