import { afterEach, describe, expect, it } from "vitest";
import { HamokError } from "../../src/errors";
import { Hamok } from "../../src/hamok";
import { MemoryRaftLogs } from "../../src/storage/memory-raft-logs";
import type { SaveBatch } from "../../src/storage/raft-logs";
import { MemoryHub } from "../../src/transport/memory-hub";
import { closeAll, eventually, FAST, joinAll, leaderOf, makePeers } from "../hamok/helpers";

/**
 * Issue 13 items 4 and 7: a peer that has left, or that stopped because its storage failed, answers every
 * request at once with a precise code (never a Timeout after `requestTimeoutInMs`), and a stopped peer does
 * not keep reporting its old role. `indeterminate` is false only for requests known never to apply.
 */

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

/** A request timeout far beyond the test: a Timeout can only come from waiting, never from an answer. */
const SLOW = { requestTimeoutInMs: 20_000 };

async function outcome(request: () => Promise<unknown>): Promise<{ code: string; indeterminate: boolean } | "ok"> {
  try {
    await request();
    return "ok";
  } catch (error) {
    if (!(error instanceof HamokError)) throw error;
    return { code: error.code, indeterminate: error.indeterminate };
  }
}

/** Raft logs whose saves start failing on demand (a quota error, an aborted transaction). */
class FailingRaftLogs extends MemoryRaftLogs {
  failing = false;
  override async save(batch: SaveBatch): Promise<void> {
    if (this.failing) throw new Error("QuotaExceededError");
    return super.save(batch);
  }
}

describe("requests on a peer that is no longer serving", () => {
  it("after leave(), writes and reads reject at once with NotMember, known not applied", async () => {
    const made = makePeers(3, SLOW);
    peers = made.peers;
    await joinAll(made.hub, peers);
    await eventually(() => peers.every((peer) => peer.raft.voters.length === 3));
    const leaving = peers.find((peer) => !peer.leader)!;
    const map = leaving.createMap<string, number>({ mapId: "m" });
    await map.set("before", 1);
    await leaving.leave();
    expect(await outcome(() => map.set("after", 2))).toEqual({ code: "NotMember", indeterminate: false });
    expect(await outcome(() => leaving.sync())).toEqual({ code: "NotMember", indeterminate: false });
    const rest = peers.filter((peer) => peer !== leaving);
    const other = rest[0]!.getOrCreateMap<string, number>({ mapId: "m" });
    await rest[0]!.sync();
    expect(other.get("after")).toBeUndefined();
  });

  it("a storage failure stops the peer: its role reads stopped, pending and new requests reject at once", async () => {
    const logs = [new FailingRaftLogs(), new FailingRaftLogs(), new FailingRaftLogs()];
    const hub = new MemoryHub({ cloneMessages: true });
    peers = logs.map((raftLogs, i) => new Hamok({ ...FAST, ...SLOW, peerId: `p${i + 1}`, seed: i + 1, raftLogs }));
    await joinAll(hub, peers);
    const leader = leaderOf(peers);
    const victim = peers.find((peer) => peer !== leader)!;
    const map = victim.createMap<string, number>({ mapId: "m" });
    await map.set("before", 1);
    const errors: HamokError[] = [];
    victim.on("error", (error) => errors.push(error));
    logs[peers.indexOf(victim)]!.failing = true;
    // The next entry the victim must persist fails its save; its write is in flight at that moment.
    const pending = outcome(() => map.set("in-flight", 2));
    await eventually(() => errors.some((error) => error.code === "StorageFailure"), 5_000, "the storage failure");
    const inFlight = await pending;
    expect(inFlight).not.toBe("ok");
    if (inFlight !== "ok") {
      expect(inFlight.code).toBe("StorageFailure");
      // Forwarded to the leader already: it may apply, so the caller cannot be told it did not.
      expect(inFlight.indeterminate).toBe(true);
    }
    expect(victim.state).toBe("stopped");
    expect(victim.leader).toBe(false);
    expect(await outcome(() => map.set("later", 3))).toEqual({ code: "StorageFailure", indeterminate: false });
    expect(await outcome(() => victim.sync())).toEqual({ code: "StorageFailure", indeterminate: false });
  });
});
