import { expect, test } from "@playwright/test";
import { createSignalingServer } from "../signaling-server/server";
import { addTask, expectTaskTexts, inspect, openTab, openTabNoWait, uniqueRoom, waitForOneLeader } from "./tabs";

/** A signaling server of this spec's own, on a port nothing else uses: down when the first tab opens. */
const LATE_SIGNAL_PORT = 8797;
const LATE_SIGNAL_URL = `http://localhost:${LATE_SIGNAL_PORT}`;
/** The transport gives up one attempt after its 15 s open timeout; the demo must outlive that. */
const FIRST_ATTEMPT_MS = 15_000;

test("a demo tab opened while the signaling server is down joins once the server is back", async ({ context }) => {
  test.setTimeout(120_000);
  const room = uniqueRoom("signal-down");
  const early = await openTabNoWait(context, room, { signal: LATE_SIGNAL_URL });
  // The tab keeps trying: after its first attempt timed out it is still connecting, not failed.
  await expect
    .poll(async () => (await inspect(early)).lastError ?? "", {
      timeout: FIRST_ATTEMPT_MS + 15_000,
      message: "the first join attempt should fail with the server down",
    })
    .toContain("did not welcome");
  expect((await inspect(early)).phase).toBe("connecting");

  const server = createSignalingServer({ host: "127.0.0.1", port: LATE_SIGNAL_PORT });
  await server.listen();
  try {
    const late = await openTab(context, room, { signal: LATE_SIGNAL_URL });
    const pages = [early, late];
    await early.evaluate(() => window.hamokDemo!.joined);
    await waitForOneLeader(pages);
    expect((await inspect(early)).phase).toBe("joined");
    await addTask(early, "from the tab that waited");
    await addTask(late, "from the tab that came later");
    await expectTaskTexts(pages, ["from the tab that waited", "from the tab that came later"]);
  } finally {
    await context.close();
    await server.close();
  }
});
