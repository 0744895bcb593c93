import fc from "fast-check";

/**
 * Shared settings of the property-based fuzz suite. `npm test` runs every property with a fixed seed and a
 * small number of runs; `npm run fuzz` multiplies every property's number of runs by HAMOK_FUZZ_SCALE
 * (default there 50; any positive number works) and takes HAMOK_FUZZ_SEED when set. A failure prints
 * fast-check's seed and path, so it replays exactly.
 */

const envScale = Number(process.env.HAMOK_FUZZ_SCALE);
const envSeed = Number(process.env.HAMOK_FUZZ_SEED);

/** The seed of every property: fixed, so `npm test` is deterministic. */
export const FUZZ_SEED = Number.isSafeInteger(envSeed) ? envSeed : 20261201;

/** `base` runs in `npm test`; HAMOK_FUZZ_SCALE times as many under `npm run fuzz`. */
export function runs(base: number): number {
  return Number.isFinite(envScale) && envScale > 0 ? Math.max(1, Math.round(base * envScale)) : base;
}

/** fc.assert with the suite's seed and `base` runs. */
export function check<T>(property: fc.IProperty<T>, base: number): void {
  fc.assert(property, { seed: FUZZ_SEED, numRuns: runs(base) });
}

/**
 * fc.assert for async properties. `slow` properties (each run drives a live cluster) stop at the first failure
 * instead of shrinking it, which could take minutes; the seed and path in the report still replay it.
 */
export async function checkAsync<T>(property: fc.IAsyncProperty<T>, base: number, slow = false): Promise<void> {
  await fc.assert(property, { seed: FUZZ_SEED, numRuns: runs(base), endOnFailure: slow });
}

/** Whether Object.prototype (and Array.prototype) still have exactly the keys they had. */
export function prototypesSnapshot(): string {
  const keys = (o: object) => Reflect.ownKeys(o).map(String).sort().join(",");
  return `${keys(Object.prototype)}|${keys(Array.prototype)}|${keys(Function.prototype)}`;
}

/** Values of every kind the codecs and validation know, plus the kinds they must refuse. */
export function anyValue(): fc.Arbitrary<unknown> {
  return fc.anything({
    maxDepth: 4,
    maxKeys: 6,
    withMap: true,
    withSet: true,
    withDate: true,
    withTypedArray: true,
    withBigInt: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
  });
}

/** Values the binary codec can carry (what honest peers send). */
export function codecValue(): fc.Arbitrary<unknown> {
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.constantFrom(undefined, null, true, false, 0, -0, Number.NaN, Number.POSITIVE_INFINITY),
      fc.double(),
      fc.integer(),
      fc.maxSafeInteger(),
      fc.string({ unit: "grapheme", maxLength: 20 }),
      fc.uint8Array({ maxLength: 20 }),
      fc.date({ noInvalidDate: true }),
      fc.array(tie("tree"), { maxLength: 5 }),
      fc.dictionary(fc.string({ maxLength: 6 }), tie("tree"), { maxKeys: 5 }),
      fc.array(fc.tuple(tie("tree"), tie("tree")), { maxLength: 4 }).map((pairs) => new Map(pairs)),
      fc.array(tie("tree"), { maxLength: 4 }).map((items) => new Set(items)),
    ),
  }));
  return tree;
}
