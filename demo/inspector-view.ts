import type { DemoCluster } from "./cluster";
import { h } from "./dom";
import { perFrame } from "./frame-scheduler";
import { inspectCluster } from "./inspect";
import { shortId } from "./model";

/** How often the inspector refreshes on its own (commit and log indexes, terms, traffic). */
const REFRESH_MS = 250;

/** The live cluster inspector: this tab's Raft state, the members, the traffic. */
export function mountInspector(root: HTMLElement, cluster: DemoCluster): void {
  const body = h("div", { class: "inspector-body" });
  root.append(h("h2", {}, "Cluster inspector"), body);

  const render = perFrame(() => {
    const view = inspectCluster(cluster);
    const row = (label: string, value: string | number, testId?: string) =>
      h("tr", {}, h("th", {}, label), h("td", testId === undefined ? {} : { "data-testid": testId }, String(value)));
    const self = h(
      "table",
      { class: "facts" },
      row("Peer id", shortId(view.peerId), "inspector-peer-id"),
      row("Room", view.room),
      row("Connection", view.phase, "inspector-phase"),
      h(
        "tr",
        {},
        h("th", {}, "Role"),
        h("td", {}, h("span", { class: `badge ${view.role}`, "data-testid": "inspector-role" }, view.role)),
      ),
      row("Term", view.term, "inspector-term"),
      row("Leader", view.leaderId === view.peerId ? "this tab" : shortId(view.leaderId), "inspector-leader"),
      row("Commit index", view.commitIndex, "inspector-commit"),
      row("Applied index", view.appliedIndex),
      row("Log", `${view.logSize} entries (${view.firstIndex}…${view.lastIndex})`),
      row("Snapshot index", view.snapshotIndex),
      row("IndexedDB", `${view.storedEntries} entries, snapshot @ ${view.storedSnapshotIndex}`),
      row(
        "Peer id origin",
        view.adoptedPeerId ? "adopted a closed tab's" : view.reusedPeerId ? "kept after reload" : "new",
      ),
      row("Messages", `${view.messagesSent} sent · ${view.messagesReceived} received`),
    );
    const peers = h(
      "table",
      { class: "peers", "data-testid": "inspector-peers" },
      h("tr", {}, h("th", {}, "Peer"), h("th", {}, "Role"), h("th", {}, "Channel")),
      ...view.peers.map((peer) =>
        h(
          "tr",
          { class: peer.self ? "self" : "" },
          h("td", { title: peer.peerId }, shortId(peer.peerId), peer.self ? " (this tab)" : ""),
          h("td", {}, h("span", { class: `badge ${peer.role}` }, peer.role)),
          h("td", {}, peer.self ? "—" : peer.connected ? "open" : "closed"),
        ),
      ),
    );
    body.replaceChildren(
      self,
      h("h3", {}, `Members (${view.voters.length} voters, ${view.learners.length} learners)`),
      peers,
      ...(view.lastError === undefined ? [] : [h("p", { class: "error" }, `Last error: ${view.lastError}`)]),
    );
  });

  // Role, leader and members show at once; commit and log counters move with every write and refresh on
  // the interval: a burst of commits costs the inspector nothing between two refreshes.
  for (const event of ["state-changed", "leader-changed", "remote-peer-joined", "remote-peer-left"] as const) {
    cluster.hamok.on(event, render);
  }
  setInterval(render, REFRESH_MS);
  render();
}
