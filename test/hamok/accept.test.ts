import { afterEach, describe, expect, it } from "vitest";
import type { HamokError } from "../../src/errors";
import { Hamok } from "../../src/hamok";
import { HAMOK_PROTOCOL } from "../../src/messages/hamok-message";
import { validateHamokMessage } from "../../src/messages/validate";
import { closeAll, FAST, joinAll, makePeers } from "./helpers";

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

const LIMITS = { maxMessageBytes: 4096 };
const raft = (extra: Record<string, unknown> = {}) => ({
  protocol: HAMOK_PROTOCOL,
  type: "raft",
  sourceId: "a",
  destinationId: "b",
  clusterId: "c",
  raft: { type: "append", from: "a", to: "b", term: 2, index: 0, logTerm: 0, commit: 0, entries: [], ...extra },
});

describe("validateHamokMessage", () => {
  it("accepts well-formed messages", () => {
    expect(validateHamokMessage(raft(), LIMITS).ok).toBe(true);
    const hello = {
      protocol: HAMOK_PROTOCOL,
      type: "hello",
      sourceId: "a",
      peer: { joining: true, canLead: true, term: 0, commit: 0, members: [] },
    };
    expect(validateHamokMessage(hello, LIMITS).ok).toBe(true);
    const entries = [{ term: 1, index: 1, type: "normal", data: { bytes: new Uint8Array(3), n: [1, "x", null] } }];
    expect(validateHamokMessage(raft({ entries }), LIMITS).ok).toBe(true);
  });

  it.each([
    ["not an object", 42],
    ["null", null],
    ["wrong protocol", { ...raft(), protocol: "hamok/0" }],
    ["unknown type", { ...raft(), type: "gossip" }],
    ["empty source", { ...raft(), sourceId: "" }],
    ["raft without cluster", { ...raft(), clusterId: undefined }],
    ["spoofed sender", raft({ from: "z" })],
    ["negative term", raft({ term: -1 })],
    ["fractional index", raft({ index: 1.5 })],
    ["NaN commit", raft({ commit: Number.NaN })],
    ["logTerm newer than term", raft({ logTerm: 3 })],
    ["non-contiguous entries", raft({ entries: [{ term: 1, index: 5, type: "normal", data: 1 }] })],
    ["entry term above message term", raft({ entries: [{ term: 9, index: 1, type: "normal", data: 1 }] })],
    ["unknown entry type", raft({ entries: [{ term: 1, index: 1, type: "evil", data: 1 }] })],
    ["bad conf change", raft({ entries: [{ term: 1, index: 1, type: "conf", data: { type: "nuke", nodeId: "x" } }] })],
    ["function in payload", raft({ entries: [{ term: 1, index: 1, type: "normal", data: () => 1 }] })],
    ["class instance in payload", raft({ entries: [{ term: 1, index: 1, type: "normal", data: new Error("x") }] })],
    ["proposal ids not matching entries", raft({ type: "propose", proposalIds: ["x", "y"], entries: [] })],
    [
      "chunk beyond total",
      raft({ type: "snapshot", snapshotOffset: 4, snapshotTotal: 5, snapshotChunk: new Uint8Array(4) }),
    ],
  ])("refuses %s as InvalidMessage", (_name, value) => {
    const verdict = validateHamokMessage(value, LIMITS);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.code).toBe("InvalidMessage");
  });

  it("refuses oversized and absurdly nested payloads", () => {
    const big = raft({ entries: [{ term: 1, index: 1, type: "normal", data: "x".repeat(5000) }] });
    const verdict = validateHamokMessage(big, LIMITS);
    expect(verdict.ok ? "ok" : verdict.code).toBe("PayloadTooLarge");
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    const nested = validateHamokMessage(raft({ entries: [{ term: 1, index: 1, type: "normal", data: deep }] }), LIMITS);
    expect(nested.ok).toBe(false);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(
      validateHamokMessage(raft({ entries: [{ term: 1, index: 1, type: "normal", data: cyclic }] }), LIMITS).ok,
    ).toBe(false);
  });
});

describe("Hamok.accept", () => {
  it("never throws on garbage and reports each dropped message as an error", async () => {
    const hamok = new Hamok({ ...FAST, peerId: "b", maxMessageBytes: 2048 });
    peers = [hamok];
    const errors: HamokError[] = [];
    hamok.on("error", (e) => errors.push(e));
    const throwing = {
      get protocol() {
        throw new Error("boom");
      },
    };
    const garbage: unknown[] = [
      undefined,
      "hello",
      [],
      { protocol: HAMOK_PROTOCOL },
      throwing,
      raft({ term: "2" }),
      raft({ entries: [{ term: 1, index: 1, type: "normal", data: "x".repeat(10_000) }] }),
    ];
    for (const value of garbage) expect(() => hamok.accept(value)).not.toThrow();
    expect(errors.map((e) => e.code)).toEqual([
      "InvalidMessage",
      "InvalidMessage",
      "InvalidMessage",
      "InvalidMessage",
      "InvalidMessage",
      "InvalidMessage",
      "PayloadTooLarge",
    ]);
    expect(hamok.stats.droppedMessages).toBe(7);
    expect(hamok.stats.receivedMessages).toBe(7);
  });

  it("refuses messages of another cluster with ForeignCluster, and they change nothing", async () => {
    const made = makePeers(3);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const [target] = peers;
    const errors: HamokError[] = [];
    target!.on("error", (e) => errors.push(e));
    const before = target!.raft;
    const foreign = {
      ...raft({ from: "p9", to: target!.localPeerId, term: before.term + 5 }),
      sourceId: "p9",
      destinationId: target!.localPeerId,
      clusterId: "another-cluster",
    };
    target!.accept(foreign);
    target!.accept(foreign);
    expect(errors.map((e) => e.code)).toEqual(["ForeignCluster"]);
    expect(target!.raft.term).toBe(before.term);
    expect(target!.raft.clusterId).toBe(before.clusterId);
  });
});
