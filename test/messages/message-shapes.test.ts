import { afterEach, describe, expect, it } from "vitest";
import type { Hamok } from "../../src/hamok";
import { FrameDecoder, FrameEncoder } from "../../src/messages/codec";
import { HAMOK_PROTOCOL, type HamokMessage } from "../../src/messages/hamok-message";
import { validateHamokMessage } from "../../src/messages/validate";
import { RAFT_MESSAGE_TYPES, type RaftMessage, type RaftMessageType } from "../../src/raft/types";
import { closeAll, joinAll, leaderOf, makePeers } from "../hamok/helpers";
import { Cluster } from "../raft/harness";

/**
 * Every message the core and the runtime produce must pass inbound validation and survive the binary
 * codec unchanged: a shape that validation refuses is silently lost between two honest peers.
 */

const LIMITS = { maxMessageBytes: 1024 * 1024 };

function envelope(m: RaftMessage): HamokMessage {
  return { protocol: HAMOK_PROTOCOL, type: "raft", sourceId: m.from, destinationId: m.to, clusterId: "c", raft: m };
}

/** Validation verdict and binary round trip of one message; returns a description of what went wrong, or "ok". */
function check(message: unknown): string {
  const verdict = validateHamokMessage(message, LIMITS);
  if (!verdict.ok) return `refused: ${verdict.reason}`;
  const frames = new FrameEncoder().encode(message);
  const decoder = new FrameDecoder();
  const results = frames.map((frame) => decoder.receive(frame));
  const last = results[results.length - 1];
  if (last?.kind !== "message") return `not decoded: ${last?.kind}`;
  expect(last.message).toEqual(message);
  return validateHamokMessage(last.message, LIMITS).ok ? "ok" : "decoded copy refused";
}

/** The core's messages of every type, from scenarios run on the deterministic harness. */
function coreMessages(): RaftMessage[] {
  const c = new Cluster({ config: { snapshotChunkBytes: 64 } });
  c.elect("a");
  // Forwarded proposals and reads from a follower.
  c.node("b").propose("fwd", { n: 1, bytes: new Uint8Array([1, 2]) });
  c.node("b").readIndex("read-1");
  c.deliver();
  // A follower that misses entries is caught up by a snapshot, and an append conflict is rejected.
  c.isolate("c");
  for (let i = 0; i < 6; i++) c.node("a").propose(`p${i}`, i);
  c.deliver();
  const a = c.get("a");
  a.storage.compact(a.node.compact(a.app.applied, a.app.snapshotData()));
  c.heal();
  c.tick(3);
  c.deliver();
  // A transfer in progress makes the leader refuse a forwarded proposal: a propose-response.
  c.isolate("c");
  c.node("a").transferLeader("c");
  c.node("b").propose("refused", 2);
  c.deliver();
  c.heal();
  c.tick(2);
  c.deliver();
  // An election with PreVote after the leader is cut off.
  c.isolate(c.leaders()[0]!);
  c.tick(30);
  c.deliver();
  c.heal();
  c.tick(3);
  c.deliver();
  return c.sent;
}

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

describe("every message shape that peers produce passes validation and the binary codec", () => {
  it("covers every Raft message type the core sends, including the leader's propose-response", () => {
    const sent = coreMessages();
    const types = new Set(sent.map((m) => m.type));
    const expected: readonly RaftMessageType[] = RAFT_MESSAGE_TYPES;
    expect([...types].sort()).toEqual([...expected].sort());
    const refusals = sent.filter((m) => m.type === "propose-response");
    expect(refusals[0]).toMatchObject({ proposalIds: ["refused"], reason: "transfer-in-progress" });
    const failures = sent.map((m) => [m.type, check(envelope(m))]).filter(([, verdict]) => verdict !== "ok");
    expect(failures).toEqual([]);
  });

  it("covers every envelope type a live cluster sends (discovery, join, raft, collection messages)", async () => {
    const made = makePeers(3);
    peers = made.peers;
    const recorded: unknown[] = [];
    for (const peer of peers) peer.on("message", (message) => recorded.push(structuredClone(message)));
    await joinAll(made.hub, peers);
    const leader = leaderOf(peers);
    const follower = peers.find((p) => p !== leader)!;
    const maps = peers.map((p) => p.createMap<string, number>({ mapId: "m" }));
    await maps[peers.indexOf(follower)]!.set("k", 1);
    await follower.sync();
    const emitters = peers.map((p) => p.createEmitter<{ ping: [n: number] }>({ emitterId: "e" }));
    await emitters[1]!.subscribe("ping", () => {});
    await Promise.all(peers.map((p) => p.waitUntilCommitHead()));
    await emitters[0]!.publish("ping", 1);
    const types = new Set(recorded.map((m) => (m as HamokMessage).type));
    expect([...types].sort()).toEqual(["endpoint-state", "hello", "join-request", "raft", "storage"]);
    const failures = recorded.map((m) => check(m)).filter((verdict) => verdict !== "ok");
    expect(failures).toEqual([]);
  });
});
