import { type BrowserContext, expect, type Page, test } from "@playwright/test";
import { peerIdStorageKey } from "../src/storage/peer-identity";
import { annotate, crashTab, crashTabs, RECOVERY_MS, waitMemberWithLeader } from "./faults";
import {
  addTask,
  demoUrl,
  expectTaskTexts,
  inspect,
  openTab,
  openTabNoWait,
  taskTexts,
  uniqueRoom,
  waitForOneLeader,
} from "./tabs";

/**
 * Issue 10: tabs that vanish without a word (crash, killed browser, discarded tab: no `pagehide`) and an app that
 * is opened again. Provably dead members of this browser (Web Lock free, database here) must not block the
 * cluster: a live or reopened tab acts for them from their own persisted state until their removal commits.
 */

/** Three tabs of `room` in one cluster, with two acknowledged writes from each; returns the pages and the writes. */
async function threeTabsWithWrites(
  context: BrowserContext,
  room: string,
  options: Record<string, string> = {},
): Promise<{ pages: Page[]; acknowledged: string[] }> {
  const pages: Page[] = [];
  for (let i = 0; i < 3; i++) pages.push(await openTab(context, room, options));
  await waitForOneLeader(pages);
  const acknowledged: string[] = [];
  for (const [index, page] of pages.entries()) {
    for (let i = 0; i < 2; i++) {
      const text = `before ${index}.${i}`;
      await addTask(page, text);
      acknowledged.push(text);
    }
  }
  return { pages, acknowledged };
}

/** Wait until the reopened tab has joined and leads or follows a leader, then commit a write from it. */
async function recoversWithin(page: Page, since: number, acknowledged: string[]): Promise<number> {
  await page.evaluate(() => window.hamokDemo!.joined);
  await waitMemberWithLeader(page, RECOVERY_MS);
  await addTask(page, "after reopening");
  acknowledged.push("after reopening");
  return performance.now() - since;
}

test("three tabs crash, one is reopened: every acknowledged write is there and a new write commits (proof)", async ({
  context,
}) => {
  const room = uniqueRoom("three-crash-reopen");
  const { pages, acknowledged } = await threeTabsWithWrites(context, room);
  await crashTabs(pages);
  for (const page of pages) await page.close();

  const since = performance.now();
  const reopened = await openTabNoWait(context, room);
  annotate(test.info(), "reopen to first commit", await recoversWithin(reopened, since, acknowledged));
  expect(await taskTexts(reopened)).toEqual([...acknowledged].sort());
  expect((await inspect(reopened)).adoptedPeerId).toBe(true);
  // The dead members are removed once the reopened tab acted for them: it is the whole cluster now.
  await expect
    .poll(async () => (await inspect(reopened)).voters, { timeout: RECOVERY_MS })
    .toEqual([(await inspect(reopened)).peerId]);
});

test("close every tab and open one, with the library's default options: it leads, with the data (case 5)", async ({
  context,
}) => {
  const room = uniqueRoom("close-all-default");
  const options = { lifecycle: "default" };
  const { pages, acknowledged } = await threeTabsWithWrites(context, room, options);
  await Promise.all(pages.map((page) => page.close()));

  const since = performance.now();
  const reopened = await openTabNoWait(context, room, options);
  annotate(test.info(), "reopen to first commit", await recoversWithin(reopened, since, acknowledged));
  expect(await taskTexts(reopened)).toEqual([...acknowledged].sort());
});

test("a crashed tab reloads while another tab acts for it: never two live tabs on one id, nothing lost (proof)", async ({
  context,
}) => {
  const room = uniqueRoom("crash-reload-acting");
  const { pages, acknowledged } = await threeTabsWithWrites(context, room);
  const [survivor, crashedA, crashedB] = pages as [Page, Page, Page];
  const crashedIds = [(await inspect(crashedA)).peerId, (await inspect(crashedB)).peerId];
  await crashTab(crashedA);
  await crashTab(crashedB);

  // The survivor is one of three voters: alone it has no quorum, so it acts for the dead members still in its
  // configuration (both, or one when, leading, it had already appended the other's removal). The stand-in ends
  // once the removal commits, which can happen between two polls: what it acted for is read from its events.
  await expect
    .poll(
      async () => {
        const acted = await survivor.evaluate(() => window.hamokDemo!.actedFor());
        return acted.length > 0 && acted.every((id) => crashedIds.includes(id));
      },
      { timeout: RECOVERY_MS, message: "the survivor should act for the crashed tabs" },
    )
    .toBe(true);
  // One crashed tab comes back with its sessionStorage (a reload of the same tab) while the survivor holds its id.
  // Playwright cannot reload a crashed page; a new page that starts with the crashed tab's sessionStorage is
  // what the browser restores (a discarded or crashed tab reloads with its session storage).
  const acting = await survivor.evaluate(() => window.hamokDemo!.actingFor());
  const returning = await context.newPage();
  await returning.addInitScript(
    ([key, peerId]) => {
      if (sessionStorage.getItem(key!) === null) sessionStorage.setItem(key!, peerId!);
    },
    [peerIdStorageKey(room), crashedIds[0]!],
  );
  await returning.goto(demoUrl(room));
  await returning.waitForFunction(() => window.hamokDemo !== undefined);
  const reloaded = await inspect(returning);
  // Never two live tabs on one id: the returning tab runs its old id only if nobody stands in for it any more (the
  // stand-in finished: removal committed, database deleted, lock released), else it runs under a new id.
  const actingNow = await survivor.evaluate(() => window.hamokDemo!.actingFor());
  expect(actingNow).not.toContain(reloaded.peerId);
  test.info().annotations.push({
    type: "returning tab",
    description: `${reloaded.peerId === crashedIds[0] ? "kept its id (the stand-in had finished)" : "took a new id"}; stood in for at the return: ${acting.join(", ")}`,
  });
  const live = [survivor, returning];
  await returning.evaluate(() => window.hamokDemo!.joined);
  await waitForOneLeader(live);
  const views = await Promise.all(live.map(inspect));
  expect(new Set(views.map((view) => view.peerId)).size).toBe(2);
  await addTask(returning, "from the reloaded tab");
  acknowledged.push("from the reloaded tab");
  await expectTaskTexts(live, acknowledged);
  // Once the removals committed the survivor acts for nobody, and the configuration holds the live tabs only.
  await expect.poll(() => survivor.evaluate(() => window.hamokDemo!.actingFor()), { timeout: RECOVERY_MS }).toEqual([]);
  await expect
    .poll(async () => [...(await inspect(survivor)).voters].sort(), { timeout: RECOVERY_MS })
    .toEqual(views.map((view) => view.peerId).sort());
  await crashedA.close();
  await crashedB.close();
});
