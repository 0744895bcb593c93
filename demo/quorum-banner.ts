import type { DemoCluster } from "./cluster";
import { h } from "./dom";

/**
 * A banner above the board while this tab's cluster has lost its quorum (`hamok.quorum`): which voters it misses
 * and since when, and the explicit unsafe recovery (`hamok.unsafeForceNewCluster()`) for a user who knows those
 * tabs or browsers are gone for good. Hidden while the quorum is fine. While this tab stands in for dead tabs of
 * this browser (`hamok.actingFor`) it says so too.
 */
export function mountQuorumBanner(parent: HTMLElement, cluster: DemoCluster): void {
  const banner = h("div", { class: "banner error", role: "status", hidden: true });
  parent.prepend(banner);
  const render = () => {
    const { quorum, actingFor } = cluster.hamok;
    banner.replaceChildren();
    if (quorum.lost) {
      const since = quorum.since === undefined ? "" : ` since ${new Date(quorum.since).toLocaleTimeString()}`;
      banner.append(
        h("p", {}, `No quorum${since}: missing ${quorum.missingVoters.join(", ")}. Nothing can be saved meanwhile.`),
        h(
          "button",
          {
            type: "button",
            class: "danger",
            onclick: () => {
              const sure = window.confirm(
                "Re-form the cluster from this tab alone? Only if the missing tabs are gone for good: if they are " +
                  "still running somewhere, their changes and this tab's will diverge.",
              );
              if (sure) void forceNewCluster(cluster);
            },
          },
          "Continue without them (unsafe)",
        ),
      );
    } else if (actingFor.length > 0) {
      banner.append(h("p", {}, `Standing in for closed tabs ${actingFor.join(", ")} until they are removed.`));
    }
    banner.hidden = banner.childElementCount === 0;
  };
  cluster.hamok.on("quorum-changed", render);
  cluster.hamok.on("acting-for-changed", render);
  render();
}

/** The unsafe recovery, reporting a failure where the inspector shows errors. */
export async function forceNewCluster(cluster: DemoCluster): Promise<void> {
  try {
    await cluster.hamok.unsafeForceNewCluster();
  } catch (error) {
    cluster.lastError = error instanceof Error ? error.message : String(error);
    throw error;
  }
}
