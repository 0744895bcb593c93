import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./e2e/chromium";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/**/*.test.ts", "signaling-server/**/*.test.ts"],
          exclude: ["test/browser/**", "node_modules/**"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        // Pre-bundled up front: otherwise Vite discovers them on the first import and reloads the test page.
        optimizeDeps: { include: ["eventemitter3", "idb"] },
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
          // One page for all files: a persistent (on-disk) profile cannot be shared by parallel sessions.
          fileParallelism: false,
          browser: {
            enabled: true,
            headless: true,
            // Debian's Chromium: Playwright's own browser download does not work here.
            provider: playwright({
              // On-disk profile: the default (incognito-like) context keeps IndexedDB in memory, not on disk as users have it.
              persistentContext: true,
              launchOptions: {
                executablePath: CHROMIUM_PATH,
                args: [...CHROMIUM_ARGS],
              },
            }),
            instances: [{ browser: "chromium" }],
          },
        },
      },
    ],
  },
});
