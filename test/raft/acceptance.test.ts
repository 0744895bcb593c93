import { describe, expect, it } from "vitest";
import { MAX_TERM } from "../../src/raft/limits.js";
import { RaftNode } from "../../src/raft/raft-node.js";
import { createSeededRandom } from "../../src/raft/random.js";
import type { RaftMessage, RaftStatus } from "../../src/raft/types.js";
import { Cluster } from "./harness.js";

const E = 10;
const HUGE = Number.MAX_SAFE_INTEGER;

/** What a forged message must not change on a node. */
function observable(c: Cluster, id: string) {
  const s: RaftStatus = c.node(id).status();
  return {
    role: s.role,
    term: s.term,
    vote: s.vote,
    leaderId: s.leaderId,
    commit: s.commit,
    lastIndex: s.lastIndex,
    snapshotIndex: s.snapshotIndex,
    confState: s.confState,
    values: [...c.values(id)],
    readStates: [...c.get(id).readStates],
    rejectedProposals: [...c.get(id).rejectedProposals],
  };
}

/** Leader a of {a,b,c} with two applied writes; every node processed everything. */
function running(config: ConstructorParameters<typeof Cluster>[0] = {}): Cluster {
  const c = new Cluster(config);
  c.elect("a");
  c.node("a").propose("p1", 1);
  c.node("a").propose("p2", 2);
  c.deliver();
  return c;
}

/** Steps `m` into its target, runs every Ready cycle and returns what was sent as a result. */
function inject(c: Cluster, m: RaftMessage): RaftMessage[] {
  c.node(m.to).step(m);
  return c.drain();
}

describe("term ceiling (issue 13 item 1)", () => {
  const types: RaftMessage["type"][] = [
    "append",
    "heartbeat",
    "snapshot",
    "vote",
    "pre-vote",
    "timeout-now",
    "append-response",
    "heartbeat-response",
    "vote-response",
    "pre-vote-response",
    "read-index",
    "propose",
  ];

  it("a message above MAX_TERM changes no peer's term, and the cluster keeps electing leaders", () => {
    const c = running();
    const term = c.node("a").status().term;
    for (const to of ["a", "b"]) {
      for (const type of types) {
        const forged: RaftMessage = {
          type,
          from: "c",
          to,
          term: HUGE,
          index: 0,
          logTerm: 0,
          commit: 0,
          ...(type === "snapshot"
            ? {
                snapshotMeta: { index: 50, term: 3, confState: { voters: ["c"], learners: [] } },
                snapshotOffset: 0,
                snapshotTotal: 0,
                snapshotChunk: new Uint8Array(0),
                snapshotDone: true,
              }
            : {}),
          ...(type === "propose"
            ? { entries: [{ term: 0, index: 0, type: "normal", data: 9 }], proposalIds: ["x"] }
            : {}),
        };
        expect(inject(c, forged)).toEqual([]);
      }
      expect(c.get(to).dropped).toEqual(types.map((type) => ({ type, from: "c", term: HUGE, reason: "term-ceiling" })));
    }
    expect([..."abc"].map((id) => c.node(id).status().term)).toEqual([term, term, term]);
    // The cluster goes on: a new leader is elected without a, and a rejoins it.
    c.isolate("a");
    c.tick(4 * E, ["b", "c"]);
    const [leader] = c.leaders().filter((id) => id !== "a");
    expect(leader).toBeDefined();
    c.heal();
    c.tick(2);
    expect(c.leaders()).toEqual([leader]);
    expect(c.node("a").status().term).toBe(c.node(leader!).status().term);
    expect(c.node(leader!).status().term).toBeLessThan(term + 5);
    c.node(leader!).propose("p3", 3);
    c.deliver();
    expect(c.values("a")).toEqual([1, 2, 3]);
  });

  it("a message at exactly MAX_TERM is processed", () => {
    const c = running();
    c.node("b").step({ type: "heartbeat", from: "a", to: "b", term: MAX_TERM, commit: 0 });
    c.drain();
    expect(c.node("b").status()).toMatchObject({ term: MAX_TERM, leaderId: "a" });
    expect(c.get("b").dropped).toEqual([]);
  });

  it("a node at MAX_TERM never raises its term past it", () => {
    for (const preVote of [true, false]) {
      const node = new RaftNode(
        { id: "a", electionTicks: E, heartbeatTicks: 1, random: createSeededRandom(1), preVote },
        {
          hardState: { term: MAX_TERM, vote: null, commit: 3 },
          entries: ["a", "b", "c"].map((nodeId, i) => ({
            term: 1,
            index: i + 1,
            type: "conf" as const,
            data: { type: "addVoter", nodeId },
          })),
        },
      );
      node.campaign();
      for (let t = 0; t < 3 * E; t++) node.tick();
      expect(node.status()).toMatchObject({ term: MAX_TERM, role: "follower" });
      expect(node.ready().messages).toEqual([]);
    }
  });
});

