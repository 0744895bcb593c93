import type { DemoCluster } from "./cluster";

/**
 * A job exactly one tab runs: the leader. Every few seconds it trims the activity feed to
 * `feedLength` entries and stamps the board with when and by whom that happened, so every tab can
 * see which peer did it. Followers skip the job; after a failover the new leader takes it over.
 */
export function runLeaderHousekeeping(cluster: DemoCluster): () => void {
  let running = false;
  const sweep = async () => {
    const { hamok, activity, board, config } = cluster;
    if (running || !hamok.leader) return;
    running = true;
    try {
      while (hamok.leader && activity.size > config.feedLength) await activity.pop();
      if (hamok.leader) {
        await board.set("sweptAt", Date.now());
        await board.set("sweptBy", hamok.localPeerId);
      }
    } catch {
      // Lost leadership or a timeout midway: the next leader sweeps again; nothing here needs undoing.
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), cluster.config.sweepEveryMs);
  const onLeader = () => void sweep();
  cluster.hamok.on("leader", onLeader);
  return () => {
    clearInterval(timer);
    cluster.hamok.off("leader", onLeader);
  };
}
