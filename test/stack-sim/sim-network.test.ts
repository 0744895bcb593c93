import { describe, expect, it } from "vitest";
import type { HamokMessage } from "../../src/messages/hamok-message";
import { SimNetwork } from "../../src/testing/sim-network";
import { VirtualClock } from "../../src/testing/virtual-clock";
import { createSeededRandom } from "../../src/util/random";

function hello(sourceId: string, destinationId?: string): HamokMessage {
  return {
    protocol: 1,
    type: "hello",
    sourceId,
    ...(destinationId === undefined ? {} : { destinationId }),
    peer: { joining: true, canLead: true, term: 0, commit: 0, members: [] },
  } as unknown as HamokMessage;
}

async function room(ids: readonly string[], seed = 1) {
  const clock = new VirtualClock();
  const network = new SimNetwork(clock, createSeededRandom(seed));
  const inbox = new Map<string, string[]>(ids.map((id) => [id, []]));
  const transports = new Map(ids.map((id) => [id, network.transport()]));
  for (const [id, t] of transports) {
    t.on("message", (m) => inbox.get(id)!.push(`${m.sourceId}@${clock.now()}`));
    await t.open(id);
  }
  return { clock, network, inbox, transports };
}

describe("SimNetwork", () => {
  it("delivers a clone after the configured delay, broadcasts to everyone else, knows the room", async () => {
    const { clock, network, inbox, transports } = await room(["a", "b", "c"]);
    expect([...transports.get("c")!.members()].sort()).toEqual(["a", "b"]);
    network.setFaults({ minDelayInMs: 7, maxDelayInMs: 7 });
    const sent = hello("a");
    let received: unknown;
    transports.get("b")!.on("message", (m) => {
      received = m;
    });
    transports.get("a")!.send(sent);
    clock.fireUntil(6);
    expect(inbox.get("b")).toEqual([]);
    clock.fireUntil(10);
    expect(inbox.get("b")).toEqual(["a@7"]);
    expect(inbox.get("c")).toEqual(["a@7"]);
    expect(received).toEqual(sent);
    expect(received).not.toBe(sent);
  });

  it("partitions, one-way cuts (also of messages in flight) and heal", async () => {
    const { clock, network, inbox, transports } = await room(["a", "b", "c"]);
    network.partition(["a"]);
    transports.get("b")!.send(hello("b"));
    clock.fireUntil(10);
    expect(inbox.get("a")).toEqual([]);
    expect(inbox.get("c")).toEqual(["b@1"]);
    network.heal();
    network.cutLink("a", "b");
    transports.get("a")!.send(hello("a"));
    transports.get("b")!.send(hello("b", "a"));
    clock.fireUntil(20);
    expect(inbox.get("b")).toEqual([]);
    expect(inbox.get("a")).toEqual(["b@11"]);
    // In flight when the partition starts: dropped at delivery.
    network.heal();
    network.setFaults({ minDelayInMs: 5, maxDelayInMs: 5 });
    transports.get("c")!.send(hello("c", "a"));
    network.partition(["c"]);
    clock.fireUntil(40);
    expect(inbox.get("a")).toEqual(["b@11"]);
    expect(network.stats.blocked).toBeGreaterThan(0);
  });

  it("loses and duplicates with the seeded rates, the same way for the same seed", async () => {
    const run = async (seed: number) => {
      const { clock, network, inbox, transports } = await room(["a", "b"], seed);
      network.setFaults({ lossRate: 0.3, duplicateRate: 0.3, minDelayInMs: 1, maxDelayInMs: 20 });
      for (let i = 0; i < 200; i++) transports.get("a")!.send(hello("a"));
      clock.fireUntil(100);
      return { received: inbox.get("b")!, stats: { ...network.stats } };
    };
    const one = await run(5);
    expect(one.stats.lost).toBeGreaterThan(30);
    expect(one.stats.duplicated).toBeGreaterThan(20);
    expect(one.received.length).toBe(200 - one.stats.lost + one.stats.duplicated);
    expect(await run(5)).toEqual(one);
    expect((await run(6)).received).not.toEqual(one.received);
    const { network } = await room(["a"]);
    expect(() => network.setFaults({ lossRate: 2 })).toThrow(RangeError);
    expect(() => network.setFaults({ minDelayInMs: 5, maxDelayInMs: 1 })).toThrow(RangeError);
  });

  it("a crash takes a peer out of the room: announced (peer-left) or silent; nothing reaches it", async () => {
    const { clock, network, inbox, transports } = await room(["a", "b", "c"]);
    const left: string[] = [];
    transports.get("a")!.on("peer-left", (id) => left.push(id));
    network.crash("b", true);
    network.crash("c", false);
    expect(left).toEqual(["b"]);
    expect(network.members()).toEqual(["a"]);
    transports.get("a")!.send(hello("a", "b"));
    transports.get("b")!.send(hello("b", "a"));
    clock.fireUntil(10);
    expect(inbox.get("b")).toEqual([]);
    expect(inbox.get("a")).toEqual([]);
  });
});
