import { afterEach, describe, expect, it } from "vitest";
import { isHamokError } from "../../src/errors";
import { Hamok } from "../../src/hamok";
import { HAMOK_PROTOCOL, type HamokMessage } from "../../src/messages/hamok-message";
import { PAGE_VISIBILITY_CHANNEL } from "../../src/runtime/leadership/page-lifecycle";
import { MemoryHub } from "../../src/transport/memory-hub";
import { closeAll, eventually, FAST, joinAll, leaderOf } from "./helpers";

/** A stand-in for a tab's `document` and `window`: visibility is set by the test, events are real DOM events. */
class FakePage {
  readonly document = Object.assign(new EventTarget(), { visibilityState: "visible" });
  readonly window = new EventTarget();

  setVisibility(state: "visible" | "hidden"): void {
    this.document.visibilityState = state;
    this.document.dispatchEvent(new Event("visibilitychange"));
  }

  pageHide(persisted: boolean): void {
    this.window.dispatchEvent(Object.assign(new Event("pagehide"), { persisted }));
  }
}

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

/** Three peers p1..p3 with a fake page each, joined through one memory hub. */
async function tabs(count = 3): Promise<{ pages: FakePage[]; hub: MemoryHub }> {
  const hub = new MemoryHub({ cloneMessages: true });
  const pages = Array.from({ length: count }, () => new FakePage());
  peers = pages.map((page, i) => new Hamok({ ...FAST, peerId: `p${i + 1}`, seed: i + 1, pageLifecycle: page }));
  await joinAll(hub, peers);
  await eventually(() => peers.every((peer) => peer.raft.voters.length === count), 3000, "all voters");
  return { pages, hub };
}

