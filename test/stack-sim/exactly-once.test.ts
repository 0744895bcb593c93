import { describe, expect, it } from "vitest";
import { HamokError } from "../../src/errors";
import { CLOSED_SESSION_RESULT, SessionTable } from "../../src/runtime/replicated/sessions";
import { Scenario } from "./scenario";

/**
 * At most once (Raft thesis §6.3) across a removal: found by the stack simulation, where a peer's
 * write applied, the peer was removed (and its sessions dropped at the committed removal), added
 * again, and re-proposed the write, which applied a second time.
 */
describe("a request is applied at most once, also when its peer was removed and added back meanwhile", () => {
  it("a push retried after its peer's removal and return is not applied again", async () => {
    const s = new Scenario();
    for (const id of ["p1", "p2", "p3"]) s.add(id);
    expect(await s.run(5000, () => s.joined.size === 3)).toBe(true);
    const leader = s.leader()!;
    const writer = [...s.peers.values()].find((p) => p !== leader)!;
    const queues = new Map([...s.peers].map(([id, p]) => [id, p.createQueue<string>({ queueId: "q" })]));
    // The writer's forward reaches the leader, nothing comes back: the push applies, the writer never hears.
    s.network.cutLink(leader.localPeerId, writer.localPeerId);
    const push = s.settle(queues.get(writer.localPeerId)!.push("x"), 10_000);
    expect(await s.run(1000, () => queues.get(leader.localPeerId)!.size === 1)).toBe(true);
    // The leader removes the writer (as when the room says it left), and the writer comes back.
    leader.removeRemotePeerId(writer.localPeerId);
    expect(await s.run(2000, () => !leader.raft.voters.includes(writer.localPeerId))).toBe(true);
    s.network.heal();
    const outcome = await push;
    expect(outcome.done).toBe(true);
    if (outcome.error !== undefined) {
      // It may fail, but only as indeterminate: it did apply.
      expect(outcome.error).toBeInstanceOf(HamokError);
      expect((outcome.error as HamokError).indeterminate).toBe(true);
    }
    await s.run(2000);
    expect([...queues.get(leader.localPeerId)!.values()]).toEqual(["x"]);
  });

  it("a closed session is part of the replicated state: it survives a snapshot, and the oldest are forgotten first", () => {
    const table = new SessionTable();
    const request = (session: string, seq: number) =>
      ({ kind: "request", sourcePeerId: "p3", session, seq, ackBelow: 1, command: {} }) as never;
    table.record(request("s1", 1), { ok: true, value: 1 });
    expect(table.lookup(request("s1", 1))).toEqual({ ok: true, value: 1 });
    table.dropPeer("p3");
    expect(table.lookup(request("s1", 1))).toBe(CLOSED_SESSION_RESULT);
    expect(table.lookup(request("s1", 2))).toBe(CLOSED_SESSION_RESULT);
    const restored = new SessionTable();
    restored.import(table.export(), table.exportClosed());
    expect(restored.lookup(request("s1", 2))).toBe(CLOSED_SESSION_RESULT);
    // A new session of the same peer works.
    expect(restored.lookup(request("s2", 1))).toBeUndefined();
    for (let i = 0; i < 1024; i++) {
      restored.record(request(`t${i}`, 1), { ok: true, value: i });
      restored.dropPeer("p3");
    }
    expect(restored.lookup(request("s1", 2))).toBeUndefined();
    expect(restored.lookup(request("t1023", 2))).toBe(CLOSED_SESSION_RESULT);
    expect(restored.exportClosed()).toHaveLength(1024);
  });
});
