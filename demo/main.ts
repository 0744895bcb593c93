import "./style.css";
import { mountBoard } from "./board-view";
import { createDemoCluster, joinCluster } from "./cluster";
import { readDemoConfig } from "./config";
import { h } from "./dom";
import { runLeaderHousekeeping } from "./housekeeping";
import { mountInspector } from "./inspector-view";
import { mountQuorumBanner } from "./quorum-banner";
import { installTestHook } from "./test-hook";

/** The demo's entry: claim a peer id, build the peer, show the board and inspector, join the cluster. */
async function main(): Promise<void> {
  const config = readDemoConfig(location.search, location.hostname);
  const cluster = await createDemoCluster(config);
  const app = document.getElementById("app");
  const inspector = document.getElementById("inspector");
  if (app === null || inspector === null) throw new Error("index.html lacks #app or #inspector");
  mountBoard(app, cluster);
  mountQuorumBanner(app, cluster);
  mountInspector(inspector, cluster);
  const joined = joinCluster(cluster);
  installTestHook(cluster, joined);
  runLeaderHousekeeping(cluster);
  await joined;
}

main().catch((error: unknown) => {
  console.error(error);
  document.body.prepend(h("p", { class: "error banner", role: "alert" }, `The demo failed to start: ${String(error)}`));
});
