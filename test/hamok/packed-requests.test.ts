import { describe, expect, it } from "vitest";
import type { StorageCommand } from "../../src/collections/contract";
import type { Entry } from "../../src/raft/types";
import { asLogPayload, requestAt } from "../../src/runtime/replicated/log-payload";
import {
  forEachPackedRequest,
  isPackedRequests,
  packedSeqsOf,
  packRequests,
  unpackRequests,
} from "../../src/runtime/replicated/packed-requests";
import { closeAll, eventually, joinAll, leaderOf, makePeers } from "./helpers";

const bytes = (...values: number[]) => new Uint8Array(values);

const commands: StorageCommand[] = [
  { storageId: "tasks", storageType: "map", op: "set", args: { key: bytes(1, 2), value: bytes(3) } },
  { storageId: "tasks", storageType: "map", op: "delete", args: { key: bytes(9) } },
  { storageId: "board", storageType: "record", op: "clear" },
  { storageId: "feed", storageType: "queue", op: "push", args: { values: [bytes(7), bytes()], at: 2 ** 40 } },
  { storageId: "tasks", storageType: "map", op: "set", args: { value: bytes(1), key: bytes(2) } },
  { storageId: "ünïcødé ✓", storageType: "map", op: "set", args: { key: bytes(), value: bytes(0, 255) } },
];
const seqs = [1, 2, 3, 4, 2 ** 40, Number.MAX_SAFE_INTEGER];
const ackBelows = [1, 1, 2, 4, 4, 5];

describe("packed request batches (one Uint8Array per log entry)", () => {
  it("unpack gives back every request exactly: session, seqs, acknowledgements and commands", () => {
    const packed = packRequests("p1", "session-1", seqs, ackBelows, commands);
    expect(isPackedRequests(packed)).toBe(true);
    const batch = unpackRequests(packed);
    expect(batch).toEqual({
      kind: "requests",
      bytes: packed.length,
      sourcePeerId: "p1",
      session: "session-1",
      seqs,
      ackBelows,
      commands,
    });
  });

  it("forEachPackedRequest visits the requests unpack gives, in order; a malformed batch visits none", () => {
    const packed = packRequests("p1", "session-1", seqs, ackBelows, commands);
    const visited: unknown[] = [];
    expect(forEachPackedRequest(packed, (request) => visited.push(request))).toBe(commands.length);
    const batch = unpackRequests(packed)!;
    expect(visited).toEqual(commands.map((_, i) => requestAt(batch, i)));
    // Cut inside the last request: the earlier ones are well formed, and still none is visited.
    const truncated: unknown[] = [];
    expect(forEachPackedRequest(packed.subarray(0, packed.length - 1), (r) => truncated.push(r))).toBeUndefined();
    expect(forEachPackedRequest(new Uint8Array([...packed, 0]), (r) => truncated.push(r))).toBeUndefined();
    expect(truncated).toEqual([]);
  });

  it("packedSeqsOf reads a batch's seqs for its own session only, and nothing from malformed bytes", () => {
    const packed = packRequests("p1", "session-1", seqs, ackBelows, commands);
    expect(packedSeqsOf(packed, "session-1")).toEqual(seqs);
    expect(packedSeqsOf(packed, "session-2")).toBeUndefined();
    expect(packedSeqsOf(packed.subarray(0, packed.length - 1), "session-1")).toBeUndefined();
    expect(packedSeqsOf(bytes(1, 2, 3), "session-1")).toBeUndefined();
    const trailing = new Uint8Array([...packed, 0]);
    expect(packedSeqsOf(trailing, "session-1")).toBeUndefined();
  });

  it("the same requests pack to the same bytes (every peer applies the same entry)", () => {
    expect(packRequests("p1", "s", seqs, ackBelows, commands)).toEqual(
      packRequests("p1", "s", seqs, ackBelows, commands),
    );
  });

  it("unpacked keys and values are copies, not views that would keep the whole entry alive", () => {
    const packed = packRequests("p1", "s", [1], [1], [commands[0]!]);
    const args = unpackRequests(packed)!.commands[0]!.args as { key: Uint8Array; value: Uint8Array };
    expect(args.key.buffer).not.toBe(packed.buffer);
    expect(args.value.byteLength).toBe(args.value.buffer.byteLength);
  });

  it("a malformed batch unpacks to nothing, whatever byte is wrong", () => {
    const packed = packRequests("p1", "s", seqs, ackBelows, commands);
    expect(unpackRequests(packed.subarray(0, packed.length - 1))).toBeUndefined();
    expect(unpackRequests(new Uint8Array([...packed, 0]))).toBeUndefined();
    expect(unpackRequests(new Uint8Array([2, ...packed.subarray(1)]))).toBeUndefined();
    for (let cut = 1; cut < packed.length; cut++) expect(unpackRequests(packed.subarray(0, cut))).toBeUndefined();
    const huge = new Uint8Array([1, 1, 0x70, 1, 0x73, 0xff, 0xff, 0xff, 0x7f, 0]);
    expect(unpackRequests(huge)).toBeUndefined();
    expect(asLogPayload(new Uint8Array([1, 0xff]))).toBeUndefined();
  });

  it("a cluster's writes travel in the log as packed bytes, and apply on every peer", async () => {
    const { hub, peers } = makePeers(3);
    try {
      const appended: Entry[] = [];
      for (const peer of peers) {
        peer.on("message", (message) => {
          if (message.type === "raft" && message.raft.type === "append") appended.push(...(message.raft.entries ?? []));
        });
      }
      await joinAll(hub, peers);
      const follower = peers.find((peer) => peer !== leaderOf(peers))!;
      const map = follower.createMap<string, number>({ mapId: "m" });
      await Promise.all([map.set("a", 1), map.set("b", 2), map.set("c", 3)]);
      const data = appended.filter((entry) => entry.type === "normal").map((entry) => entry.data);
      expect(data.length).toBeGreaterThan(0);
      expect(data.every((d) => d instanceof Uint8Array)).toBe(true);
      for (const peer of peers) {
        const replica = peer === follower ? map : peer.createMap<string, number>({ mapId: "m" });
        await eventually(() => replica.size === 3, 5000, `every write applied on ${peer.localPeerId}`);
        expect([...replica.entries()].sort()).toEqual([
          ["a", 1],
          ["b", 2],
          ["c", 3],
        ]);
      }
    } finally {
      await closeAll(peers);
    }
  });
});

describe("packed request batches from a byte transport", () => {
  it("unpacks from a Uint8Array subclass (a Buffer) into plain copies", () => {
    class Bytes extends Uint8Array {}
    const packed = packRequests("p1", "s", seqs, ackBelows, commands);
    const framed = new Bytes(packed.length + 8);
    framed.set(packed, 4);
    const batch = unpackRequests(framed.subarray(4, 4 + packed.length));
    expect(batch?.commands).toEqual(commands);
    const key = (batch!.commands[0]!.args as { key: Uint8Array }).key;
    expect(key.constructor).toBe(Uint8Array);
    expect(key.buffer).not.toBe(framed.buffer);
  });
});
