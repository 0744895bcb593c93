import { expect, test } from "@playwright/test";
import { addTask, expectTaskTexts, inspect, openTab, uniqueRoom, waitForOneLeader } from "./tabs";

test("tabs in two separate browser contexts (like two browsers) form one cluster over WebRTC", async ({ browser }) => {
  const room = uniqueRoom("two-contexts");
  // Separate contexts share no storage, BroadcastChannel or Web Locks: only the signaling server and WebRTC.
  const first = await browser.newContext();
  const second = await browser.newContext();
  try {
    const pages = [await openTab(first, room), await openTab(second, room), await openTab(second, room)];
    const views = await waitForOneLeader(pages);
    expect(new Set(views.map((view) => view.peerId)).size).toBe(3);
    for (const view of views) expect(view.channels).toHaveLength(2);

    await addTask(pages[0]!, "from the first browser");
    await addTask(pages[1]!, "from the second browser");
    await expectTaskTexts(pages, ["from the first browser", "from the second browser"]);
    // Each context persisted its own peers' state in its own IndexedDB.
    for (const page of pages) expect((await inspect(page)).storedEntries).toBeGreaterThan(0);
  } finally {
    await first.close();
    await second.close();
  }
});
