import { expect, test } from "@playwright/test";
import {
  addTask,
  expectTaskTexts,
  inspect,
  leaderPage,
  openTab,
  taskTexts,
  uniqueRoom,
  waitForOneLeader,
  waitJoined,
} from "./tabs";

// Frequent snapshots, so that the logs are compacted as they would be in a long-running cluster.
const SNAPSHOTS = { snapshotEvery: "20" };

test("a reloaded tab comes back with its state from IndexedDB and rejoins without a full transfer", async ({
  context,
}) => {
  const room = uniqueRoom("reload");
  const pages = [
    await openTab(context, room, SNAPSHOTS),
    await openTab(context, room, SNAPSHOTS),
    await openTab(context, room, SNAPSHOTS),
  ];
  const views = await waitForOneLeader(pages);
  const leader = leaderPage(pages, views);
  const written: string[] = [];
  for (let i = 0; i < 30; i++) written.push(`task ${i}`);
  await Promise.all(written.map((text) => addTask(leader, text)));
  await expectTaskTexts(pages, written);

  const follower = pages.find((page) => page !== leader)!;
  const beforeReload = await inspect(follower);
  // The tab compacted its own log: what it restarts from includes a snapshot.
  expect(beforeReload.storedSnapshotIndex).toBeGreaterThan(0);

  await follower.reload();
  await waitJoined(follower);
  const afterReload = await inspect(follower);
  expect(afterReload.peerId).toBe(beforeReload.peerId);
  expect(afterReload.reusedPeerId).toBe(true);
  expect(await taskTexts(follower)).toEqual([...written].sort());
  // Caught up from its own database plus the entries it missed: no snapshot came over the network.
  expect(afterReload.snapshotChunksReceived).toBe(0);

  // It is a working member again: it writes, and sees the others' writes.
  await addTask(follower, "after reload");
  await addTask(leader, "from the leader");
  written.push("after reload", "from the leader");
  await expectTaskTexts(pages, written);
  await waitForOneLeader(pages);
  expect((await inspect(follower)).snapshotChunksReceived).toBe(0);
});

test("reloading the leader tab: leadership moves on, and the tab rejoins from IndexedDB", async ({ context }) => {
  const room = uniqueRoom("reload-leader");
  const pages = [await openTab(context, room), await openTab(context, room), await openTab(context, room)];
  const leader = leaderPage(pages, await waitForOneLeader(pages));
  const written = ["one", "two", "three"];
  for (const [index, page] of pages.entries()) await addTask(page, written[index]!);
  await expectTaskTexts(pages, written);
  const before = await inspect(leader);

  await leader.reload();
  await waitJoined(leader);
  const after = await inspect(leader);
  expect(after.peerId).toBe(before.peerId);
  expect(await taskTexts(leader)).toEqual([...written].sort());
  expect(after.snapshotChunksReceived).toBe(0);
  // Someone led in a later term while it was away (it handed over leadership as its page went away).
  const settled = await waitForOneLeader(pages);
  expect(settled.every((view) => view.term > before.term)).toBe(true);
  await addTask(leader, "four");
  written.push("four");
  await expectTaskTexts(pages, written);
});
