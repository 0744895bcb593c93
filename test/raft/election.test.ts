import { describe, expect, it } from "vitest";
import { RaftNode } from "../../src/raft/raft-node";
import { createSeededRandom } from "../../src/raft/random";
import type { Entry, RaftMessage } from "../../src/raft/types";
import { describeMessage } from "./describe";
import { Cluster } from "./harness";

const E = 10;

function lone(seed: number, preVote = true): RaftNode {
  return new RaftNode(
    { id: "a", electionTicks: E, heartbeatTicks: 1, random: createSeededRandom(seed), preVote },
    {
      hardState: { term: 0, vote: null, commit: 0 },
      entries: [],
      initialConfState: { voters: ["a", "b", "c"], learners: [] },
    },
  );
}

/** Ticks until the node sends its first (pre-)vote request. */
function ticksUntilCampaign(node: RaftNode): number {
  node.ready();
  for (let t = 1; t <= 3 * E; t++) {
    node.tick();
    if (node.ready().messages.some((m) => m.type === "pre-vote" || m.type === "vote")) return t;
  }
  return -1;
}

function bootEntries(): Entry[] {
  return ["a", "b", "c"].map((id, i) => ({
    term: 1,
    index: i + 1,
    type: "conf" as const,
    data: { type: "addVoter", nodeId: id },
  }));
}

