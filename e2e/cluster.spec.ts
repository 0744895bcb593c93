import { expect, test } from "@playwright/test";
import { addTask, expectTaskTexts, inspect, leaderPage, openTab, uniqueRoom, waitForOneLeader } from "./tabs";

test("three tabs elect exactly one leader, and a write in any tab appears in all", async ({ context }) => {
  const room = uniqueRoom("three-tabs");
  const pages = [await openTab(context, room), await openTab(context, room), await openTab(context, room)];
  const views = await waitForOneLeader(pages);
  expect(new Set(views.map((view) => view.peerId)).size).toBe(3);
  expect(views.every((view) => view.term === views[0]?.term)).toBe(true);

  const written: string[] = [];
  for (const [index, page] of pages.entries()) {
    const text = `written in tab ${index}`;
    await addTask(page, text);
    written.push(text);
  }
  await expectTaskTexts(pages, written);
  // Still exactly one leader after the writes, and every tab applied the same committed prefix.
  const after = await waitForOneLeader(pages);
  expect(leaderPage(pages, after)).toBeDefined();
  for (const page of pages) expect((await inspect(page)).lastError).toBeUndefined();
});
