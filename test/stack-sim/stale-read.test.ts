import { describe, expect, it } from "vitest";
import { Hamok } from "../../src/hamok";
import { checkLinearizability } from "../../src/testing/linearizability";
import { type MapOperation, mapModel } from "../../src/testing/models";
import { SimNetwork } from "../../src/testing/sim-network";
import { VirtualClock } from "../../src/testing/virtual-clock";
import { createSeededRandom } from "../../src/util/random";
import { Quiescence } from "./quiesce";

/**
 * The checker against the real stack: a leader cut off in a minority still answers a plain local
 * `get()` with what it had (Hamok's documented fast, possibly stale read), while the majority has
 * elected a new leader and acknowledged a newer write. Recorded as a read, that is a stale read and
 * the checker must reject the history; the same read through `sync()` must not return stale data.
 */
describe("stale reads of the real stack, judged by the linearizability checker", () => {
  it("rejects a plain get() on a partitioned old leader, accepts a sync() read after healing", async () => {
    const clock = new VirtualClock();
    const quiescence = new Quiescence();
    const network = new SimNetwork(clock, createSeededRandom(7));
    const step = async (ms: number, until: () => boolean = () => false): Promise<void> => {
      const end = clock.now() + ms;
      await quiescence.settle();
      while (!until() && clock.fireNext(end)) await quiescence.settle();
    };
    const peers = ["p1", "p2", "p3"].map(
      (peerId, i) =>
        new Hamok({
          peerId,
          seed: i + 1,
          clock: clock.domain(peerId),
          heartbeatInMs: 20,
          followerMaxIdleInMs: 200,
          electionTimeoutInMs: 600,
          requestTimeoutInMs: 800,
        }),
    );
    const maps = peers.map((p) => p.createMap<string, string>({ mapId: "m" }));
    let joined = 0;
    for (const p of peers) void p.join({ transport: network.transport() }).then(() => joined++);
    await step(5000, () => joined === 3);
    expect(joined).toBe(3);

    let seq = 0;
    const history: MapOperation[] = [];
    const write = async (from: number, value: string): Promise<void> => {
      const call = seq++;
      let previous: string | undefined | null = null;
      void maps[from]!.set("k", value).then((v) => {
        previous = v;
      });
      await step(2000, () => previous !== null);
      expect(previous).not.toBeNull();
      history.push({
        client: `p${from + 1}`,
        input: { op: "set", key: "k", value },
        call,
        return: seq++,
        output: previous ?? undefined,
      });
    };

    const oldLeader = peers.findIndex((p) => p.leader);
    await write(oldLeader, "v1");
    await step(200);
    const others = [0, 1, 2].filter((i) => i !== oldLeader);
    network.partition([`p${oldLeader + 1}`]);
    await step(3000, () => others.some((i) => peers[i]!.leader));
    const newLeader = others.find((i) => peers[i]!.leader);
    expect(newLeader).toBeDefined();
    await write(newLeader!, "v2");

    // The plain local read on the minority side: fast, and stale.
    const staleCall = seq++;
    const stale = maps[oldLeader]!.get("k");
    expect(stale).toBe("v1");
    const withStale: MapOperation[] = [
      ...history,
      { client: `p${oldLeader + 1}`, input: { op: "get", key: "k" }, call: staleCall, return: seq++, output: stale },
    ];
    const verdict = checkLinearizability(mapModel, withStale);
    expect(verdict).toMatchObject({ ok: false, reason: "not-linearizable" });

    // Through sync() the minority cannot answer while cut off, and answers the new value once healed.
    const syncCall = seq++;
    let synced: string | undefined | null = null;
    void maps[oldLeader]!.sync().then(
      () => {
        synced = maps[oldLeader]!.get("k");
      },
      () => undefined,
    );
    await step(300);
    expect(synced).toBeNull();
    network.heal();
    await step(5000, () => synced !== null);
    expect(synced).toBe("v2");
    const linearizable: MapOperation[] = [
      ...history,
      { client: `p${oldLeader + 1}`, input: { op: "get", key: "k" }, call: syncCall, return: seq++, output: synced! },
    ];
    expect(checkLinearizability(mapModel, linearizable).ok).toBe(true);
  });
});
