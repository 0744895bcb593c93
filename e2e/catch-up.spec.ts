import { expect, test } from "@playwright/test";
import { inspect, leaderPage, openTab, SETTLE_MS, uniqueRoom, waitForOneLeader } from "./tabs";

const ENTRIES = 10_000;
// Snapshot every 20 applied log entries: the runtime batches concurrent writes into few log entries, so
// the default threshold (1,000) would not compact a log that holds 10,000 map entries in ~60 log entries.
const OPTIONS = { snapshotEvery: "20" };

test("a tab opened late catches up on a cluster holding 10,000 entries through a snapshot", async ({ context }) => {
  test.setTimeout(180_000);
  const room = uniqueRoom("late-tab");
  const pages = [await openTab(context, room, OPTIONS), await openTab(context, room, OPTIONS)];
  const leader = leaderPage(pages, await waitForOneLeader(pages));

  await leader.evaluate((count) => window.hamokDemo!.bulkAdd("bulk", count, 200), ENTRIES);
  for (const page of pages) {
    await expect
      .poll(() => page.evaluate(() => window.hamokDemo!.cluster.tasks.size), { timeout: SETTLE_MS })
      .toBe(ENTRIES);
  }
  const leaderView = await inspect(leader);
  // The leader's log no longer holds the early entries: a newcomer cannot be caught up by replaying them.
  expect(leaderView.firstIndex).toBeGreaterThan(1);

  const late = await openTab(context, room, OPTIONS);
  const lateView = await inspect(late);
  expect(await late.evaluate(() => window.hamokDemo!.cluster.tasks.size)).toBe(ENTRIES);
  // The snapshot came over the data channel in chunks, and the late tab applied only entries after it.
  expect(lateView.snapshotChunksReceived).toBeGreaterThan(0);
  expect(lateView.snapshotIndex).toBeGreaterThanOrEqual(leaderView.snapshotIndex);
  expect(lateView.appliedEntries).toBeLessThan(lateView.appliedIndex);
  const sample = await late.evaluate(() => window.hamokDemo!.cluster.tasks.get("bulk-9999")?.text);
  expect(sample).toBe("bulk-9999");
  await waitForOneLeader([...pages, late]);
});
