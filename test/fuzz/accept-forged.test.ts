import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HAMOK_PROTOCOL, type HamokMessage } from "../../src/messages/hamok-message.js";
import { MAX_TERM, validateHamokMessage } from "../../src/messages/validate.js";
import { RAFT_MESSAGE_TYPES, type RaftMessageType } from "../../src/raft/types.js";
import { anyValue, checkAsync, prototypesSnapshot } from "./fuzz-settings.js";
import {
  DELETE,
  expectHealthy,
  type LiveCluster,
  MEMBERS,
  pathsOf,
  replaceAt,
  startCluster,
  withoutStrayErrors,
} from "./live-cluster.js";

/**
 * Well-formed messages of every type forged by a non-member ("mallory", a stranger in the signaling room or a
 * same-origin script), and real traffic re-attributed to it, injected into `accept()` of a live cluster.
 * Raft is not Byzantine-tolerant, but a non-member must not disrupt, corrupt or stop a cluster (issue 13):
 * every property of the garbage suite holds, and the configuration never admits the forger.
 *
 * Kept apart from accept-garbage.test.ts: it depends on the runtime and the core dropping Raft and storage
 * messages from senders outside the configuration (issue 13 item 2, owned by the core and runtime work).
 */

const LIMITS = { maxMessageBytes: 1024 * 1024 };
const MALLORY = "mallory";
const RAFT_TYPES: readonly RaftMessageType[] = RAFT_MESSAGE_TYPES;

/** A Raft message of `type` from mallory with plausible, well-formed fields. */
function forgedRaft(cluster: LiveCluster): fc.Arbitrary<HamokMessage> {
  const term = fc.oneof(fc.nat(20), fc.constant(MAX_TERM), fc.integer({ min: 1, max: MAX_TERM }));
  const conf = fc.record({
    type: fc.constantFrom("addLearner", "addVoter", "remove", "demoteVoter"),
    nodeId: fc.constantFrom(MALLORY, ...MEMBERS),
  });
  return fc
    .record({
      type: fc.constantFrom(...RAFT_TYPES),
      to: fc.constantFrom(...MEMBERS),
      term,
      index: fc.nat(50),
      commit: fc.nat(1000),
      reject: fc.boolean(),
      conf,
      data: anyValue(),
      context: fc.constantFrom("transfer", "read-1", "x"),
    })
    .map((f) => {
      const base = { type: f.type, from: MALLORY, to: f.to, term: f.term };
      const body: Record<string, unknown> = { ...base };
      switch (f.type) {
        case "append":
          Object.assign(body, {
            index: f.index,
            logTerm: Math.min(f.term, f.index === 0 ? 0 : f.term),
            commit: f.commit,
            entries: [
              { term: f.term, index: f.index + 1, type: "normal", data: { kind: "forged", v: f.data } },
              { term: f.term, index: f.index + 2, type: "conf", data: f.conf },
            ],
          });
          break;
        case "heartbeat":
          Object.assign(body, { commit: f.commit, context: f.context });
          break;
        case "snapshot":
          Object.assign(body, {
            snapshotMeta: { index: f.index + 100, term: f.term, confState: { voters: [MALLORY, f.to], learners: [] } },
            snapshotOffset: 0,
            snapshotTotal: 0,
            snapshotChunk: new Uint8Array(0),
            snapshotDone: true,
          });
          break;
        case "propose":
          Object.assign(body, {
            entries: [{ term: 0, index: 0, type: "conf", data: f.conf }],
            proposalIds: ["forged-1"],
          });
          break;
        case "propose-response":
          Object.assign(body, { proposalIds: ["conf:1", "x"], reason: "no-leader" });
          break;
        case "read-index":
        case "read-index-response":
        case "heartbeat-response":
          Object.assign(body, { context: f.context, index: f.index });
          break;
        case "vote":
        case "pre-vote":
          Object.assign(body, { index: f.index + 1000, logTerm: f.term, context: f.context });
          break;
        default:
          Object.assign(body, { index: f.index, reject: f.reject });
      }
      return {
        protocol: HAMOK_PROTOCOL,
        type: "raft",
        sourceId: MALLORY,
        destinationId: f.to,
        clusterId: cluster.clusterId,
        raft: body,
      } as unknown as HamokMessage;
    });
}

