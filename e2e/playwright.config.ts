import { defineConfig } from "@playwright/test";
import { CHROMIUM_PATH, WEBRTC_CHROMIUM_ARGS } from "./chromium";
import { DEMO_ORIGIN } from "./servers";

/**
 * The multi-tab suite. Run it with `bash e2e/run.sh` (or `npm run test:e2e`): it enters a private network
 * namespace where WebRTC has a non-loopback interface, and the global setup builds and serves the demo and
 * starts the signaling server inside it. Chromium is Debian's (`/usr/bin/chromium`): no browser download.
 */
export default defineConfig({
  testDir: ".",
  testMatch: "*.spec.ts",
  globalSetup: "./global-setup.ts",
  // One worker: every spec already runs several tabs on a 2-core machine.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL: DEMO_ORIGIN,
    screenshot: "only-on-failure",
    trace: "off",
    viewport: { width: 1100, height: 760 },
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: [...WEBRTC_CHROMIUM_ARGS],
    },
  },
});
