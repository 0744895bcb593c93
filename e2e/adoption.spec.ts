import { expect, test } from "@playwright/test";
import { annotate, RECOVERY_MS } from "./faults";
import {
  addTask,
  expectTaskTexts,
  inspect,
  leaderPage,
  openTab,
  openTabNoWait,
  uniqueRoom,
  waitForOneLeader,
} from "./tabs";

/**
 * Issue 10 case 3: a new tab that adopts a closed tab's database (see `claimPeerId`) revives a stuck cluster; the
 * leader must not then remove that live tab because it once saw its id leave (its `departed` set). The adopting
 * tab stays a member for as long as it lives.
 */
// Known intermittent failure, not understood yet (once in a quiet fresh-clone CI run on 1 December 2026, 0 of 3
// runs alone): the third, closed member was still in both live tabs' configuration after RECOVERY_MS. One retry
// keeps the suite usable while that is investigated; a regression that always fails still fails both attempts,
// and the report marks a retried pass as flaky.
test.describe.configure({ retries: 1 });

test("a new tab that adopts a closed tab's database revives the cluster and is not removed again (case 3)", async ({
  context,
}) => {
  const room = uniqueRoom("adoption");
  const pages = [await openTab(context, room), await openTab(context, room), await openTab(context, room)];
  // A follower survives; the leader and the other follower close at once (their pagehide leaves cannot finish:
  // the leader's transfer needs a vote of a closing tab). The survivor sees both leave and has no quorum.
  const leader = leaderPage(pages, await waitForOneLeader(pages));
  const survivor = pages.find((page) => page !== leader)!;
  const closed = pages.filter((page) => page !== survivor);
  const closedIds = await Promise.all(closed.map(async (page) => (await inspect(page)).peerId));
  const acknowledged: string[] = [];
  for (const [index, page] of pages.entries()) {
    const text = `before ${index}`;
    await addTask(page, text);
    acknowledged.push(text);
  }
  await Promise.all(closed.map((page) => page.close()));

  const since = performance.now();
  const adopting = await openTabNoWait(context, room);
  const adopted = await inspect(adopting);
  expect(adopted.adoptedPeerId).toBe(true);
  expect(closedIds).toContain(adopted.peerId);
  await adopting.evaluate(() => window.hamokDemo!.joined);
  const live = [survivor, adopting];
  await waitForOneLeader(live);
  await addTask(adopting, "from the adopting tab");
  annotate(test.info(), "reopen to first commit", performance.now() - since);
  acknowledged.push("from the adopting tab");
  await expectTaskTexts(live, acknowledged);

  // Until the configuration is exactly the two live tabs, every look shows the adopting tab as a member.
  const expected = [adopted.peerId, (await inspect(survivor)).peerId].sort();
  const removedAt: string[] = [];
  await expect
    .poll(
      async () => {
        const views = await Promise.all(live.map(inspect));
        for (const view of views)
          if (!view.voters.includes(adopted.peerId)) removedAt.push(`${view.peerId}@${view.term}`);
        return views.map((view) => [...view.voters].sort().join());
      },
      { timeout: RECOVERY_MS, message: "the configuration should become the two live tabs" },
    )
    .toEqual([expected.join(), expected.join()]);
  expect(removedAt, "the adopting tab was removed from the configuration").toEqual([]);
  await addTask(adopting, "still a member");
  acknowledged.push("still a member");
  await expectTaskTexts(live, acknowledged);
});
