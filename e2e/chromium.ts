/**
 * How every browser run of the project starts Chromium: Debian's build (Playwright cannot download its own
 * browser here), headless-friendly flags, and no background traffic to the network (the machine may reach
 * nothing but loopback and namespaces it creates). Used by the e2e suite, the Vitest browser project and the
 * browser benchmarks.
 */

/** The Chromium binary: `HAMOK_CHROMIUM`, else Debian's `/usr/bin/chromium`. */
export const CHROMIUM_PATH = process.env.HAMOK_CHROMIUM ?? "/usr/bin/chromium";

/** Flags for running as root in a container, without GPU, and without Chromium's own network chatter. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Tabs must see each other's real (namespace) host candidates, not mDNS names nobody here resolves. */
export const WEBRTC_CHROMIUM_ARGS: readonly string[] = [
  ...CHROMIUM_ARGS,
  "--disable-features=WebRtcHideLocalIpsWithMdns",
];
