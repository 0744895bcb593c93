import { networkInterfaces } from "node:os";
import { fileURLToPath } from "node:url";
import { build, type PreviewServer, preview } from "vite";
import { createSignalingServer, type SignalingServer } from "../signaling-server/server";

/**
 * The servers the end-to-end suite runs against: the demo, built once with Vite and served by
 * `vite preview`, and the signaling server. Both listen on loopback; the pages use `localhost`
 * (a secure context, which IndexedDB persistence, Web Locks and WebCrypto need), and WebRTC finds the
 * veth address of the private network namespace for its ICE candidates.
 */

/** Ports inside the namespace (it has nothing else listening). */
export const DEMO_PORT = 4173;
export const SIGNAL_PORT = 8787;
export const DEMO_ORIGIN = `http://localhost:${DEMO_PORT}`;
export const SIGNAL_URL = `http://localhost:${SIGNAL_PORT}`;
/** The veth address `scripts/netns.sh` gives the namespace. */
export const NAMESPACE_ADDRESS = "10.77.0.1";

/** The running servers; `close()` stops both. */
export interface E2eServers {
  readonly signaling: SignalingServer;
  readonly demo: PreviewServer;
  close(): Promise<void>;
}

/** Fail early, with the fix, when run outside the namespace: WebRTC would find no candidate at all. */
export function assertInsideNamespace(): void {
  const addresses = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
  if (!addresses.some((address) => address.address === NAMESPACE_ADDRESS)) {
    throw new Error(
      `e2e: no interface with ${NAMESPACE_ADDRESS}: run the suite through \`bash e2e/run.sh\` ` +
        "(it creates the private network namespace WebRTC needs)",
    );
  }
}

/** Build the demo into a temporary directory and start both servers. */
export async function startE2eServers(outDir: string): Promise<E2eServers> {
  const configFile = fileURLToPath(new URL("../demo/vite.config.ts", import.meta.url));
  await build({ configFile, logLevel: "warn", build: { outDir, emptyOutDir: true, sourcemap: false } });
  const signaling = createSignalingServer({ host: "127.0.0.1", port: SIGNAL_PORT });
  await signaling.listen();
  const demo = await preview({
    configFile,
    logLevel: "warn",
    build: { outDir },
    preview: { host: "127.0.0.1", port: DEMO_PORT, strictPort: true, open: false },
  });
  return {
    signaling,
    demo,
    close: async () => {
      await demo.close();
      await signaling.close();
    },
  };
}
