/**
 * The README's screenshot: three demo tabs of one cluster, side by side.
 *
 *   scripts/netns.sh npx tsx e2e/capture-screenshot.ts docs/demo-three-tabs.png
 *
 * Runs inside the private network namespace (WebRTC needs its veth interface), with the same servers as the
 * end-to-end suite. Each tab is captured on its own, then the three captures are laid out on one page.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Page } from "@playwright/test";
import config from "./playwright.config";
import { assertInsideNamespace, DEMO_ORIGIN, startE2eServers } from "./servers";
import { demoUrl } from "./tabs";

const VIEWPORT = { width: 1000, height: 660 };

async function main(): Promise<void> {
  const target = resolve(process.argv[2] ?? "docs/demo-three-tabs.png");
  assertInsideNamespace();
  const outDir = await mkdtemp(join(tmpdir(), "hamok-shot-"));
  const servers = await startE2eServers(outDir);
  const browser = await chromium.launch(config.use?.launchOptions);
  try {
    const context = await browser.newContext({ viewport: VIEWPORT, baseURL: DEMO_ORIGIN });
    const pages: Page[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await context.newPage();
      await page.goto(demoUrl("readme"));
      await page.waitForFunction(() => window.hamokDemo !== undefined);
      await page.evaluate(() => window.hamokDemo!.joined);
      pages.push(page);
    }
    const [a, b, c] = pages as [Page, Page, Page];
    await b.evaluate(() => window.hamokDemo!.renameBoard("Weekend chores"));
    const ids: string[] = [];
    ids.push(await a.evaluate(() => window.hamokDemo!.addTask("Water the plants")));
    ids.push(await b.evaluate(() => window.hamokDemo!.addTask("Buy bread and coffee")));
    ids.push(await c.evaluate(() => window.hamokDemo!.addTask("Fix the bike's back light")));
    ids.push(await a.evaluate(() => window.hamokDemo!.addTask("Call grandma")));
    await c.evaluate((id) => window.hamokDemo!.toggleTask(id), ids[0]!);
    // Let every tab apply everything and the inspectors refresh.
    await new Promise((done) => setTimeout(done, 1_500));
    const shots = await Promise.all(pages.map((page) => page.screenshot({ type: "png" })));
    const roles = await Promise.all(pages.map((page) => page.evaluate(() => window.hamokDemo!.inspect().role)));

    const sheet = await context.newPage();
    await sheet.setViewportSize({ width: 1800, height: 400 });
    await sheet.setContent(`<!doctype html><html><body style="margin:0;background:#d9dce2;font:13px system-ui">
      <div style="display:flex;gap:12px;padding:12px">${shots
        .map(
          (shot, i) => `<figure style="margin:0;flex:1">
            <figcaption style="padding:0 0 6px 2px;color:#333">Tab ${i + 1} · ${roles[i]}</figcaption>
            <img style="width:100%;border:1px solid #aab;border-radius:6px;display:block"
              src="data:image/png;base64,${shot.toString("base64")}"></figure>`,
        )
        .join("")}</div></body></html>`);
    await sheet.screenshot({ path: target, fullPage: true });
    console.log(`wrote ${target}`);
  } finally {
    await browser.close();
    await servers.close();
    await rm(outDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
