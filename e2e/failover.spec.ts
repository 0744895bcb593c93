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

test("closing the leader tab: the others elect a new leader, writes continue, no acknowledged write is lost", async ({
  context,
}) => {
  const room = uniqueRoom("leader-closed");
  const pages = [await openTab(context, room), await openTab(context, room), await openTab(context, room)];
  const before = await waitForOneLeader(pages);
  const oldLeader = leaderPage(pages, before);
  const oldLeaderId = before.find((view) => view.role === "leader")?.peerId;
  const survivors = pages.filter((page) => page !== oldLeader);

  // Acknowledged writes from every tab, the leader's included.
  const acknowledged: string[] = [];
  for (const [index, page] of pages.entries()) {
    for (let i = 0; i < 3; i++) {
      const text = `before close ${index}.${i}`;
      await addTask(page, text);
      acknowledged.push(text);
    }
  }

  await oldLeader.close();
  const after = await waitForOneLeader(survivors);
  const newLeaderId = after.find((view) => view.role === "leader")?.peerId;
  expect(newLeaderId).not.toBe(oldLeaderId);
  expect(after[0]?.term).toBeGreaterThan(before[0]?.term ?? 0);

  // Writes continue from both survivors, the follower's through the new leader.
  for (const [index, page] of survivors.entries()) {
    const text = `after close ${index}`;
    await addTask(page, text);
    acknowledged.push(text);
  }
  await expectTaskTexts(survivors, acknowledged);
  // The closed tab leaves the configuration: the leader removes it through the log once its channel is gone.
  for (const page of survivors) {
    await expect.poll(async () => (await inspect(page)).voters, { timeout: SETTLE_MS }).not.toContain(oldLeaderId);
  }
});
