import { expect, type Page, test } from "@playwright/test";
import { addTask, leaderPage, openTab, SETTLE_MS, uniqueRoom, waitForOneLeader } from "./tabs";

// Housekeeping every 300 ms, and a feed of 5 lines, so that the job runs often and has work to do.
const OPTIONS = { sweepMs: "300", feed: "5" };

function sweptBy(page: Page): Promise<string | undefined> {
  return page.evaluate(() => window.hamokDemo!.cluster.board.get("sweptBy"));
}

test("only the leader tab runs the housekeeping job, and a new leader takes it over", async ({ context }) => {
  const room = uniqueRoom("leader-job");
  const pages = [
    await openTab(context, room, OPTIONS),
    await openTab(context, room, OPTIONS),
    await openTab(context, room, OPTIONS),
  ];
  const views = await waitForOneLeader(pages);
  const leader = leaderPage(pages, views);
  const leaderId = views.find((view) => view.role === "leader")!.peerId;

  // Every stamp of the job any tab sees comes from the leader.
  await Promise.all(
    pages.map((page) =>
      page.evaluate(() => {
        const hook = window.hamokDemo! as typeof window.hamokDemo & { stamps?: string[] };
        hook.stamps = [];
        hook.cluster.board.on("update", (field, _old, value) => {
          if (field === "sweptBy") hook.stamps!.push(String(value));
        });
        hook.cluster.board.on("insert", (field, value) => {
          if (field === "sweptBy") hook.stamps!.push(String(value));
        });
      }),
    ),
  );
  for (let i = 0; i < 8; i++) await addTask(pages[i % 3]!, `chore ${i}`);
  for (const page of pages) {
    await expect.poll(() => sweptBy(page), { timeout: SETTLE_MS }).toBe(leaderId);
    // The job trimmed the activity feed to its 5 newest lines.
    await expect
      .poll(() => page.evaluate(() => window.hamokDemo!.activity().map((item) => item.text)), { timeout: SETTLE_MS })
      .toEqual(["added “chore 3”", "added “chore 4”", "added “chore 5”", "added “chore 6”", "added “chore 7”"]);
  }
  const stamps = await Promise.all(
    pages.map((page) => page.evaluate(() => (window.hamokDemo! as { stamps?: string[] }).stamps ?? [])),
  );
  for (const seen of stamps) for (const stamp of seen) expect(stamp).toBe(leaderId);

  // After a failover the new leader runs the job.
  await leader.close();
  const survivors = pages.filter((page) => page !== leader);
  const after = await waitForOneLeader(survivors);
  const newLeaderId = after.find((view) => view.role === "leader")!.peerId;
  for (const page of survivors) await expect.poll(() => sweptBy(page), { timeout: SETTLE_MS }).toBe(newLeaderId);
});
