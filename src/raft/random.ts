import type { Random } from "./types.js";

/** The seeded PRNG lives in src/util (the memory hub draws faults from it too); re-exported for the core. */
export { createSeededRandom } from "../util/random.js";

/** An integer in [min, max) drawn from `random`. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min));
}