describe("membership-aware acceptance (issue 13 item 2)", () => {
  const t = (c: Cluster) => c.node("a").status().term;
  const last = (c: Cluster) => c.node("a").status().lastIndex;

  /** Each forgery: the target, the message, and the cluster it is tried on. */
  const forgeries: [string, (c: Cluster) => RaftMessage][] = [
    [
      "append with an entry and a commit index",
      (c) => ({
        type: "append",
        from: "mallory",
        to: "b",
        term: t(c) + 1,
        index: last(c),
        logTerm: t(c),
        commit: last(c) + 1,
        entries: [{ term: t(c) + 1, index: last(c) + 1, type: "normal", data: "evil" }],
      }),
    ],
    [
      "append that would truncate the log",
      (c) => ({
        type: "append",
        from: "mallory",
        to: "b",
        term: t(c) + 1,
        index: 3,
        logTerm: 1,
        commit: 3,
        entries: [{ term: t(c) + 1, index: 4, type: "normal", data: "evil" }],
      }),
    ],
    ["heartbeat at a higher term", (c) => ({ type: "heartbeat", from: "mallory", to: "b", term: t(c) + 5, commit: 0 })],
    [
      "snapshot that rewrites the configuration",
      (c) => ({
        type: "snapshot",
        from: "mallory",
        to: "b",
        term: t(c) + 1,
        snapshotMeta: { index: last(c) + 10, term: t(c) + 1, confState: { voters: ["b", "mallory"], learners: [] } },
        snapshotOffset: 0,
        snapshotTotal: 2,
        snapshotChunk: new TextEncoder().encode("{}"),
        snapshotDone: true,
      }),
    ],
    ["timeout-now", (c) => ({ type: "timeout-now", from: "mallory", to: "b", term: t(c) })],
    [
      "vote request at a higher term",
      (c) => ({ type: "vote", from: "mallory", to: "b", term: t(c) + 1, index: 999, logTerm: 999 }),
    ],
    [
      "pre-vote request",
      (c) => ({ type: "pre-vote", from: "mallory", to: "b", term: t(c) + 1, index: 999, logTerm: 999 }),
    ],
    [
      "read-index answer",
      (c) => ({ type: "read-index-response", from: "mallory", to: "b", term: t(c), context: "rb", index: 1 }),
    ],
    [
      "proposal refusal",
      (c) => ({
        type: "propose-response",
        from: "mallory",
        to: "b",
        term: t(c),
        proposalIds: ["w"],
        reason: "invalid",
      }),
    ],
  ];

  for (const [name, forge] of forgeries) {
    it(`a forged ${name} from a non-member changes nothing`, () => {
      // No lease (so a vote would count) and a leaderless follower b that forwarded a read and a write.
      const c = running({ config: { checkQuorum: false, preVote: false } });
      c.isolate("a");
      c.node("b").readIndex("rb");
      c.node("b").propose("w", "write");
      c.deliver();
      c.heal();
      c.get("b").dropped.length = 0;
      const before = observable(c, "b");
      const m = forge(c);
      const sent = inject(c, m);
      expect(sent).toEqual([]);
      expect(observable(c, "b")).toEqual(before);
      expect(c.get("b").dropped).toEqual([{ type: m.type, from: "mallory", term: m.term, reason: "not-a-member" }]);
    });
  }

  it("a forged vote from a non-member wins no vote on a node that has none yet", () => {
    const c = new Cluster({ config: { preVote: false } });
    const sent = inject(c, { type: "vote", from: "mallory", to: "b", term: 5, index: 99, logTerm: 99 });
    expect(sent).toEqual([]);
    expect(c.node("b").status()).toMatchObject({ term: 1, vote: null });
  });

  it("timeout-now only from the leader of the current term", () => {
    const c = running();
    const term = t(c);
    // From a member that does not lead, and from the leader but for another term.
    expect(inject(c, { type: "timeout-now", from: "c", to: "b", term })).toEqual([]);
    expect(inject(c, { type: "timeout-now", from: "a", to: "b", term: term + 1 })).toEqual([]);
    expect(c.get("b").dropped).toEqual([
      { type: "timeout-now", from: "c", term, reason: "not-current-leader" },
      { type: "timeout-now", from: "a", term: term + 1, reason: "not-current-leader" },
    ]);
    expect(c.node("b").status()).toMatchObject({ role: "follower", term, leaderId: "a" });
    // The leader's own, in its term, starts the election.
    c.node("b").step({ type: "timeout-now", from: "a", to: "b", term });
    expect(c.node("b").status()).toMatchObject({ role: "candidate", term: term + 1 });
  });

  it("a leader refuses a non-member's forwarded proposal and read with not-a-member", () => {
    const c = running();
    const lastIndex = last(c);
    const sent = inject(c, {
      type: "propose",
      from: "mallory",
      to: "a",
      term: 0,
      entries: [{ term: 0, index: 0, type: "normal", data: "evil" }],
      proposalIds: ["m1"],
    });
    const read = inject(c, { type: "read-index", from: "mallory", to: "a", term: 0, context: "mr" });
    expect([...sent, ...read]).toEqual([
      { type: "propose-response", from: "a", to: "mallory", term: t(c), proposalIds: ["m1"], reason: "not-a-member" },
      {
        type: "read-index-response",
        from: "a",
        to: "mallory",
        term: t(c),
        context: "mr",
        reject: true,
        reason: "not-a-member",
      },
    ]);
    expect(last(c)).toBe(lastIndex);
  });

  it("a node without a configuration accepts its first leader", () => {
    const c = new Cluster({ spares: ["d"] });
    c.elect("a");
    c.node("a").proposeConfChange("j", { type: "addLearner", nodeId: "d" });
    c.deliver();
    c.tick(2);
    expect(c.get("d").dropped).toEqual([]);
    expect(c.node("d").status()).toMatchObject({ leaderId: "a", commit: c.node("a").status().commit });
  });

  it("a leader that removed itself still commits its removal and hands over at once", () => {
    const c = running();
    expect(c.node("a").proposeConfChange("bye", { type: "remove", nodeId: "a" })).toEqual({ ok: true });
    c.deliver();
    // No tick: the followers accepted the commit and the timeout-now of the leader they follow.
    const [leader] = c.leaders();
    expect(["b", "c"]).toContain(leader);
    expect(c.node(leader!).status().confState).toEqual({ voters: ["b", "c"], learners: [] });
    expect(c.get("b").dropped).toEqual([]);
    expect(c.get("c").dropped).toEqual([]);
  });

  it("a node accepts the peer an uncommitted removal in its log takes out, and that peer's truncation", () => {
    // No lease, so that c can campaign at once.
    const c = running({ config: { preVote: false, checkQuorum: false } });
    // a removes c, but nobody else gets the entry: c is out of a's configuration, uncommitted.
    c.isolate("a");
    expect(c.node("a").proposeConfChange("rm", { type: "remove", nodeId: "c" })).toEqual({ ok: true });
    c.deliver();
    expect(c.node("a").status().confState.voters).toEqual(["a", "b"]);
    // b and c, which never saw the removal, elect c.
    c.node("c").campaign();
    c.deliver();
    expect(c.leaders().filter((id) => id !== "a")).toEqual(["c"]);
    c.heal();
    c.tick(3);
    expect(c.get("a").dropped).toEqual([]);
    expect(c.node("a").status()).toMatchObject({
      role: "follower",
      leaderId: "c",
      confState: { voters: ["a", "b", "c"], learners: [] },
    });
    // Once the entries that brought c back commit on a, nothing of the removal is left.
    c.node("c").propose("p3", 3);
    c.deliver();
    expect(c.values("a")).toEqual([1, 2, 3]);
  });

  it("a follower behind a new member's addition hears that member as leader once a member vouches for it", () => {
    const c = new Cluster({ spares: ["d"] });
    c.elect("a");
    c.isolate("c");
    c.node("a").proposeConfChange("l", { type: "addLearner", nodeId: "d" });
    c.tick(2);
    c.node("a").proposeConfChange("v", { type: "addVoter", nodeId: "d" });
    c.tick(2);
    c.node("a").propose("p", 1);
    c.node("a").transferLeader("d");
    c.deliver();
    expect(c.leaders()).toEqual(["d"]);
    c.heal();
    c.tick(3);
    // c does not know d: it drops what d sends and stays behind.
    expect(c.get("c").dropped.some((m) => m.from === "d" && m.reason === "not-a-member")).toBe(true);
    expect(c.values("c")).toEqual([]);
    expect(c.node("d").status().leaderId).toBe("d");
    // A non-member's word counts for nothing; a member's does.
    expect(c.node("c").vouch("d", "mallory")).toBe(false);
    expect(c.node("c").vouch("d", "a")).toBe(true);
    c.tick(3);
    expect(c.values("c")).toEqual([1]);
    expect(c.node("c").status()).toMatchObject({
      leaderId: "d",
      confState: { voters: ["a", "b", "c", "d"], learners: [] },
    });
    // d is a member now: the log decides about it from here on.
    expect(c.node("c").vouch("d", "a")).toBe(false);
  });

  it("acceptMember: the runtime's word, when no member is left to vouch, lets a lagging follower catch up", () => {
    const c = new Cluster({ spares: ["d"] });
    c.elect("a");
    c.isolate("c");
    c.node("a").proposeConfChange("l", { type: "addLearner", nodeId: "d" });
    c.tick(2);
    c.node("a").proposeConfChange("v", { type: "addVoter", nodeId: "d" });
    c.tick(2);
    c.node("a").propose("p", 1);
    c.node("a").transferLeader("d");
    c.deliver();
    c.heal();
    expect(c.node("c").acceptMember("a")).toBe(false); // a member needs no acceptance
    expect(c.node("c").acceptMember("d")).toBe(true);
    c.tick(3);
    expect(c.values("c")).toEqual([1]);
    expect(c.node("c").status()).toMatchObject({ leaderId: "d" });
    expect(c.node("c").acceptMember("d")).toBe(false);
    // A node without a configuration accepts everyone anyway: nothing to record.
    expect(new Cluster({ spares: ["x"] }).node("x").acceptMember("d")).toBe(false);
  });
});
