/**
 * A hamok cluster of bench tabs (see `page-hamok.ts`): tabs join one at a time, then the helpers wait until
 * every tab agrees on the leader and on the configuration, and sort the tabs into leader, voting followers and
 * learners.
 */
import type { Page } from "playwright-core";
import { type BenchBrowser, call, SIGNAL_URL } from "./harness";
import type { BenchPeerOptions, BenchPeerState } from "./page-hamok";

/** Tabs of a settled cluster by role. */
export interface BenchCluster {
  readonly pages: readonly Page[];
  readonly leader: Page;
  readonly followers: readonly Page[];
  readonly learners: readonly Page[];
  stop(): Promise<void>;
}

let rooms = 0;

/** A room no other cluster of this run uses. */
export function uniqueRoom(label: string): string {
  rooms++;
  return `${label}-${Date.now().toString(36)}-${rooms}`;
}

async function settled(pages: readonly Page[], voters: number): Promise<BenchPeerState[]> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const states = await Promise.all(pages.map((page) => call(page, "peerState")));
    const leaderId = states[0]?.leaderId;
    const agreed =
      leaderId !== undefined &&
      states.some((state) => state.peerId === leaderId && state.state === "leader") &&
      states.every((state) => state.leaderId === leaderId && state.voters.length === voters) &&
      states.every((state) => state.voters.length + state.learners.length === pages.length);
    if (agreed) return states;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`the ${pages.length} tabs did not settle on one leader and ${voters} voters`);
}

/**
 * Open `size` tabs and join them one after the other (the first bootstraps); resolves once they agree on one
 * leader and on `min(size, 5)` voters (hamok's default `maxVoters`), the rest learners.
 */
export async function startCluster(
  browser: BenchBrowser,
  size: number,
  options: Pick<BenchPeerOptions, "durability" | "transport" | "trace">,
): Promise<BenchCluster> {
  const room = uniqueRoom(`${options.transport}-${options.durability}-${size}`);
  const pages: Page[] = [];
  for (let i = 0; i < size; i++) {
    const page = await browser.open();
    pages.push(page);
    await call(page, "startPeer", { ...options, peerId: `b${i + 1}`, room, signalUrl: SIGNAL_URL });
  }
  const states = await settled(pages, Math.min(size, 5));
  const byRole = (pick: (state: BenchPeerState) => boolean) => pages.filter((_, i) => pick(states[i]!));
  const leaderId = states[0]!.leaderId;
  const learnerIds = new Set(states[0]!.learners);
  return {
    pages,
    leader: byRole((state) => state.peerId === leaderId)[0]!,
    followers: byRole((state) => state.peerId !== leaderId && !learnerIds.has(state.peerId)),
    learners: byRole((state) => learnerIds.has(state.peerId)),
    stop: async () => {
      for (const page of pages) {
        await call(page, "stopPeer").catch(() => undefined);
        await page.close();
      }
    },
  };
}
