import { expect, type Page, test } from "@playwright/test";
import type { WriteOutcome } from "../demo/test-hook";
import { annotate, RECOVERY_MS } from "./faults";
import { launchRealBrowser, type RealBrowser } from "./real-browser";
import { inspect, SETTLE_MS, taskTexts, uniqueRoom, waitForOneLeader } from "./tabs";

/** Longer than the ~15 s after which the leader removes a silent member (issue 10 case 4 saw trouble past that). */
const FROZEN_MS = 25_000;

let real: RealBrowser | undefined;
test.afterEach(async () => {
  await real?.close();
  real = undefined;
});

/**
 * Issue 10 case 4, with a really frozen tab (DESIGN.md section 6: a Chromium of our own, a background tab, CDP
 * `Page.setWebLifecycleState`): a follower tab frozen for 25 s while it has writes in flight. After the thaw it
 * rejoins quietly: it does not disrupt the leader (PreVote: no election, same leader and term), it does not report
 * as failed a write that was applied, and its first write after the thaw commits within the recovery bound.
 */
test("a tab frozen for 25 s rejoins quietly: same leader and term, applied writes not reported failed (case 4)", async () => {
  test.setTimeout(150_000);
  real = await launchRealBrowser();
  const room = uniqueRoom("frozen");
  // Two hidden tabs behind one visible tab: the visible one ends up leading (page lifecycle prefers it).
  const frozen = await real.openTab(room, { background: true });
  const hidden = await real.openTab(room, { background: true });
  const visible = await real.openTab(room);
  const pages: Page[] = [visible, hidden, frozen];
  for (const page of pages) await page.evaluate(() => window.hamokDemo!.joined);
  await expect
    .poll(async () => (await inspect(visible)).role, { timeout: SETTLE_MS, message: "the visible tab leads" })
    .toBe("leader");
  await waitForOneLeader(pages);
  expect(await frozen.evaluate(() => document.visibilityState)).toBe("hidden");
  const before = await inspect(visible);
  const frozenId = (await inspect(frozen)).peerId;

  const inFlight = Array.from({ length: 10 }, (_, i) => `in flight at the freeze ${i}`);
  await frozen.evaluate((texts) => window.hamokDemo!.startTasks(texts), inFlight);
  await real.setLifecycle(frozen, "frozen");
  // The cluster goes on without it.
  await visible.evaluate(() => window.hamokDemo!.addTask("while frozen"));
  await new Promise((resolve) => setTimeout(resolve, FROZEN_MS));
  await real.setLifecycle(frozen, "active");

  const thawed = performance.now();
  // The first write after the thaw starts at once; it is judged last (below), after what the thaw must not break.
  await frozen.evaluate(() => window.hamokDemo!.startTasks(["after the thaw"]));
  const outcomes: WriteOutcome[] = await frozen.evaluate(() => window.hamokDemo!.settledTasks());
  const inFlightOutcomes = outcomes.filter((outcome) => outcome.text !== "after the thaw");
  const afterThaw = outcomes.find((outcome) => outcome.text === "after the thaw")!;
  annotate(test.info(), "thaw to the first write's outcome", performance.now() - thawed);
  test.info().annotations.push({
    type: "writes in flight at the freeze, then the first after the thaw",
    description: outcomes.map((outcome) => `${outcome.status} ${outcome.error ?? ""}`).join("; "),
  });

  // It is a member again, and the leader it found is the one from before: it disrupted nothing.
  await expect
    .poll(
      async () => {
        const view = await inspect(visible);
        return view.voters.includes(frozenId) || view.learners.includes(frozenId);
      },
      { timeout: RECOVERY_MS, message: "the thawed tab should be a member again" },
    )
    .toBe(true);
  const after = await inspect(visible);
  expect(after).toMatchObject({ role: "leader", peerId: before.peerId, term: before.term });
  expect((await inspect(frozen)).leaderId).toBe(before.peerId);

  // Every applied write is reported as applied (the tab can know: its requests are in the log it caught up with).
  const applied = new Set(await taskTexts(visible));
  for (const outcome of inFlightOutcomes) {
    if (applied.has(outcome.text))
      expect(outcome, `applied write "${outcome.text}"`).toMatchObject({ status: "acknowledged" });
  }
  // The first write after the thaw commits (within its request timeout).
  expect(afterThaw, "the first write after the thaw").toMatchObject({ status: "acknowledged" });
  applied.add("after the thaw");
  for (const page of pages)
    await expect.poll(() => taskTexts(page), { timeout: RECOVERY_MS }).toEqual([...applied].sort());
});
