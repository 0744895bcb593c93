import { expect, test } from "@playwright/test";
import { openTab, uniqueRoom, waitForOneLeader } from "./tabs";

test("the demo UI: a task added in one tab shows in the others, with the inspector live", async ({ context }) => {
  const room = uniqueRoom("demo-ui");
  const pages = [await openTab(context, room), await openTab(context, room), await openTab(context, room)];
  await waitForOneLeader(pages);
  const [first, second, third] = pages as [(typeof pages)[0], (typeof pages)[0], (typeof pages)[0]];

  await first.getByTestId("new-task").fill("Water the plants");
  await first.getByTestId("add-task").click();
  for (const page of pages) {
    await expect(page.getByTestId("tasks").getByText("Water the plants")).toBeVisible();
    await expect(page.getByTestId("task-count")).toHaveText("1 open · 1 total");
  }

  // Completing it in another tab updates everyone, and the activity feed tells who did what.
  await second.getByRole("checkbox", { name: "Done: Water the plants" }).check();
  for (const page of pages) {
    await expect(page.getByTestId("task-count")).toHaveText("0 open · 1 total");
    await expect(page.getByTestId("activity")).toContainText("completed “Water the plants”");
  }

  // Renaming the board from the third tab.
  await third.getByTestId("board-title").fill("Garden chores");
  await third.getByTestId("board-title").press("Enter");
  for (const page of pages) await expect(page.getByTestId("board-title")).toHaveValue("Garden chores");

  // The inspector shows one leader and three members in every tab.
  const roles = await Promise.all(pages.map((page) => page.getByTestId("inspector-role").textContent()));
  expect(roles.filter((role) => role === "leader")).toHaveLength(1);
  for (const page of pages) {
    await expect(page.getByTestId("inspector-peers").locator("tr")).toHaveCount(4);
    await expect(page.getByTestId("inspector-phase")).toHaveText("joined");
  }
  // Waving is an emitter event: delivered to the other tabs, not stored.
  const firstId = (await first.getByTestId("inspector-peer-id").textContent()) ?? "";
  await first.getByRole("button", { name: "Wave at everyone" }).click();
  for (const page of [second, third]) {
    await expect(page.getByRole("status")).toHaveText(`${firstId} waves at everyone`);
  }
  await first.screenshot({ path: test.info().outputPath("first-tab.png") });
});
