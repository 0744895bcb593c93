/**
 * Helpers shared by the scenario scripts that run inside a network namespace (`netns-runner.ts` starts them):
 * polling a condition and running one named step whose outcome (or error) goes into the printed result.
 */

/** Poll `predicate` every 20 ms; reject with `description` after `timeoutMs`. */
export async function waitFor(description: string, predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Run one scenario step; its error becomes `{ error }` so that later steps still run and report. */
export async function step(
  name: string,
  run: () => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const started = Date.now();
  try {
    const result = await run();
    console.error(`step ${name}: ${Date.now() - started} ms`);
    return result;
  } catch (error) {
    console.error(`step ${name} failed:`, error);
    return { error: String(error) };
  }
}

/**
 * Run a scenario's `main`, print its result on the `RESULT` line that `netns-runner.ts` parses, and exit
 * (native WebRTC threads would otherwise keep the process alive). A thrown error exits 1 with no result.
 */
export function runScenario(main: () => Promise<Record<string, unknown>>): void {
  main().then(
    (result) => {
      process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
