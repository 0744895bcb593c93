import { expect, test } from "@playwright/test";
import {
  addTask,
  expectTaskTexts,
  inspect,
  leaderPage,
  openTab,
  SETTLE_MS,
  uniqueRoom,
  waitForOneLeader,
} from "./tabs";

/**
 * A leader tab that turns hidden hands leadership to a visible tab (DESIGN §5: hidden tabs are throttled,
 * frozen ones run nothing). Headless pages are always visible, so this spec drives the library's visibility
 * handling through the demo's test hook `hamokDemo.setVisibility()`, which overrides `document.visibilityState`
 * (and `document.hidden`) and dispatches a `visibilitychange` event, as a real tab switch does.
 */
test("a leader tab that turns hidden hands leadership to a visible tab; no write is lost", async ({ context }) => {
  const room = uniqueRoom("hidden-leader");
  const pages = [await openTab(context, room), await openTab(context, room), await openTab(context, room)];
  const before = await waitForOneLeader(pages);
  const hidden = leaderPage(pages, before);
  const hiddenId = (await inspect(hidden)).peerId;

  const acknowledged: string[] = [];
  for (const [index, page] of pages.entries()) {
    const text = `before hiding ${index}`;
    await addTask(page, text);
    acknowledged.push(text);
  }

  // Writes in flight from every tab while leadership moves: each must end acknowledged and applied once.
  for (const [index, page] of pages.entries()) {
    await page.evaluate(
      (i) => window.hamokDemo!.startTasks([`during hand-over ${i}.0`, `during hand-over ${i}.1`]),
      index,
    );
  }
  await hidden.evaluate(() => window.hamokDemo!.setVisibility("hidden"));

  const visible = pages.filter((page) => page !== hidden);
  await expect
    .poll(async () => (await Promise.all(visible.map(inspect))).some((view) => view.role === "leader"), {
      timeout: SETTLE_MS,
      message: "a visible tab should lead",
    })
    .toBe(true);
  const after = await waitForOneLeader(pages);
  const leader = after.find((view) => view.role === "leader");
  expect(leader?.peerId).not.toBe(hiddenId);
  expect(await hidden.evaluate(() => document.visibilityState)).toBe("hidden");
  // The hidden tab stays a voter and follows: it handed leadership over, it did not leave.
  expect(after.every((view) => view.voters.includes(hiddenId))).toBe(true);

  for (const page of pages) {
    const outcomes = await page.evaluate(() => window.hamokDemo!.settledTasks());
    for (const outcome of outcomes) {
      expect(outcome, `write "${outcome.text}"`).toMatchObject({ status: "acknowledged" });
      acknowledged.push(outcome.text);
    }
  }
  for (const [index, page] of pages.entries()) {
    const text = `after hiding ${index}`;
    await addTask(page, text);
    acknowledged.push(text);
  }
  await expectTaskTexts(pages, acknowledged);
  // Leadership stays with the visible tabs: the hidden one does not take it back.
  await expect.poll(async () => (await inspect(hidden)).role, { timeout: SETTLE_MS }).toBe("follower");
});