describe("elections (Raft §5.2, thesis §9.6, §6.2)", () => {
  it("election timeout is randomised in [E, 2E) for every election", () => {
    const timeouts = new Set<number>();
    for (let seed = 1; seed <= 20; seed++) {
      const t = ticksUntilCampaign(lone(seed));
      expect(t).toBeGreaterThanOrEqual(E);
      expect(t).toBeLessThan(2 * E);
      timeouts.add(t);
    }
    expect(timeouts.size).toBeGreaterThan(3);
    // Each new election draws again: successive campaigns of one node do not all wait the same.
    const node = lone(7);
    const gaps: number[] = [];
    for (let i = 0; i < 8; i++) gaps.push(ticksUntilCampaign(node));
    expect(new Set(gaps).size).toBeGreaterThan(1);
  });

  it("pre-candidate does not increase the term", () => {
    const node = lone(3);
    ticksUntilCampaign(node);
    const s = node.status();
    expect(s.role).toBe("pre-candidate");
    expect(s.term).toBe(1);
    expect(s.vote).toBeNull();
    // The pre-vote asks for the next term without taking it.
    node.tick();
    const c = new Cluster();
    c.isolate("c");
    c.tick(3 * E, ["c"]);
    expect(c.node("c").status().role).toBe("pre-candidate");
    expect(c.node("c").status().term).toBe(1);
    const preVotes = c.sent.filter((m) => m.type === "pre-vote" && m.from === "c");
    expect(preVotes.length).toBeGreaterThan(0);
    expect(preVotes.every((m) => m.term === 2)).toBe(true);
  });

  it("without PreVote an isolated node increases its term", () => {
    const node = lone(3, false);
    ticksUntilCampaign(node);
    expect(node.status().role).toBe("candidate");
    expect(node.status().term).toBe(2);
  });

  it("node that heard from a leader within the election timeout grants no pre-vote", () => {
    const c = new Cluster();
    c.elect("a");
    const term = c.node("a").status().term;
    // c stops hearing from the leader and pre-campaigns; b still hears from a.
    c.partition(["a"], ["c"]);
    const before = c.sent.length;
    c.tick(3 * E);
    const after = c.sent.slice(before);
    // Exactly: c asks twice (once per election timeout); b, in its lease, never answers; a is cut off.
    expect(after.filter((m) => m.type === "pre-vote" || m.type === "pre-vote-response").map(describeMessage)).toEqual([
      "c->a pre-vote term=3 index=4 logTerm=2",
      "c->b pre-vote term=3 index=4 logTerm=2",
      "c->a pre-vote term=3 index=4 logTerm=2",
      "c->b pre-vote term=3 index=4 logTerm=2",
    ]);
    expect(c.node("a").status().role).toBe("leader");
    expect(c.node("c").status().term).toBe(term);
  });

  it("node grants a pre-vote once it has not heard from a leader for an election timeout", () => {
    const c = new Cluster();
    c.elect("a");
    c.isolate("a");
    const before = c.sent.length;
    c.tick(3 * E, ["b", "c"]);
    const leader = c.leaders().find((id) => id !== "a");
    expect(leader).toBe("b");
    // c, which stopped hearing from a as long as b did, grants b's pre-vote and then its vote.
    const campaign = c.sent.slice(before).filter((m) => m.to !== "a" && m.type.includes("vote"));
    expect(campaign.map(describeMessage)).toEqual([
      "b->c pre-vote term=3 index=4 logTerm=2",
      "c->b pre-vote-response term=3 reject=false",
      "b->c vote term=3 index=4 logTerm=2",
      "c->b vote-response term=3 reject=false",
    ]);
  });

  it("candidate with a stale log loses the vote (§5.4.1)", () => {
    // No PreVote and no lease, so the vote request reaches the §5.4.1 check itself.
    const c = new Cluster({ config: { preVote: false, checkQuorum: false } });
    c.elect("a");
    c.isolate("c");
    c.node("a").propose("p1", "x");
    c.deliver();
    c.heal();
    // a goes away; c (missing p1) campaigns first but b refuses it.
    c.isolate("a");
    const before = c.sent.length;
    c.node("c").campaign();
    c.deliver();
    expect(c.node("c").status().role).not.toBe("leader");
    expect(c.sent.slice(before).map(describeMessage)).toEqual([
      "c->a vote term=3 index=4 logTerm=2",
      "c->b vote term=3 index=4 logTerm=2",
      "b->c vote-response term=3 reject=true",
    ]);
    // b holds the log and wins.
    c.tick(4 * E, ["b", "c"]);
    expect(c.leaders()).toContain("b");
  });

  it("vote goes by last log term first, then last log index (§5.4.1)", () => {
    const mk = () =>
      new RaftNode(
        { id: "b", electionTicks: E, heartbeatTicks: 1, random: createSeededRandom(1), preVote: false },
        {
          hardState: { term: 2, vote: null, commit: 3 },
          entries: [
            ...bootEntries(),
            { term: 2, index: 4, type: "noop", data: null },
            { term: 2, index: 5, type: "normal", data: 1 },
          ],
        },
      );
    const ask = (index: number, logTerm: number): boolean => {
      const node = mk();
      node.step({ type: "vote", from: "c", to: "b", term: 3, index, logTerm });
      const resp = node.ready().messages.find((m) => m.type === "vote-response")!;
      return resp.reject !== true;
    };
    expect(ask(9, 1)).toBe(false); // longer log, older last term
    expect(ask(4, 3)).toBe(true); // shorter log, newer last term
    expect(ask(4, 2)).toBe(false); // same last term, shorter
    expect(ask(5, 2)).toBe(true); // same last term, as long
  });

  it("a newer term learned from a rejected vote does not restart the election timer (Figure 2)", () => {
    // How long candidate a waits before its next election when nobody answers.
    const quiet = lone(5, false);
    quiet.campaign();
    const timeout = ticksUntilCampaign(quiet);
    expect(timeout).toBeGreaterThanOrEqual(E);
    // The same candidate, told of a newer term by a rejection just before that timeout: it follows that term
    // and campaigns on time, instead of waiting a whole new timeout (which a candidate that cannot win could
    // otherwise keep imposing on it, one announced term after another).
    const told = lone(5, false);
    told.campaign();
    told.ready();
    for (let t = 1; t < timeout; t++) told.tick();
    told.step({ type: "vote-response", from: "b", to: "a", term: 9, reject: true });
    expect(told.status()).toMatchObject({ role: "follower", term: 9 });
    expect(ticksUntilCampaign(told)).toBe(1);
    expect(told.status()).toMatchObject({ role: "candidate", term: 10 });
  });

  it("node votes for at most one candidate per term (§5.2)", () => {
    const node = new RaftNode(
      { id: "b", electionTicks: E, heartbeatTicks: 1, random: createSeededRandom(1), preVote: false },
      { hardState: { term: 1, vote: null, commit: 3 }, entries: bootEntries() },
    );
    node.step({ type: "vote", from: "a", to: "b", term: 2, index: 3, logTerm: 1 });
    node.step({ type: "vote", from: "c", to: "b", term: 2, index: 3, logTerm: 1 });
    const resps = node.ready().messages.filter((m) => m.type === "vote-response");
    expect(resps.map((m) => [m.to, m.reject])).toEqual([
      ["a", false],
      ["c", true],
    ]);
    expect(node.status().vote).toBe("a");
  });

  it("leader steps down without a quorum (CheckQuorum)", () => {
    const c = new Cluster();
    c.elect("a");
    c.isolate("a");
    c.tick(E, ["a"]);
    expect(c.node("a").status().role).toBe("leader");
    c.tick(E, ["a"]);
    expect(c.node("a").status().role).toBe("follower");
    expect(c.node("a").status().leaderId).toBeNull();
  });

  it("a new leader that hears from nobody steps down after one election timeout (CheckQuorum, §6.2)", () => {
    const c = new Cluster();
    // a wins on the votes, then is cut off before any follower answers it as leader.
    c.drop((m) => m.to === "a" && m.type !== "pre-vote-response" && m.type !== "vote-response");
    c.elect("a");
    c.isolate("a");
    c.tick(E - 1, ["a"]);
    expect(c.node("a").status().role).toBe("leader");
    c.tick(1, ["a"]);
    expect(c.node("a").status()).toMatchObject({ role: "follower", leaderId: null });
  });

  it("without CheckQuorum an isolated leader keeps leading", () => {
    const c = new Cluster({ config: { checkQuorum: false } });
    c.elect("a");
    c.isolate("a");
    c.tick(5 * E, ["a"]);
    expect(c.node("a").status().role).toBe("leader");
  });

  it("follower that hears from a leader ignores a higher-term vote request (leader lease)", () => {
    const c = new Cluster({ config: { preVote: false } });
    c.elect("a");
    const term = c.node("b").status().term;
    c.node("b").step({ type: "vote", from: "c", to: "b", term: term + 5, index: 99, logTerm: 99 });
    expect(c.node("b").status().term).toBe(term);
    expect(c.drain().some((m) => m.type === "vote-response" && m.from === "b")).toBe(false);
  });

  it("without CheckQuorum a follower adopts the higher term of a vote request", () => {
    const c = new Cluster({ config: { preVote: false, checkQuorum: false } });
    c.elect("a");
    const term = c.node("b").status().term;
    c.node("b").step({ type: "vote", from: "c", to: "b", term: term + 5, index: 99, logTerm: 99 });
    expect(c.node("b").status().term).toBe(term + 5);
  });

  it("new leader appends a no-op entry of its term (§5.4.2)", () => {
    const c = new Cluster();
    c.elect("b");
    const s = c.node("b").status();
    const last = c.get("b").storage.entries.at(-1)!;
    expect(last).toEqual({ term: s.term, index: s.lastIndex, type: "noop", data: null });
    // It commits at once, with every earlier entry.
    expect(s.commit).toBe(s.lastIndex);
  });

  it("stale leader steps down when it hears of a newer term", () => {
    const c = new Cluster();
    c.elect("a");
    c.isolate("a");
    c.tick(4 * E, ["b", "c"]);
    c.heal();
    // a has not yet noticed (no ticks); its next heartbeat is answered with the newer term.
    expect(c.node("a").status().role).toBe("leader");
    c.tick(1, ["a"]);
    expect(c.node("a").status().role).toBe("follower");
    expect(c.leaders().length).toBe(1);
  });

  it("single voter elects itself at once with campaign()", () => {
    const node = new RaftNode(
      { id: "solo", electionTicks: E, heartbeatTicks: 1, random: createSeededRandom(1) },
      {
        hardState: { term: 0, vote: null, commit: 0 },
        entries: [],
        initialConfState: { voters: ["solo"], learners: [] },
      },
    );
    node.campaign();
    expect(node.status().role).toBe("leader");
    const rd = node.ready();
    expect(rd.softState?.role).toBe("leader");
    expect(rd.committedEntries.map((e) => e.type)).toEqual(["conf", "noop"]);
  });

  it("learner and non-member never campaign", () => {
    const c = new Cluster({ voters: ["a", "b"], learners: ["l"], spares: ["x"] });
    c.isolate("a", "b");
    c.tick(5 * E, ["l", "x"]);
    const sent: RaftMessage[] = c.sent.filter((m) => m.from === "l" || m.from === "x");
    expect(sent).toEqual([]);
  });
});
