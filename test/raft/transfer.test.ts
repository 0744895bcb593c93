import { describe, expect, it } from "vitest";
import { describeMessage } from "./describe";
import { Cluster } from "./harness";

const E = 10;

describe("leadership transfer (thesis §3.10)", () => {
  it("leader hands leadership to an up-to-date voter with timeout-now", () => {
    const c = new Cluster();
    c.elect("a");
    const term = c.node("a").status().term;
    c.node("a").transferLeader("b");
    c.deliver();
    expect(c.node("b").status()).toMatchObject({ role: "leader", term: term + 1 });
    expect(c.node("a").status().role).toBe("follower");
    expect(c.sent.filter((m) => m.type === "timeout-now")).toEqual([{ type: "timeout-now", from: "a", to: "b", term }]);
  });

  it("target campaigns at once, skipping PreVote, and voters grant despite the leader lease", () => {
    const c = new Cluster();
    c.elect("a");
    c.sent.length = 0;
    c.node("a").transferLeader("c");
    c.deliver();
    const votes = c.sent.filter((m) => m.from === "c" && (m.type === "vote" || m.type === "pre-vote"));
    expect(votes.map(describeMessage)).toEqual([
      "c->a vote term=3 index=4 logTerm=2 context=transfer",
      "c->b vote term=3 index=4 logTerm=2 context=transfer",
    ]);
    // b heard from a a moment ago, yet it voted for c (and so did a, which handed over).
    expect(c.sent.filter((m) => m.type === "vote-response").map(describeMessage)).toEqual([
      "a->c vote-response term=3 reject=false",
      "b->c vote-response term=3 reject=false",
    ]);
    expect(c.leaders()).toEqual(["c"]);
  });

  it("leader catches the target up before sending timeout-now", () => {
    const c = new Cluster();
    c.elect("a");
    c.isolate("c");
    for (let i = 0; i < 5; i++) c.node("a").propose(`p${i}`, i);
    c.deliver();
    c.heal();
    c.sent.length = 0;
    c.node("a").transferLeader("c");
    c.deliver();
    const timeoutAt = c.sent.findIndex((m) => m.type === "timeout-now");
    const lastAppend = c.sent.findLastIndex((m) => m.type === "append" && m.to === "c" && m.term === 2);
    expect(timeoutAt).toBeGreaterThan(lastAppend);
    expect(c.leaders()).toEqual(["c"]);
    expect(c.values("c")).toEqual([0, 1, 2, 3, 4]);
  });

  it("leader refuses proposals while a transfer is in progress", () => {
    const c = new Cluster();
    c.elect("a");
    c.isolate("c");
    c.node("a").transferLeader("c");
    expect(c.node("a").status().leadTransferee).toBe("c");
    expect(c.node("a").propose("p", 1)).toEqual({ ok: false, reason: "transfer-in-progress" });
    c.node("b").propose("f", 2);
    c.deliver();
    expect(c.get("b").rejectedProposals).toEqual([{ id: "f", reason: "transfer-in-progress" }]);
  });

  it("transfer is abandoned after an election timeout", () => {
    const c = new Cluster();
    c.elect("a");
    c.isolate("c");
    c.node("a").transferLeader("c");
    c.tick(E);
    expect(c.node("a").status()).toMatchObject({ role: "leader", leadTransferee: null });
    expect(c.node("a").propose("p", 1)).toEqual({ ok: true });
  });

  it("transferLeader to the leader itself cancels a pending transfer; proposals are accepted at once", () => {
    const c = new Cluster();
    c.elect("a");
    c.isolate("c");
    c.node("a").transferLeader("c");
    c.deliver(); // the timeout-now to c is lost
    expect(c.node("a").propose("p", 1)).toEqual({ ok: false, reason: "transfer-in-progress" });
    c.sent.length = 0;
    c.node("a").transferLeader("a");
    expect(c.node("a").status()).toMatchObject({ role: "leader", leadTransferee: null });
    expect(c.node("a").propose("q", 2)).toEqual({ ok: true });
    c.deliver();
    expect(c.values("b")).toEqual([2]);
    // c catching up later does not complete the cancelled transfer.
    c.heal();
    c.tick(2);
    expect(c.leaders()).toEqual(["a"]);
    expect(c.sent.filter((m) => m.type === "timeout-now")).toEqual([]);
  });

  it("transfer to a learner or an unknown node is ignored", () => {
    const c = new Cluster({ voters: ["a", "b"], learners: ["l"] });
    c.elect("a");
    c.node("a").transferLeader("l");
    c.node("a").transferLeader("nobody");
    expect(c.node("a").status().leadTransferee).toBeNull();
  });
});

describe("refused forwarded proposals", () => {
  it("a duplicate of a refused forwarded proposal is refused again, never appended", () => {
    const c = new Cluster();
    c.elect("a");
    c.isolate("c");
    c.node("a").transferLeader("c");
    c.deliver();
    c.node("b").propose("f", "once");
    const [forward] = c.process("b").filter((m) => m.type === "propose");
    c.node("a").step(forward!);
    expect(c.process("a").filter((m) => m.type === "propose-response")).toEqual([
      { type: "propose-response", from: "a", to: "b", term: 2, proposalIds: ["f"], reason: "transfer-in-progress" },
    ]);
    // The transfer ends; the network delivers a copy of the forward.
    c.node("a").transferLeader("a");
    c.node("a").step(forward!);
    expect(c.process("a").filter((m) => m.type === "propose-response" || m.type === "append")).toEqual([
      { type: "propose-response", from: "a", to: "b", term: 2, proposalIds: ["f"], reason: "transfer-in-progress" },
    ]);
    c.heal();
    c.tick(2);
    expect(c.values("a")).toEqual([]);
  });
});
