import { expect, type Page, test } from "@playwright/test";
import type { WriteOutcome } from "../demo/test-hook";
import { addTask, inspect, leaderPage, openTab, SETTLE_MS, taskTexts, uniqueRoom, waitForOneLeader } from "./tabs";

// Keep the whole activity feed (the leader trims it to 30 lines by default): it is the duplicate detector.
// Adding a task also pushes one line to the activity queue, and a queue push applied twice shows twice.
const OPTIONS = { feed: "10000" };

function activityTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => window.hamokDemo!.activity().map((item) => item.text));
}

test("a stalled leader tab (CDP Debugger.pause) is replaced; after resuming it steps down, no write lost or applied twice", async ({
  context,
}) => {
  const room = uniqueRoom("stalled-leader");
  const pages = [
    await openTab(context, room, OPTIONS),
    await openTab(context, room, OPTIONS),
    await openTab(context, room, OPTIONS),
  ];
  const before = await waitForOneLeader(pages);
  const stalled = leaderPage(pages, before);
  const stalledId = before.find((view) => view.role === "leader")!.peerId;
  const others = pages.filter((page) => page !== stalled);

  const acknowledged: string[] = [];
  for (const [index, page] of pages.entries()) {
    const text = `before stall ${index}`;
    await addTask(page, text);
    acknowledged.push(text);
  }

  // The leader's page starts writes and stops running JavaScript in the same turn, as a frozen tab or a
  // long GC pause would: the writes are proposed but not yet persisted or sent, and no timer, message or
  // promise callback runs until it resumes. Its data channels stay open (the network runs off the main thread).
  const inFlight = Array.from({ length: 10 }, (_, i) => `started before stall ${i}`);
  const cdp = await context.newCDPSession(stalled);
  const paused = new Promise<void>((resolve) => cdp.once("Debugger.paused", () => resolve()));
  await cdp.send("Debugger.enable");
  const stalledTurn = stalled.evaluate((texts) => {
    window.hamokDemo!.startTasks(texts);
    // biome-ignore lint/suspicious/noDebugger: the stall under test; CDP resumes it.
    debugger;
  }, inFlight);
  await paused;

  // The other two tabs stop hearing from the leader and elect one of themselves, in a higher term.
  const during = await waitForOneLeader(others);
  const newLeaderId = during.find((view) => view.role === "leader")!.peerId;
  expect(newLeaderId).not.toBe(stalledId);
  expect(during[0]!.term).toBeGreaterThan(before[0]!.term);
  for (const [index, page] of others.entries()) {
    const text = `during stall ${index}`;
    await addTask(page, text);
    acknowledged.push(text);
  }

  await cdp.send("Debugger.resume");
  await stalledTurn;
  await cdp.send("Debugger.disable");
  await cdp.detach();

  // The old leader hears the higher term and steps down; the three tabs agree on the new leader.
  await expect
    .poll(async () => (await inspect(stalled)).role, { timeout: SETTLE_MS, message: "the old leader steps down" })
    .not.toBe("leader");
  const after = await waitForOneLeader(pages);
  expect(after.every((view) => view.leaderId !== stalledId)).toBe(true);

  // The writes started before the stall settle: each either acknowledged or failed (a timeout is
  // indeterminate: it may still have applied, but at most once).
  const outcomes: WriteOutcome[] = await stalled.evaluate(() => window.hamokDemo!.settledTasks());
  expect(outcomes).toHaveLength(inFlight.length);
  for (const outcome of outcomes) if (outcome.status === "acknowledged") acknowledged.push(outcome.text);
  test.info().annotations.push({
    type: "writes started before the stall",
    description: outcomes.map((outcome) => `${outcome.text}: ${outcome.status} ${outcome.error ?? ""}`).join("; "),
  });

  await addTask(stalled, "after resume");
  acknowledged.push("after resume");
  for (const page of pages) {
    // Every acknowledged write is in every tab...
    await expect.poll(() => taskTexts(page), { timeout: SETTLE_MS }).toEqual(expect.arrayContaining(acknowledged));
    const texts = await taskTexts(page);
    // ...and nothing else but indeterminate writes of the stalled page.
    for (const text of texts) expect(acknowledged.includes(text) || inFlight.includes(text)).toBe(true);
    // No write applied twice: every "added" line of the activity queue is unique.
    const added = (await activityTexts(page)).filter((line) => line.startsWith("added"));
    expect(new Set(added).size).toBe(added.length);
    for (const text of acknowledged) expect(added).toContain(`added “${text}”`);
  }
  // All tabs hold the same tasks.
  const reference = await taskTexts(pages[0]!);
  for (const page of pages) expect(await taskTexts(page)).toEqual(reference);
});