/** Let queued deliveries (visibility announcements) arrive. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

const at = (peer: Hamok) => peers.indexOf(peer);

describe("page lifecycle", () => {
  it("a leader whose tab turns hidden hands leadership to a visible voter, and no write is lost", async () => {
    const { pages } = await tabs();
    const maps = peers.map((peer) => peer.createMap<string, number>({ mapId: "m" }));
    const old = leaderOf(peers);
    await maps[at(old)]!.set("before", 1);
    pages[at(old)]!.setVisibility("hidden");
    await eventually(() => peers.some((peer) => peer.leader && peer !== old), 3000, "a visible leader");
    const leader = leaderOf(peers);
    await maps[at(leader)]!.set("after", 2);
    await eventually(() => maps.every((map) => map.get("before") === 1 && map.get("after") === 2), 3000, "writes");
    expect(old.leader).toBe(false);
  });

  it("a hidden leader does not hand over to hidden tabs, and does once one turns visible", async () => {
    const { pages } = await tabs();
    const leader = leaderOf(peers);
    const others = peers.filter((peer) => peer !== leader);
    for (const peer of others) pages[at(peer)]!.setVisibility("hidden");
    await settle();
    pages[at(leader)]!.setVisibility("hidden");
    // Several election timeouts' worth of heartbeats in which a hand-over to a hidden tab would have happened.
    await new Promise((resolve) => setTimeout(resolve, 3 * FAST.electionTimeoutInMs!));
    expect(leaderOf(peers)).toBe(leader);
    const visible = others[1]!;
    pages[at(visible)]!.setVisibility("visible");
    await eventually(() => visible.leader, 3000, "the visible tab leads");
  });

  it("a hidden tab that gains leadership hands it on to a visible one", async () => {
    const { pages } = await tabs();
    const leader = leaderOf(peers);
    const hidden = peers.find((peer) => peer !== leader)!;
    pages[at(hidden)]!.setVisibility("hidden");
    await settle();
    // The only way to make a given tab win here: hand it leadership explicitly.
    await leader.transferLeadership(hidden.localPeerId);
    await eventually(() => peers.some((peer) => peer.leader && peer !== hidden), 3000, "a visible leader again");
    expect(hidden.leader).toBe(false);
  });

  it("a frozen leader hands over at once; after resume it counts as visible again", async () => {
    const { pages } = await tabs();
    const frozen = leaderOf(peers);
    pages[at(frozen)]!.document.dispatchEvent(new Event("freeze"));
    await eventually(() => peers.some((peer) => peer.leader && peer !== frozen), 3000, "another leader");
    pages[at(frozen)]!.document.dispatchEvent(new Event("resume"));
    await settle();
    // The resumed tab is a valid target again: the others, hidden now, hand leadership to it.
    for (const peer of peers.filter((p) => p !== frozen)) pages[at(peer)]!.setVisibility("hidden");
    await eventually(() => frozen.leader, 3000, "the resumed tab leads");
  });

  it("pagehide leaves the cluster; a pagehide into the back/forward cache only hands leadership over", async () => {
    const { pages } = await tabs();
    const leader = leaderOf(peers);
    pages[at(leader)]!.pageHide(true);
    await eventually(() => peers.some((peer) => peer.leader && peer !== leader), 3000, "a new leader");
    expect(leader.raft.voters).toContain(leader.localPeerId);
    const gone = peers.find((peer) => !peer.leader && peer !== leader)!;
    const left = new Promise<void>((resolve) => gone.once("left", resolve));
    pages[at(gone)]!.pageHide(false);
    await left;
    await eventually(
      () => peers.filter((peer) => peer !== gone).every((peer) => !peer.raft.voters.includes(gone.localPeerId)),
      3000,
      "the others removed it",
    );
  });

  it("in Node (no document) pageLifecycle: true changes nothing", async () => {
    expect((globalThis as { document?: unknown }).document).toBeUndefined();
    const hub = new MemoryHub({ cloneMessages: true });
    peers = [1, 2].map((i) => new Hamok({ ...FAST, peerId: `n${i}`, seed: i, pageLifecycle: true }));
    const announcements: HamokMessage[] = [];
    for (const peer of peers) {
      peer.on("message", (message) => {
        if (message.type === "storage" && message.storageId === PAGE_VISIBILITY_CHANNEL) announcements.push(message);
      });
    }
    await joinAll(hub, peers);
    const leader = leaderOf(peers);
    await settle();
    expect(announcements).toEqual([]);
    expect(leaderOf(peers)).toBe(leader);
  });
});

describe("transferLeadership", () => {
  it("moves leadership to the named voter, or to another voter when none is named", async () => {
    await tabs();
    const first = leaderOf(peers);
    const target = peers.find((peer) => peer !== first)!;
    await first.transferLeadership(target.localPeerId);
    expect(target.leader).toBe(true);
    await target.transferLeadership();
    expect(target.leader).toBe(false);
    await eventually(() => peers.filter((peer) => peer.leader).length === 1, 3000, "one leader");
  });

  it("rejects NotLeader on a follower and InvalidArgument for a target that is not another voter", async () => {
    await tabs();
    const leader = leaderOf(peers);
    const follower = peers.find((peer) => peer !== leader)!;
    await expect(follower.transferLeadership(leader.localPeerId)).rejects.toSatisfy((e) =>
      isHamokError(e, "NotLeader"),
    );
    await expect(leader.transferLeadership("nobody")).rejects.toSatisfy((e) => isHamokError(e, "InvalidArgument"));
    await expect(leader.transferLeadership(leader.localPeerId)).rejects.toSatisfy((e) =>
      isHamokError(e, "InvalidArgument"),
    );
    expect(leader.leader).toBe(true);
  });
});

describe("page visibility announcements take the one validated inbound path", () => {
  it("an announcement that validation drops changes nothing: the hidden leader still hands over to that peer", async () => {
    const { pages } = await tabs(2);
    const leader = leaderOf(peers);
    const other = peers.find((peer) => peer !== leader)!;
    const errors: string[] = [];
    leader.on("error", (error) => errors.push(error.message));
    // A well-formed visibility announcement from the other peer, but larger than the leader accepts.
    const pad = "x".repeat(leader.config.maxMessageBytes);
    leader.accept({
      protocol: HAMOK_PROTOCOL,
      type: "storage",
      sourceId: other.localPeerId,
      clusterId: leader.raft.clusterId,
      storageId: PAGE_VISIBILITY_CHANNEL,
      payload: { hidden: true, pad },
    });
    expect(errors.some((message) => message.startsWith("dropped an inbound message"))).toBe(true);
    pages[at(leader)]!.setVisibility("hidden");
    await eventually(() => other.leader, 3000, "the other (visible) tab leads");
  });
});
