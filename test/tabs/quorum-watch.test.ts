import { describe, expect, it } from "vitest";
import { type HamokQuorumStatus, QuorumWatch } from "../../src/runtime/membership/quorum-watch";
import { ManualClock } from "./manual-clock";

function watch(): { clock: ManualClock; quorum: QuorumWatch; changes: HamokQuorumStatus[] } {
  const clock = new ManualClock();
  const changes: HamokQuorumStatus[] = [];
  const quorum = new QuorumWatch(clock, "a", 1000, (status) => changes.push(status));
  return { clock, quorum, changes };
}

const voters = ["a", "b", "c"];

describe("quorum watch", () => {
  it("a led member has its quorum, whoever it hears from", () => {
    const { clock, quorum, changes } = watch();
    clock.advance(5000);
    quorum.update({ member: true, led: true, voters });
    expect(quorum.status).toEqual({ lost: false, missingVoters: [], since: undefined });
    expect(changes).toEqual([]);
  });

  it("leaderless for a window and hearing from too few voters: lost, naming the missing voters and since when", () => {
    const { clock, quorum, changes } = watch();
    quorum.update({ member: true, led: true, voters });
    const lastLed = clock.now();
    clock.advance(100);
    quorum.update({ member: true, led: false, voters });
    expect(quorum.status.lost).toBe(false);
    clock.advance(1000);
    quorum.update({ member: true, led: false, voters });
    expect(quorum.status).toEqual({ lost: true, missingVoters: ["b", "c"], since: lastLed });
    expect(changes).toHaveLength(1);
  });

  it("one live voter besides itself is a majority of three: not lost, although leaderless", () => {
    const { clock, quorum } = watch();
    quorum.update({ member: true, led: false, voters });
    clock.advance(1500);
    quorum.heard("b");
    quorum.update({ member: true, led: false, voters });
    expect(quorum.status.lost).toBe(false);
  });

  it("a voter heard again updates the missing list, and a leader again restores the quorum", () => {
    const { clock, quorum, changes } = watch();
    const five = ["a", "b", "c", "d", "e"];
    quorum.update({ member: true, led: false, voters: five });
    clock.advance(1500);
    quorum.update({ member: true, led: false, voters: five });
    expect(quorum.status.missingVoters).toEqual(["b", "c", "d", "e"]);
    quorum.heard("d");
    quorum.update({ member: true, led: false, voters: five });
    expect(quorum.status.missingVoters).toEqual(["b", "c", "e"]);
    quorum.update({ member: true, led: true, voters: five });
    expect(quorum.status).toEqual({ lost: false, missingVoters: [], since: undefined });
    expect(changes.map((status) => status.lost)).toEqual([true, true, false]);
  });

  it("a peer that is not a member judges nothing", () => {
    const { clock, quorum } = watch();
    clock.advance(5000);
    quorum.update({ member: false, led: false, voters });
    expect(quorum.status.lost).toBe(false);
  });
});
