import { Hamok } from "../src/index";

/**
 * The README's zero-configuration page: `new Hamok().join()` with nothing else, so that the e2e suite exercises
 * exactly the defaults an app gets (transport, persistence, page lifecycle). `window.hamokZero` is what the
 * specs drive and read.
 */
export interface ZeroConfigHook {
  readonly hamok: Hamok;
  readonly joined: Promise<void>;
  /** Role, term, leader and configuration, as plain data. */
  view(): { peerId: string; role: string; term: number; leaderId: string | undefined; voters: readonly string[] };
  /** Set a key of the shared map; resolves once committed and applied here. */
  set(key: string, value: string): Promise<void>;
  /** The shared map, sorted by key. */
  entries(): Array<[string, string]>;
}

declare global {
  interface Window {
    hamokZero?: ZeroConfigHook;
  }
}

const hamok = new Hamok();
const map = hamok.createMap<string, string>({ mapId: "zero-config" });
const joined = hamok.join();
window.hamokZero = {
  hamok,
  joined,
  view: () => {
    const raft = hamok.raft;
    return {
      peerId: hamok.localPeerId,
      role: raft.state,
      term: raft.term,
      leaderId: raft.leaderId,
      voters: raft.voters,
    };
  },
  set: async (key, value) => {
    await map.set(key, value);
  },
  entries: () => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
};
const status = document.getElementById("status");
const render = () => {
  if (status !== null) status.textContent = JSON.stringify(window.hamokZero?.view(), null, 2);
};
hamok.on("state-changed", render);
hamok.on("leader-changed", render);
joined.then(render, (error: unknown) => {
  if (status !== null) status.textContent = `join failed: ${String(error)}`;
});
