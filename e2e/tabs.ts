import { type BrowserContext, expect, type Page } from "@playwright/test";
import type { ClusterView } from "../demo/inspect";
import type { Task } from "../demo/model";
import { SIGNAL_URL } from "./servers";

/**
 * Helpers the specs share: open a demo tab in a room, read its state through `window.hamokDemo`, and
 * wait for cluster-wide conditions. Every assertion reads state from the pages themselves.
 */

/** How long a cluster may take to settle (elections, channel set-up, catch-up) before a spec fails. */
export const SETTLE_MS = 30_000;

let roomCounter = 0;

/** A room name no other spec of this run uses, so specs never see each other's peers. */
export function uniqueRoom(label: string): string {
  roomCounter++;
  return `${label.replace(/[^\w]/g, "-").slice(0, 24)}-${Date.now().toString(36)}-${roomCounter}`;
}

/** The demo URL of a room, with optional extra query parameters. */
export function demoUrl(room: string, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ room, signal: SIGNAL_URL, ...extra });
  return `/?${query.toString()}`;
}

/** Open a new tab on the demo and wait until its peer has joined the cluster. */
export async function openTab(
  context: BrowserContext,
  room: string,
  extra: Record<string, string> = {},
): Promise<Page> {
  const page = await context.newPage();
  forwardErrors(page);
  await page.goto(demoUrl(room, extra));
  await waitJoined(page);
  return page;
}

/** Open a new tab on the demo without waiting for it to join (it may be unable to, yet). */
export async function openTabNoWait(
  context: BrowserContext,
  room: string,
  extra: Record<string, string> = {},
): Promise<Page> {
  const page = await context.newPage();
  forwardErrors(page);
  await page.goto(demoUrl(room, extra));
  await page.waitForFunction(() => window.hamokDemo !== undefined, undefined, { timeout: SETTLE_MS });
  return page;
}

/** Wait until the page's hook exists and its peer has joined. */
export async function waitJoined(page: Page): Promise<void> {
  await page.waitForFunction(() => window.hamokDemo !== undefined, undefined, { timeout: SETTLE_MS });
  await page.evaluate(
    (ms) =>
      Promise.race([
        window.hamokDemo!.joined,
        new Promise((_, reject) => setTimeout(() => reject(new Error(`the tab did not join within ${ms} ms`)), ms)),
      ]),
    SETTLE_MS,
  );
}

/**
 * Print uncaught page errors into the test output: they explain a failure better than a timeout does.
 * With `HAMOK_E2E_CONSOLE=1` the pages' console goes there too.
 */
export function forwardErrors(page: Page): void {
  page.on("pageerror", (error) => console.error(`[page error] ${error.message}`));
  if (process.env.HAMOK_E2E_CONSOLE === "1") page.on("console", (message) => console.log(`[page] ${message.text()}`));
}

/** The inspector's view of a tab. */
export function inspect(page: Page): Promise<ClusterView> {
  return page.evaluate(() => window.hamokDemo!.inspect());
}

/** The tasks of a tab, sorted by id. */
export function tasksOf(page: Page): Promise<Array<[string, Task]>> {
  return page.evaluate(() => window.hamokDemo!.tasks());
}

/** The task texts of a tab, sorted. */
export async function taskTexts(page: Page): Promise<string[]> {
  return (await tasksOf(page)).map(([, task]) => task.text).sort();
}

/** Add a task from a tab; resolves with its id once committed and applied there. */
export function addTask(page: Page, text: string): Promise<string> {
  return page.evaluate((value) => window.hamokDemo!.addTask(value), text);
}

/**
 * Wait until the tabs form one cluster: each is a voter or learner of the same configuration, all agree
 * on one leader among them, and exactly one tab says it leads. Returns the views at that moment.
 */
export async function waitForOneLeader(pages: readonly Page[]): Promise<ClusterView[]> {
  let views: ClusterView[] = [];
  await expect
    .poll(
      async () => {
        views = await Promise.all(pages.map(inspect));
        const ids = new Set(views.map((view) => view.peerId));
        const leaders = views.filter((view) => view.role === "leader");
        const agreed = new Set(views.map((view) => view.leaderId));
        const members = views.every((view) => [...ids].every((id) => [...view.voters, ...view.learners].includes(id)));
        return leaders.length === 1 && agreed.size === 1 && leaders[0]?.peerId === views[0]?.leaderId && members;
      },
      { timeout: SETTLE_MS, message: "the tabs should form one cluster with one leader" },
    )
    .toBe(true);
  return views;
}

/** The page whose tab leads, from views returned by {@link waitForOneLeader}. */
export function leaderPage(pages: readonly Page[], views: readonly ClusterView[]): Page {
  const index = views.findIndex((view) => view.role === "leader");
  const page = pages[index];
  if (page === undefined) throw new Error("no leader among the tabs");
  return page;
}

/** Wait until every tab holds exactly `texts` (sorted) as its task texts. */
export async function expectTaskTexts(pages: readonly Page[], texts: readonly string[]): Promise<void> {
  const expected = [...texts].sort();
  for (const page of pages) {
    await expect.poll(() => taskTexts(page), { timeout: SETTLE_MS }).toEqual(expected);
  }
}
