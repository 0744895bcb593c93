import { describe, expect, it } from "vitest";
import { RaftNode } from "../../src/raft/raft-node";
import { createSeededRandom } from "../../src/raft/random";
import type { Entry, Ready } from "../../src/raft/types";

/**
 * Asynchronous storage writes (Raft thesis §10.2.1; etcd's AsyncStorageWrites): the runtime may send a
 * leader's appends before its own save of the same entries completes, and reports the save with `advance()`.
 * The leader counts itself toward the commit quorum only for what `advance()` reported persisted.
 */

const voters = (...ids: string[]): Entry[] =>
  ids.map((id, i) => ({ term: 1, index: i + 1, type: "conf", data: { type: "addVoter", nodeId: id } }));

/** Node `a`, leader of term 2 over `members`, with every Ready so far saved and advanced. */
function leader(members: string[], asyncStorageWrites: boolean): RaftNode {
  const boot = voters(...members);
  const node = new RaftNode(
    {
      id: "a",
      electionTicks: 10,
      heartbeatTicks: 1,
      random: createSeededRandom(1),
      preVote: false,
      asyncStorageWrites,
    },
    { hardState: { term: 1, vote: null, commit: boot.length }, entries: boot },
  );
  node.campaign();
  node.advance(node.ready());
  for (const from of members.filter((id) => id !== "a")) {
    node.step({ type: "vote-response", from, to: "a", term: 2 });
  }
  expect(node.status().role).toBe("leader");
  const noop = node.ready();
  node.advance(noop);
  // The followers take the leader's no-op, so the next entry can commit by counting (§5.4.2).
  const noopIndex = node.status().lastIndex;
  for (const from of members.filter((id) => id !== "a")) {
    node.step({ type: "append-response", from, to: "a", term: 2, index: noopIndex });
  }
  node.advance(node.ready());
  expect(node.status().commit).toBe(noopIndex);
  return node;
}

function proposeAndTakeReady(node: RaftNode): { index: number; ready: Ready } {
  expect(node.propose("p1", "x").ok).toBe(true);
  const index = node.status().lastIndex;
  return { index, ready: node.ready() };
}

describe("asynchronous storage writes (thesis §10.2.1)", () => {
  it("leader sends its appends in the Ready that holds the entries, before the save is reported", () => {
    const node = leader(["a", "b", "c"], true);
    const { index, ready } = proposeAndTakeReady(node);
    expect(ready.entries.map((entry) => entry.index)).toEqual([index]);
    const appends = ready.messages.filter((m) => m.type === "append" && (m.entries?.length ?? 0) > 0);
    expect(appends.map((m) => m.to).sort()).toEqual(["b", "c"]);
  });

  it("leader whose own save is pending does not count itself toward the quorum", () => {
    const node = leader(["a", "b", "c"], true);
    const { index, ready } = proposeAndTakeReady(node);
    node.step({ type: "append-response", from: "b", to: "a", term: 2, index });
    // b alone is not a majority of three: the leader's own copy is not durable yet.
    expect(node.status().commit).toBe(index - 1);
    expect(node.status().progress?.a?.match).toBe(index - 1);
    node.advance(ready);
    expect(node.status().progress?.a?.match).toBe(index);
    expect(node.status().commit).toBe(index);
    const next = node.ready();
    expect(next.committedEntries.map((entry) => entry.index)).toEqual([index]);
    // The new commit index goes out at once.
    expect(next.messages.some((m) => m.type === "append" && m.commit === index)).toBe(true);
  });

  it("leader commits without its own save when a majority of followers persisted", () => {
    const node = leader(["a", "b", "c"], true);
    const { index } = proposeAndTakeReady(node);
    node.step({ type: "append-response", from: "b", to: "a", term: 2, index });
    node.step({ type: "append-response", from: "c", to: "a", term: 2, index });
    expect(node.status().commit).toBe(index);
    expect(node.status().progress?.a?.match).toBe(index - 1);
  });

  it("single voter commits only once its own save is reported", () => {
    const node = leader(["a"], true);
    const { index, ready } = proposeAndTakeReady(node);
    expect(node.status().commit).toBe(index - 1);
    expect(ready.committedEntries).toEqual([]);
    node.advance(ready);
    expect(node.status().commit).toBe(index);
  });

  it("without asynchronous writes the leader counts an entry as soon as it appends it", () => {
    const node = leader(["a", "b", "c"], false);
    const { index } = proposeAndTakeReady(node);
    node.step({ type: "append-response", from: "b", to: "a", term: 2, index });
    expect(node.status().commit).toBe(index);
  });

  it("an entry replaced while its save was pending does not count as persisted", () => {
    const boot = voters("a", "b", "c");
    const node = new RaftNode(
      {
        id: "a",
        electionTicks: 10,
        heartbeatTicks: 1,
        random: createSeededRandom(1),
        preVote: false,
        asyncStorageWrites: true,
      },
      { hardState: { term: 2, vote: null, commit: 3 }, entries: boot },
    );
    // Leader b's entry 4 of term 2 arrives; a takes the Ready to save it.
    node.step({
      type: "append",
      from: "b",
      to: "a",
      term: 2,
      index: 3,
      logTerm: 1,
      entries: [{ term: 2, index: 4, type: "normal", data: "old" }],
      commit: 3,
    });
    const saving = node.ready();
    // Before that save completes, leader c of term 3 replaces entry 4.
    node.step({
      type: "append",
      from: "c",
      to: "a",
      term: 3,
      index: 3,
      logTerm: 1,
      entries: [{ term: 3, index: 4, type: "normal", data: "new" }],
      commit: 3,
    });
    node.advance(saving);
    // a becomes leader of term 4 (c's entry 4 not yet saved): its own log counts only up to index 3.
    node.campaign();
    node.step({ type: "vote-response", from: "b", to: "a", term: 4 });
    expect(node.status().role).toBe("leader");
    expect(node.status().progress?.a?.match).toBe(3);
  });
});
