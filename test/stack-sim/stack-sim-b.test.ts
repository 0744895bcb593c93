import { describe } from "vitest";
import { stackSeeds } from "./seeds.js";

describe("stack simulation: real Hamok peers on virtual time under faults (memory RaftLogs, continued)", () => {
  stackSeeds(101, 200, "memory");
});
