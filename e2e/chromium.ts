/**
 * How every browser run of the project starts Chromium: Debian's build (Playwright cannot download its own
 * browser here), headless-friendly flags, and no background traffic to the network (the machine may reach
 * nothing but loopback and namespaces it creates). Used by the e2e suite, the Vitest browser project, the
 * browser benchmarks and the screenshot script; `e2e/network-silence.spec.ts` records a net-log of a
 * cluster run with these flags and fails if the browser contacted or looked up any other host.
 */

/** The Chromium binary: `HAMOK_CHROMIUM`, else Debian's `/usr/bin/chromium`. */
export const CHROMIUM_PATH = process.env.HAMOK_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Every host name resolves to "not found" except loopback's. `--disable-background-networking` and
 * `--disable-component-update` alone still leave DNS lookups and connection attempts to Google's update and
 * account hosts in a net-log. The rule maps IP literals in URLs too (a page at `http://10.77.0.1:...` would not
 * load), but WebRTC's ICE traffic to the namespace's IP-literal candidates never goes through the host resolver,
 * so the namespace needs no exception as long as pages load from `localhost` (their origin: a secure context).
 */
export const HOST_RESOLVER_RULES = "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost";

/** Flags for running as root in a container, without GPU, and without Chromium's own network chatter. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  `--host-resolver-rules=${HOST_RESOLVER_RULES}`,
  "--no-pings",
  "--disable-domain-reliability",
  "--disable-client-side-phishing-detection",
  "--no-first-run",
  "--metrics-recording-only",
];

/** Tabs must see each other's real (namespace) host candidates, not mDNS names nobody here resolves. */
export const WEBRTC_CHROMIUM_ARGS: readonly string[] = [
  ...CHROMIUM_ARGS,
  "--disable-features=WebRtcHideLocalIpsWithMdns",
];
