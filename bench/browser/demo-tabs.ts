/**
 * The demo's own figures, printed beside the bare page's: the same writes through `window.hamokDemo` in tabs
 * of the built demo (board and inspector rendering on, page lifecycle on), plus the demo-level scenarios
 * (failover when the leader tab closes or stalls, a late tab catching up).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { DEMO_ORIGIN, startE2eServers } from "../../e2e/servers";
import { demoUrl } from "../../e2e/tabs";
import { uniqueRoom } from "./cluster";
import { type LatencySummary, summarise } from "./stats";

/** The demo built and served (with its own signaling server); `close()` stops both. */
export async function startDemo(): Promise<{ close(): Promise<void> }> {
  const outDir = await mkdtemp(join(tmpdir(), "hamok-bench-demo-"));
  const servers = await startE2eServers(outDir);
  return {
    close: async () => {
      await servers.close();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}

/** A demo tab of `room`, joined. */
export async function openDemoTab(context: BrowserContext, room: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${DEMO_ORIGIN}${demoUrl(room)}`);
  await page.waitForFunction("window.hamokDemo !== undefined");
  await page.evaluate("window.hamokDemo.joined");
  return page;
}

interface DemoRole {
  readonly peerId: string;
  readonly role: string;
  readonly leaderId: string | undefined;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
}

/** Demo tabs by role, once all agree on the leader and on `voters` voters. */
export async function demoRoles(
  pages: readonly Page[],
  voters: number,
): Promise<{ leader: Page; followers: Page[]; learners: Page[] }> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const states = (await Promise.all(pages.map((page) => page.evaluate("window.hamokDemo.inspect()")))) as DemoRole[];
    const leaderId = states[0]?.leaderId;
    if (
      leaderId !== undefined &&
      states.some((state) => state.peerId === leaderId && state.role === "leader") &&
      states.every((state) => state.leaderId === leaderId && state.voters.length === voters) &&
      states.every((state) => state.voters.length + state.learners.length === pages.length)
    ) {
      const learners = new Set(states[0]!.learners);
      const pick = (test: (state: DemoRole) => boolean) => pages.filter((_, i) => test(states[i]!));
      return {
        leader: pick((state) => state.peerId === leaderId)[0]!,
        followers: pick((state) => state.peerId !== leaderId && !learners.has(state.peerId)),
        learners: pick((state) => learners.has(state.peerId)),
      };
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error("the demo tabs did not settle on one leader");
}

/** Sequential task writes from a demo tab, as `page-hamok.ts` makes them on the bare page. */
export async function demoWriteLatencies(page: Page, prefix: string, count: number, warmUp: number) {
  const samples = (await page.evaluate(`(async () => {
    const { tasks, hamok } = window.hamokDemo.cluster;
    const samples = [];
    for (let i = 0; i < ${count + warmUp}; i++) {
      const started = performance.now();
      await tasks.set(${JSON.stringify(prefix)} + "-" + i, { text: ${JSON.stringify(prefix)} + " " + i, done: false, author: hamok.localPeerId, createdAt: i });
      if (i >= ${warmUp}) samples.push(performance.now() - started);
    }
    return samples;
  })()`)) as number[];
  return summarise(samples) satisfies LatencySummary;
}

/** Ms from the leader tab closing (it hands over on `pagehide`) or stalling until another tab leads. */
export async function demoFailover(context: BrowserContext, how: "close" | "stall"): Promise<number> {
  const room = uniqueRoom(`demo-${how}`);
  const pages = [await openDemoTab(context, room), await openDemoTab(context, room), await openDemoTab(context, room)];
  const { leader, followers } = await demoRoles(pages, 3);
  const oldLeaderId = (await leader.evaluate("window.hamokDemo.cluster.hamok.localPeerId")) as string;
  const never = new Promise<number>(() => undefined);
  const elected = Promise.race(
    followers.map((page) =>
      page
        .evaluate(`(async () => {
          for (;;) {
            const leaderId = window.hamokDemo.cluster.hamok.raft.leaderId;
            if (leaderId !== undefined && leaderId !== ${JSON.stringify(oldLeaderId)}) return Date.now();
            await new Promise((done) => setTimeout(done, 5));
          }
        })()`)
        .then((at) => at as number)
        // A page closed before it saw the new leader simply does not win the race.
        .catch(() => never),
    ),
  );
  const started = Date.now();
  if (how === "close") {
    await leader.close();
  } else {
    const cdp = await context.newCDPSession(leader);
    await cdp.send("Debugger.enable");
    await cdp.send("Debugger.pause");
  }
  const ms = (await elected) - started;
  for (const page of pages) if (!page.isClosed()) await page.close().catch(() => undefined);
  return ms;
}

/** Ms from navigation until a new demo tab has every one of `entries` tasks (a snapshot transfer). */
export async function demoCatchUp(context: BrowserContext, entries: number): Promise<number> {
  const room = uniqueRoom("demo-catch-up");
  const pages = [await openDemoTab(context, room), await openDemoTab(context, room), await openDemoTab(context, room)];
  const { leader } = await demoRoles(pages, 3);
  await leader.evaluate(`window.hamokDemo.bulkAdd("fill", ${entries}, 200)`);
  const started = performance.now();
  const late = await openDemoTab(context, room);
  await late.waitForFunction(`window.hamokDemo.cluster.tasks.size >= ${entries}`);
  const ms = performance.now() - started;
  for (const page of [...pages, late]) await page.close();
  return ms;
}
