import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from "@playwright/test";
import { CHROMIUM_PATH, WEBRTC_CHROMIUM_ARGS } from "./chromium";
import { DEMO_ORIGIN } from "./servers";
import { demoUrl, forwardErrors, SETTLE_MS } from "./tabs";

/**
 * A Chromium that this process starts itself, without the flags Playwright adds to keep every page visible and
 * unthrottled (`--disable-background-timer-throttling`, `--disable-renderer-backgrounding`, focus emulation):
 * its background tabs are really `hidden` (timers at most once a second) and `Page.setWebLifecycleState` really
 * freezes them (DESIGN.md section 6). Playwright attaches over CDP to drive the pages.
 */
export interface RealBrowser {
  readonly browser: Browser;
  /** The browser's one (default) context: every tab shares its storage, Web Locks and BroadcastChannel. */
  readonly context: BrowserContext;
  /**
   * Open a demo tab of `room`. `background: true` opens it behind the active tab (hidden); otherwise it becomes
   * the active, visible tab of the window and the tab that was active turns hidden.
   */
  openTab(room: string, options?: { background?: boolean; extra?: Record<string, string> }): Promise<Page>;
  /** Freeze (`frozen`) or thaw (`active`) a hidden tab: a frozen tab runs no task at all. */
  setLifecycle(page: Page, state: "frozen" | "active"): Promise<void>;
  close(): Promise<void>;
}

/** Start the browser (headless, the project's flags, a fresh profile) and attach to it. */
export async function launchRealBrowser(): Promise<RealBrowser> {
  const profile = await mkdtemp(join(tmpdir(), "hamok-real-browser-"));
  const child = spawn(
    CHROMIUM_PATH,
    [
      "--headless",
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "--no-default-browser-check",
      ...WEBRTC_CHROMIUM_ARGS,
      "about:blank",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let browser: Browser | undefined;
  try {
    const endpoint = await devToolsEndpoint(child);
    browser = await chromium.connectOverCDP(endpoint, { noDefaults: true });
    const context = browser.contexts()[0];
    if (context === undefined) throw new Error("the browser has no default context");
    const session = await browser.newBrowserCDPSession();
    const pageSessions = new Map<Page, CDPSession>();
    const connected = browser;
    return {
      browser: connected,
      context,
      openTab: async (room, options = {}) => {
        const url = `${DEMO_ORIGIN}${demoUrl(room, options.extra)}`;
        const appeared = context.waitForEvent("page", { predicate: (page) => page.url() === url, timeout: SETTLE_MS });
        await session.send("Target.createTarget", { url, background: options.background ?? false });
        const page = await appeared;
        forwardErrors(page);
        // Polling by interval: the default (requestAnimationFrame) never runs in a hidden tab.
        await page.waitForFunction(() => window.hamokDemo !== undefined, undefined, {
          timeout: SETTLE_MS,
          polling: 100,
        });
        return page;
      },
      setLifecycle: async (page, state) => {
        let cdp = pageSessions.get(page);
        if (cdp === undefined) {
          cdp = await context.newCDPSession(page);
          pageSessions.set(page, cdp);
        }
        await cdp.send("Page.setWebLifecycleState", { state });
      },
      close: async () => {
        await connected.close().catch(() => undefined);
        await stop(child);
        await removeProfile(profile);
      },
    };
  } catch (error) {
    await browser?.close().catch(() => undefined);
    await stop(child);
    await removeProfile(profile);
    throw error;
  }
}

/** The `ws://` address Chromium prints on stderr once its DevTools server listens. */
function devToolsEndpoint(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`chromium printed no DevTools address:\n${output}`)), SETTLE_MS);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`chromium exited (${code}) before listening:\n${output}`));
    });
  });
}

/**
 * Chromium's helper processes can still write into the profile for a moment after the browser process exits (a
 * plain `rm` then failed with ENOTEMPTY in CI); Node's `rm` retries on ENOTEMPTY/EBUSY with these options.
 */
function removeProfile(profile: string): Promise<void> {
  return rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
