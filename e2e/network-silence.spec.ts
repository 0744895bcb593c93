import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, expect, test } from "@playwright/test";
import { CHROMIUM_PATH, WEBRTC_CHROMIUM_ARGS } from "./chromium";
import { netLogViolations, parseNetLog } from "./net-log";
import { DEMO_ORIGIN } from "./servers";
import { addTask, expectTaskTexts, openTab, uniqueRoom, waitForOneLeader } from "./tabs";

/** The namespace's veth pair (scripts/netns.sh): the tabs' WebRTC host candidates. */
const NAMESPACE_PREFIX = "10.77.0.";

test("a browser with the project's launch flags looks up and contacts only loopback and the namespace", async () => {
  const dir = await mkdtemp(join(tmpdir(), "hamok-net-log-"));
  const file = join(dir, "net-log.json");
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...WEBRTC_CHROMIUM_ARGS, `--log-net-log=${file}`],
  });
  try {
    const context = await browser.newContext({ baseURL: DEMO_ORIGIN });
    const room = uniqueRoom("net-log");
    const pages = [await openTab(context, room), await openTab(context, room)];
    await waitForOneLeader(pages);
    await addTask(pages[1]!, "over the data channel");
    await expectTaskTexts(pages, ["over the data channel"]);
  } finally {
    // Closing the browser completes the log.
    await browser.close();
  }
  try {
    const summary = parseNetLog(await readFile(file, "utf8"));
    test.info().annotations.push({
      type: "requests the host rules stopped before any lookup",
      description: summary.requested.filter((host) => host !== "localhost").join(", ") || "none",
    });
    // The run did use the network: the pages came from loopback and the tabs talked over the veth pair.
    expect(summary.contacted).toEqual(expect.arrayContaining(["127.0.0.1"]));
    expect(summary.contacted.some((address) => address.startsWith(NAMESPACE_PREFIX))).toBe(true);
    expect(netLogViolations(summary, { addressPrefixes: [NAMESPACE_PREFIX] })).toEqual({ lookedUp: [], contacted: [] });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
