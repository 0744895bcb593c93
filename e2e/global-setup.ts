import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertInsideNamespace, startE2eServers } from "./servers";

/** Playwright global setup: check the namespace, build the demo, start the servers; returns the teardown. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  assertInsideNamespace();
  const outDir = await mkdtemp(join(tmpdir(), "hamok-e2e-demo-"));
  const servers = await startE2eServers(outDir);
  return async () => {
    await servers.close();
    await rm(outDir, { recursive: true, force: true });
  };
}
