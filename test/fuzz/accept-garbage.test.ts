import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HAMOK_PROTOCOL } from "../../src/messages/hamok-message.js";
import { validateHamokMessage } from "../../src/messages/validate.js";
import { anyValue, checkAsync, prototypesSnapshot } from "./fuzz-settings.js";
import {
  DELETE,
  expectHealthy,
  type LiveCluster,
  pathsOf,
  replaceAt,
  startCluster,
  withoutStrayErrors,
} from "./live-cluster.js";

/**
 * Random values and broken mutations of real traffic, injected into `accept()` of every peer of a live
 * cluster: nothing throws, nothing is left unhandled, no prototype changes, and the cluster afterwards has
 * one leader, commits writes, converges and keeps its configuration.
 */

const LIMITS = { maxMessageBytes: 1024 * 1024 };

/** A genuine message of `cluster` with up to three fields replaced or removed. */
function mutations(cluster: LiveCluster): fc.Arbitrary<unknown> {
  const edit = fc.tuple(fc.nat(), fc.oneof(anyValue(), fc.constant(DELETE)));
  return fc
    .tuple(fc.nat(cluster.genuine.length - 1), fc.array(edit, { minLength: 1, maxLength: 3 }))
    .map(([which, edits]) => {
      let message: unknown = cluster.genuine[which];
      for (const [at, replacement] of edits) {
        const paths = pathsOf(message).filter((path) => path.length > 0);
        if (paths.length === 0) break;
        message = replaceAt(message, paths[at % paths.length]!, replacement);
      }
      return message;
    });
}

/** Garbage: anything, envelopes with random bodies, and mutations that validation refuses. */
function garbage(cluster: LiveCluster): fc.Arbitrary<unknown> {
  const envelope = fc.record({
    protocol: fc.constant(HAMOK_PROTOCOL),
    type: fc.constantFrom("raft", "hello", "endpoint-state", "join-request", "storage"),
    sourceId: fc.constantFrom("p1", "p2", "p3", "mallory"),
    clusterId: fc.constant(cluster.clusterId),
    raft: anyValue(),
    peer: anyValue(),
    payload: anyValue(),
  });
  const refused = mutations(cluster).filter((message) => !validateHamokMessage(message, LIMITS).ok);
  return fc.oneof(
    anyValue(),
    envelope.filter((message) => !validateHamokMessage(message, LIMITS).ok),
    refused,
  );
}

describe("fuzz: accept() of a live cluster", () => {
  it("drops random and broken messages without harm", async () => {
    const cluster = await startCluster(11);
    try {
      const before = prototypesSnapshot();
      let round = 0;
      await checkAsync(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.nat(2), garbage(cluster)), { minLength: 1, maxLength: 30 }),
          async (batch) => {
            round++;
            const stray = await withoutStrayErrors(async () => {
              for (const [to, message] of batch) expect(() => cluster.peers[to]!.accept(message)).not.toThrow();
            });
            expect(stray).toEqual([]);
            expect(prototypesSnapshot()).toBe(before);
          },
        ),
        150,
        true,
      );
      await expectHealthy(cluster, round);
    } finally {
      await cluster.close();
    }
  }, 120_000);
});
