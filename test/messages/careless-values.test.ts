import { afterEach, describe, expect, it } from "vitest";
import type { Hamok } from "../../src/hamok";
import { closeAll, joinAll, makePeers } from "../hamok/helpers";

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

function cyclic(): unknown {
  const value: Record<string, unknown> = { name: "loop" };
  value.self = value;
  return value;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    return error;
  }
}

describe("careless values in collections", () => {
  it("rejects cyclic values and BigInt with HamokError InvalidArgument, and the collection keeps working", async () => {
    const made = makePeers(1);
    peers = made.peers;
    await joinAll(made.hub, peers);
    const peer = peers[0]!;
    const map = peer.createMap<string, unknown>({ mapId: "m" });
    const queue = peer.createQueue<unknown>({ queueId: "q" });
    const record = peer.createRecord<{ v?: unknown }>({ recordId: "r" });
    const emitter = peer.createEmitter<{ e: [unknown] }>({ emitterId: "e" });
    const attempts: [string, () => Promise<unknown>][] = [
      ["map.set cyclic", () => map.set("k", cyclic())],
      ["map.set bigint", () => map.set("k", 10n)],
      ["map.set bigint key", () => map.set(10n as unknown as string, 1)],
      ["queue.push cyclic", () => queue.push(cyclic())],
      ["queue.push bigint", () => queue.push({ n: 1n })],
      ["record.set cyclic", () => record.set("v", cyclic())],
      ["emitter.publish cyclic", () => emitter.publish("e", cyclic())],
    ];
    for (const [what, attempt] of attempts) {
      let error: unknown;
      try {
        error = await rejection(attempt());
      } catch (thrown) {
        error = thrown;
      }
      expect({ what, name: (error as Error).name, code: (error as { code?: string }).code }).toEqual({
        what,
        name: "HamokError",
        code: "InvalidArgument",
      });
    }
    await map.set("k", 1);
    expect(map.get("k")).toBe(1);
  });
});
