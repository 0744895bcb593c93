import { expect, type Page, test } from "@playwright/test";
import {
  annotate,
  crashTab,
  expectWrites,
  openZeroConfigTab,
  RECOVERY_MS,
  writeWithinRecovery,
  zeroView,
} from "./faults";
import { addTask, inspect, leaderPage, openTab, taskTexts, uniqueRoom, waitForOneLeader } from "./tabs";

/**
 * Issue 10: no departure pattern leaves a majority of live tabs without a leader. Each spec waits (within
 * {@link RECOVERY_MS}) for the survivors to have one leader and commit a new write, and checks that no acknowledged
 * write was lost.
 */

/** Acknowledged writes from every tab, so that a loss shows. */
async function writeFromEach(pages: readonly Page[], label: string): Promise<string[]> {
  const texts: string[] = [];
  for (const [index, page] of pages.entries()) {
    const text = `${label} ${index}`;
    await addTask(page, text);
    texts.push(text);
  }
  return texts;
}

/**
 * Wait until the survivors have one leader, then get a write acknowledged from each (retrying within the recovery
 * bound: a write issued while the survivors still recover may time out); returns the ms it took from `since`.
 */
async function recovered(survivors: readonly Page[], since: number, acknowledged: string[]): Promise<number> {
  await waitForOneLeader(survivors);
  const tried: string[] = [];
  for (const [index, page] of survivors.entries()) {
    const outcome = await writeWithinRecovery(page, `after the departure ${index}`);
    acknowledged.push(outcome.acknowledged);
    tried.push(...outcome.tried);
  }
  const ms = performance.now() - since;
  await expectWrites(survivors, acknowledged, tried);
  return ms;
}

test("two tabs, the leader tab closes: the other tab leads and writes (case 1)", async ({ context }) => {
  const room = uniqueRoom("two-leader-closes");
  const pages = [await openTab(context, room), await openTab(context, room)];
  const views = await waitForOneLeader(pages);
  const leader = leaderPage(pages, views);
  const survivor = pages.find((page) => page !== leader)!;
  const leaderId = (await inspect(leader)).peerId;
  const acknowledged = await writeFromEach(pages, "before");

  const since = performance.now();
  await leader.close();
  await expect
    .poll(async () => (await inspect(survivor)).role, { timeout: RECOVERY_MS, message: "the survivor should lead" })
    .toBe("leader");
  await addTask(survivor, "after the leader closed");
  annotate(test.info(), "close to first commit", performance.now() - since);
  acknowledged.push("after the leader closed");
  expect(await taskTexts(survivor)).toEqual([...acknowledged].sort());
  // The closed tab is no longer a voter: the survivor alone is the quorum.
  expect((await inspect(survivor)).voters).not.toContain(leaderId);
});

test("two zero-configuration tabs (`new Hamok().join()`), the leader tab closes: the other leads (case 1)", async ({
  context,
}) => {
  const pages = [await openZeroConfigTab(context), await openZeroConfigTab(context)];
  let views = await Promise.all(pages.map(zeroView));
  await expect
    .poll(
      async () => {
        views = await Promise.all(pages.map(zeroView));
        return views.filter((view) => view.role === "leader").length === 1 && views.every((v) => v.voters.length === 2);
      },
      { timeout: RECOVERY_MS, message: "the two tabs should form one cluster of two voters" },
    )
    .toBe(true);
  const leader = pages[views.findIndex((view) => view.role === "leader")]!;
  const survivor = pages.find((page) => page !== leader)!;
  await leader.evaluate(() => window.hamokZero!.set("before", "leader"));

  const since = performance.now();
  await leader.close();
  await expect
    .poll(async () => (await zeroView(survivor)).role, { timeout: RECOVERY_MS, message: "the survivor should lead" })
    .toBe("leader");
  await survivor.evaluate(() => window.hamokZero!.set("after", "survivor"));
  annotate(test.info(), "close to first commit", performance.now() - since);
  expect(await survivor.evaluate(() => window.hamokZero!.entries())).toEqual([
    ["after", "survivor"],
    ["before", "leader"],
  ]);
});

test("five voters and two learners: the leader and two more voters close at once; the rest lead and write (case 2)", async ({
  context,
}) => {
  test.setTimeout(180_000);
  const room = uniqueRoom("close-three-of-five");
  const pages: Page[] = [];
  for (let i = 0; i < 7; i++) pages.push(await openTab(context, room));
  let views = await waitForOneLeader(pages);
  await expect
    .poll(
      async () => {
        views = await Promise.all(pages.map(inspect));
        return views.every((view) => view.voters.length === 5 && view.learners.length === 2);
      },
      { timeout: RECOVERY_MS, message: "five voters and two learners" },
    )
    .toBe(true);
  const voterIds = new Set(views[0]!.voters);
  const leader = leaderPage(pages, views);
  const otherVoters = pages.filter((page, i) => page !== leader && voterIds.has(views[i]!.peerId));
  const closing = [leader, otherVoters[0]!, otherVoters[1]!];
  const survivors = pages.filter((page) => !closing.includes(page));
  const acknowledged = await writeFromEach(pages, "before");

  const since = performance.now();
  // One window of three tabs closes: every pagehide runs at once.
  await Promise.all(closing.map((page) => page.close()));
  annotate(test.info(), "close to a commit from every survivor", await recovered(survivors, since, acknowledged));
  const after = await Promise.all(survivors.map(inspect));
  const survivorIds = after.map((view) => view.peerId);
  for (const view of after)
    expect([...view.voters, ...view.learners].sort()).toEqual(expect.arrayContaining(survivorIds));
});

test("two tabs, the leader tab crashes (no pagehide): the other tab leads and writes (proof)", async ({ context }) => {
  const room = uniqueRoom("two-leader-crashes");
  const pages = [await openTab(context, room), await openTab(context, room)];
  const views = await waitForOneLeader(pages);
  const leader = leaderPage(pages, views);
  const survivor = pages.find((page) => page !== leader)!;
  const acknowledged = await writeFromEach(pages, "before");

  const since = performance.now();
  await crashTab(leader);
  annotate(test.info(), "crash to first commit", await recovered([survivor], since, acknowledged));
  await leader.close();
});

test("two tabs, the follower tab crashes: the leader keeps writing (proof)", async ({ context }) => {
  const room = uniqueRoom("two-follower-crashes");
  const pages = [await openTab(context, room), await openTab(context, room)];
  const views = await waitForOneLeader(pages);
  const leader = leaderPage(pages, views);
  const follower = pages.find((page) => page !== leader)!;
  const acknowledged = await writeFromEach(pages, "before");

  const since = performance.now();
  await crashTab(follower);
  annotate(test.info(), "crash to first commit", await recovered([leader], since, acknowledged));
  await follower.close();
});
