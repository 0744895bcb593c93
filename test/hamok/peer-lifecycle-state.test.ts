import { describe, expect, it } from "vitest";
import {
  canTransition,
  PEER_LIFECYCLE_TRANSITIONS,
  type PeerLifecycleState,
  PeerLifecycleStateMachine,
} from "../../src/runtime/membership/peer-lifecycle-state.js";

const STATES = Object.keys(PEER_LIFECYCLE_TRANSITIONS) as PeerLifecycleState[];

/** Every state reachable from `from` along the table. */
function reachable(from: PeerLifecycleState): Set<PeerLifecycleState> {
  const seen = new Set<PeerLifecycleState>();
  const stack = [...PEER_LIFECYCLE_TRANSITIONS[from]];
  while (stack.length > 0) {
    const state = stack.pop()!;
    if (seen.has(state)) continue;
    seen.add(state);
    stack.push(...PEER_LIFECYCLE_TRANSITIONS[state]);
  }
  return seen;
}

/** A machine driven to `state` along allowed moves. */
function machineIn(state: PeerLifecycleState): PeerLifecycleStateMachine {
  const paths: Record<PeerLifecycleState, PeerLifecycleState[]> = {
    idle: [],
    joining: ["joining"],
    joined: ["joining", "joined"],
    rejoining: ["joining", "joined", "rejoining"],
    leaving: ["joining", "joined", "leaving"],
    left: ["joining", "joined", "leaving", "left"],
    stopped: ["stopped"],
  };
  const machine = new PeerLifecycleStateMachine();
  for (const step of paths[state]) machine.transition(step);
  expect(machine.state).toBe(state);
  return machine;
}

describe("the peer lifecycle transition table", () => {
  it("starts idle and follows the join, rejoin and leave path", () => {
    const machine = new PeerLifecycleStateMachine();
    expect(machine.state).toBe("idle");
    for (const step of ["joining", "joined", "rejoining", "joined", "leaving", "left", "stopped"] as const) {
      machine.transition(step);
      expect(machine.state).toBe(step);
    }
  });

  it("allows exactly the moves of the table, and throws on every other one without moving", () => {
    for (const from of STATES) {
      for (const to of STATES) {
        const machine = machineIn(from);
        const allowed = PEER_LIFECYCLE_TRANSITIONS[from].includes(to);
        expect(canTransition(from, to)).toBe(allowed);
        if (allowed) {
          machine.transition(to);
          expect(machine.state).toBe(to);
        } else {
          expect(() => machine.transition(to)).toThrow(`illegal peer lifecycle transition ${from} -> ${to}`);
          expect(machine.state).toBe(from);
        }
      }
    }
  });

  it("lets a failed join go back to idle, and every state but stopped close", () => {
    expect(canTransition("joining", "idle")).toBe(true);
    for (const state of STATES) expect(canTransition(state, "stopped")).toBe(state !== "stopped");
    expect(PEER_LIFECYCLE_TRANSITIONS.stopped).toEqual([]);
  });

  it("never joins again once leaving or left, and never re-enters joining once joined", () => {
    for (const state of ["leaving", "left", "stopped"] as const) {
      const after = reachable(state);
      for (const back of ["idle", "joining", "joined", "rejoining"] as const) expect(after.has(back)).toBe(false);
    }
    expect(reachable("joined").has("joining")).toBe(false);
    expect(reachable("joined").has("idle")).toBe(false);
  });

  it("reports joined for joined and rejoining, leaving-or-left for leaving and left", () => {
    for (const state of STATES) {
      const machine = machineIn(state);
      expect(machine.isJoined).toBe(state === "joined" || state === "rejoining");
      expect(machine.isLeavingOrLeft).toBe(state === "leaving" || state === "left");
    }
  });
});
