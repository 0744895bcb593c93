import { type BrowserContext, expect, type Page, test } from "@playwright/test";
import {
  addTask,
  expectTaskTexts,
  inspect,
  leaderPage,
  openTab,
  SETTLE_MS,
  taskTexts,
  uniqueRoom,
  waitForOneLeader,
} from "./tabs";

/**
 * A closed tab's Web Lock on its peer id is released by the browser a moment after `page.close()` returns;
 * a new tab that looked before that would see the closed tab as still alive. Wait on an empty page of the
 * same origin until no peer id lock of the room is held.
 */
async function waitUntilLocksReleased(context: BrowserContext, room: string): Promise<void> {
  const probe = await context.newPage();
  await probe.route("**/lock-probe", (route) => route.fulfill({ contentType: "text/html", body: "<!doctype html>" }));
  await probe.goto("/lock-probe");
  const prefix = `hamok-peer/${encodeURIComponent(room)}/`;
  await expect
    .poll(
      () =>
        probe.evaluate(
          async (lockPrefix) =>
            ((await navigator.locks.query()).held ?? []).filter((lock) => lock.name?.startsWith(lockPrefix)).length,
          prefix,
        ),
      { timeout: SETTLE_MS },
    )
    .toBe(0);
  await probe.close();
}

test("closing every tab and opening a new one: the data is still there", async ({ context }) => {
  const room = uniqueRoom("reopen");
  const pages = [await openTab(context, room), await openTab(context, room), await openTab(context, room)];
  const views = await waitForOneLeader(pages);
  const written: string[] = [];
  for (const [index, page] of pages.entries()) {
    const text = `kept ${index}`;
    await addTask(page, text);
    written.push(text);
  }
  await expectTaskTexts(pages, written);

  // Close the followers, then the leader; each time the leader removes the closed tab from the configuration,
  // so that the last tab ends up as the only voter. The first follower's tab just closes: the two others
  // keep a quorum and the leader removes it when its channel goes. The second follower leaves first (what
  // its pagehide handler starts, when the browser gives it the time): of two voters, the one left behind
  // alone has no quorum to remove a peer that vanished without a word. Then the leader's tab closes.
  const leader = leaderPage(pages, views);
  const [firstFollower, secondFollower] = pages.filter((page) => page !== leader) as [Page, Page];
  const firstId = (await inspect(firstFollower)).peerId;
  await firstFollower.close();
  await expect.poll(async () => (await inspect(leader)).voters, { timeout: SETTLE_MS }).not.toContain(firstId);
  const secondId = (await inspect(secondFollower)).peerId;
  await secondFollower.evaluate(() => window.hamokDemo!.cluster.hamok.leave());
  await secondFollower.close();
  await expect.poll(async () => (await inspect(leader)).voters, { timeout: SETTLE_MS }).not.toContain(secondId);
  const lastView = await inspect(leader);
  expect(lastView.voters).toEqual([lastView.peerId]);
  await leader.close();
  await waitUntilLocksReleased(context, room);

  // A new tab (new sessionStorage) finds the closed tabs' databases and continues from the freshest one.
  const reopened = await openTab(context, room);
  const view = await inspect(reopened);
  expect(view.adoptedPeerId).toBe(true);
  expect(view.peerId).toBe(lastView.peerId);
  expect(await taskTexts(reopened)).toEqual([...written].sort());
  await waitForOneLeader([reopened]);
  await addTask(reopened, "after reopening");
  await expectTaskTexts([reopened], [...written, "after reopening"]);
});
