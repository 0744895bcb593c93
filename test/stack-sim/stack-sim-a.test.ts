import { describe } from "vitest";
import { stackSeeds } from "./seeds.js";

// Seeds 1-100 here, 101-200 in stack-sim-b.test.ts: two files run on both cores.
describe("stack simulation: real Hamok peers on virtual time under faults (memory RaftLogs)", () => {
  stackSeeds(1, 100, "memory");
});
