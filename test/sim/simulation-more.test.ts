import { describe } from "vitest";
import { simulateSeeds } from "./seeds";

describe("seeded simulation (second half of the seeds)", () => {
  simulateSeeds(151, 300);
});
