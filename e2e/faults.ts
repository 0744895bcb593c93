import { type BrowserContext, expect, type Page } from "@playwright/test";
import type { WriteOutcome } from "../demo/test-hook";
import { forwardErrors, inspect, SETTLE_MS, taskTexts } from "./tabs";

/**
 * How tabs go away in the departure specs (issue 10), and the bound they are held to.
 *
 * - `page.close()`: the user closes the tab; `pagehide` runs (a graceful `leave()` with `pageLifecycle`).
 * - {@link crashTab}: the renderer dies (CDP `Page.crash`): no `pagehide`, no `beforeunload`, as a crash, a killed
 *   browser or a discarded background tab. Its Web Locks are released with it; its IndexedDB stays.
 */

/**
 * The liveness bound of the departure specs: from the moment tabs go away until the survivors (or a reopened tab)
 * have a leader and commit a new write. The aim is two election timeouts (2 × 3 s with the defaults); the bound
 * allows 15 s for a loaded 2-core machine. It is a liveness bound (the spec waits for the outcome), not a
 * performance measurement: the measured time goes into the test's annotations.
 */
export const RECOVERY_MS = 15_000;

/** Crash a tab's renderer (no `pagehide`): resolves once Playwright saw the crash. */
export async function crashTab(page: Page): Promise<void> {
  const crashed = new Promise<void>((resolve) => page.once("crash", () => resolve()));
  const cdp = await page.context().newCDPSession(page);
  // The renderer dies before it can answer: the command never resolves.
  void cdp.send("Page.crash").catch(() => undefined);
  await crashed;
}

/** Crash several tabs at once. */
export async function crashTabs(pages: readonly Page[]): Promise<void> {
  await Promise.all(pages.map(crashTab));
}

/** Record how long an outcome took, in the test's annotations. */
export function annotate(
  info: { annotations: Array<{ type: string; description?: string }> },
  what: string,
  ms: number,
) {
  info.annotations.push({ type: what, description: `${Math.round(ms)} ms` });
}

/** Wait until `page` is a member (voter or learner) of its own configuration and knows a leader. */
export async function waitMemberWithLeader(page: Page, timeout = SETTLE_MS): Promise<void> {
  await expect
    .poll(
      async () => {
        const view = await inspect(page);
        return view.leaderId !== undefined && [...view.voters, ...view.learners].includes(view.peerId);
      },
      { timeout, message: "the tab should be a member with a leader" },
    )
    .toBe(true);
}

/** What `window.hamokZero` (demo/zero-config.ts) reports. */
export type ZeroConfigView = ReturnType<NonNullable<Window["hamokZero"]>["view"]>;

/** Open the README's zero-configuration page (`new Hamok().join()`) and wait until it joined. */
export async function openZeroConfigTab(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  forwardErrors(page);
  await page.goto("/zero-config.html");
  await page.waitForFunction(() => window.hamokZero !== undefined, undefined, { timeout: SETTLE_MS });
  await page.evaluate(
    (ms) =>
      Promise.race([
        window.hamokZero!.joined,
        new Promise((_, reject) => setTimeout(() => reject(new Error(`the tab did not join within ${ms} ms`)), ms)),
      ]),
    SETTLE_MS,
  );
  return page;
}

/** The zero-configuration page's view. */
export function zeroView(page: Page): Promise<ZeroConfigView> {
  return page.evaluate(() => window.hamokZero!.view());
}

/**
 * Write from `page` until a write is acknowledged, within {@link RECOVERY_MS}: while the survivors recover, a write
 * may time out (5 s, indeterminate) before a leader is back. Each attempt has its own text (`<text> #n`). Returns
 * the acknowledged text and every text tried (the failed ones may still apply: at most once each).
 */
export async function writeWithinRecovery(
  page: Page,
  text: string,
): Promise<{ acknowledged: string; tried: string[] }> {
  const tried: string[] = [];
  const deadline = Date.now() + RECOVERY_MS;
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    const attemptText = `${text} #${attempt}`;
    tried.push(attemptText);
    const outcome: WriteOutcome = await page.evaluate(async (value) => {
      window.hamokDemo!.startTasks([value]);
      const all = await window.hamokDemo!.settledTasks();
      return all[all.length - 1]!;
    }, attemptText);
    if (outcome.status === "acknowledged") return { acknowledged: attemptText, tried };
  }
  throw new Error(`no write from the tab was acknowledged within ${RECOVERY_MS} ms (tried ${tried.join(", ")})`);
}

/** Every acknowledged text is in every tab, and nothing but acknowledged or tried texts is. */
export async function expectWrites(pages: readonly Page[], acknowledged: readonly string[], tried: readonly string[]) {
  for (const page of pages) {
    await expect.poll(() => taskTexts(page), { timeout: SETTLE_MS }).toEqual(expect.arrayContaining([...acknowledged]));
    for (const text of await taskTexts(page)) expect([...acknowledged, ...tried]).toContain(text);
  }
}