/** Discovery and collection messages from mallory. */
function forgedOther(cluster: LiveCluster): fc.Arbitrary<HamokMessage> {
  const announcement = fc.record({
    joining: fc.boolean(),
    canLead: fc.boolean(),
    leaderId: fc.constantFrom(MALLORY, ...MEMBERS),
    term: fc.integer({ min: 0, max: MAX_TERM }),
    commit: fc.nat(10_000),
    members: fc.subarray([MALLORY, ...MEMBERS]),
  });
  const storageIds = fc.constantFrom("fuzz", "fuzz-e", "other");
  return fc.oneof(
    fc.record({
      protocol: fc.constant(HAMOK_PROTOCOL),
      type: fc.constantFrom("hello", "endpoint-state"),
      sourceId: fc.constant(MALLORY),
      clusterId: fc.constant(cluster.clusterId),
      peer: announcement,
    }),
    fc.record({
      protocol: fc.constant(HAMOK_PROTOCOL),
      type: fc.constant("storage"),
      sourceId: fc.constant(MALLORY),
      clusterId: fc.constant(cluster.clusterId),
      storageId: storageIds,
      payload: fc.oneof(anyValue(), fc.record({ type: fc.string(), event: fc.constant("ping"), args: anyValue() })),
    }),
  ) as fc.Arbitrary<HamokMessage>;
}

/** Real traffic with the sender rewritten to mallory, and up to two fields changed. */
function reattributed(cluster: LiveCluster): fc.Arbitrary<unknown> {
  const edit = fc.tuple(fc.nat(), fc.oneof(anyValue(), fc.constant(DELETE)));
  return fc
    .tuple(fc.nat(cluster.genuine.length - 1), fc.array(edit, { maxLength: 2 }))
    .map(([which, edits]) => {
      const original = cluster.genuine[which]!;
      let message: unknown = { ...original, sourceId: MALLORY };
      if (original.type === "raft") message = { ...(message as object), raft: { ...original.raft, from: MALLORY } };
      for (const [at, replacement] of edits) {
        const paths = pathsOf(message).filter((path) => path.length > 1);
        if (paths.length === 0) break;
        message = replaceAt(message, paths[at % paths.length]!, replacement);
      }
      return message;
    })
    .filter((message) => (message as { type?: unknown }).type !== "join-request");
}

describe("fuzz: forged messages from a non-member", () => {
  it("are well-formed: validation lets them through to the membership checks", async () => {
    const cluster = await startCluster(13);
    try {
      const samples = fc.sample(fc.oneof(forgedRaft(cluster), forgedOther(cluster)), { seed: 5, numRuns: 300 });
      const valid = samples.filter((message) => validateHamokMessage(message, LIMITS).ok);
      expect(valid.length).toBeGreaterThan(samples.length * 0.8);
    } finally {
      await cluster.close();
    }
  });

  it("change nothing: one leader, writes commit, peers converge, the configuration holds only real members", async () => {
    const cluster = await startCluster(13);
    const { heard } = cluster;
    try {
      const before = prototypesSnapshot();
      const forged = fc.oneof(forgedRaft(cluster), forgedOther(cluster), reattributed(cluster));
      let round = 0;
      await checkAsync(
        fc.asyncProperty(fc.array(fc.tuple(fc.nat(2), forged), { minLength: 1, maxLength: 20 }), async (batch) => {
          round++;
          heard.length = 0;
          const stray = await withoutStrayErrors(async () => {
            for (const [to, message] of batch) expect(() => cluster.peers[to]!.accept(message)).not.toThrow();
          });
          expect(stray).toEqual([]);
          expect(prototypesSnapshot()).toBe(before);
          expect(heard).toEqual([]);
          await expectHealthy(cluster, round);
        }),
        25,
        true,
      );
    } finally {
      await cluster.close();
    }
  }, 120_000);
});
