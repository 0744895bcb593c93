import { afterEach, describe, expect, it } from "vitest";
import { HamokError } from "../../src/errors";
import type { Hamok } from "../../src/hamok";
import { closeAll, joinAll, makePeers } from "../hamok/helpers";

/**
 * Issue 13 item 5: the type of a storage (collection) id is decided once, in the log, for everyone. The same
 * id created as a map on one peer and as a queue on others: the first type in the log wins on every peer,
 * every write of the other type rejects with StorageTypeMismatch, and no peer's state splits.
 */

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

async function code(request: Promise<unknown>): Promise<string> {
  try {
    await request;
    return "ok";
  } catch (error) {
    return error instanceof HamokError ? error.code : `foreign ${String(error)}`;
  }
}

describe("one storage id, two collection types", () => {
  it("the first type in the log wins everywhere; writes of the other type reject with StorageTypeMismatch", async () => {
    const made = makePeers(4);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const map = peers[0]!.createMap<string, number>({ mapId: "x" });
    const queues = peers.slice(1).map((peer) => peer.createQueue<number>({ queueId: "x" }));
    // Concurrent first writes: one of the two types reaches the log first.
    const results = await Promise.all([code(map.set("k", 7)), ...queues.map((queue, i) => code(queue.push(i)))]);
    await Promise.all(peers.map((peer) => peer.sync()));
    const mapWon = results[0] === "ok";
    if (mapWon) {
      expect(results.slice(1)).toEqual(["StorageTypeMismatch", "StorageTypeMismatch", "StorageTypeMismatch"]);
    } else {
      expect(results[0]).toBe("StorageTypeMismatch");
      expect(results.slice(1)).toEqual(["ok", "ok", "ok"]);
    }
    // Later writes of the losing type keep failing; the winner keeps working on every peer.
    if (mapWon) {
      expect(await code(queues[0]!.push(9))).toBe("StorageTypeMismatch");
      expect(await code(map.set("k2", 8))).toBe("ok");
    } else {
      expect(await code(map.set("k2", 8))).toBe("StorageTypeMismatch");
      expect(await code(queues[0]!.push(9))).toBe("ok");
    }
    await Promise.all(peers.map((peer) => peer.sync()));
    // No split: the winning collection reads the same everywhere.
    if (mapWon) {
      expect(map.get("k")).toBe(7);
      for (const queue of queues) expect(queue.size).toBe(0);
    } else {
      expect(map.size).toBe(0);
      const contents = queues.map((queue) => JSON.stringify([...queue]));
      expect(new Set(contents).size).toBe(1);
    }
  });
});
