import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { InboundSignal, PeerNotice } from "./protocol";
import { joinRoom, type StartedServer, startServer, TestPeer } from "./test-support";

describe("signaling server: rooms and relays", () => {
  let started: StartedServer;
  const peers: TestPeer[] = [];
  const join = async (room: string, peerId: string) => {
    const peer = await joinRoom(started.url, room, peerId);
    peers.push(peer);
    return peer;
  };

  beforeAll(async () => {
    started = await startServer();
  });
  afterEach(() => {
    for (const peer of peers.splice(0)) peer.close();
  });
  afterAll(async () => {
    await started.server.close();
  });

  it("welcomes a peer with the other members of its room only", async () => {
    const alice = await join("r1", "alice");
    expect(await alice.welcome()).toEqual({ peerId: "alice", room: "r1", peers: [] });
    await join("r1", "bob");
    await join("other-room", "carol");
    const dave = await join("r1", "dave");
    const welcome = await dave.welcome();
    expect(welcome.room).toBe("r1");
    expect([...welcome.peers].sort()).toEqual(["alice", "bob"]);
  });

  it("makes welcome the first event a client receives", async () => {
    await join("first", "a");
    const b = await join("first", "b");
    expect(b.received[0]?.event).toBe("welcome");
  });

  it("gives every peer the same view of a room when many join at once", async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `p${i}`);
    const crowd = ids.map((peerId) => new TestPeer(started.url, { room: "crowd", peerId }));
    peers.push(...crowd);
    await Promise.all(
      crowd.map((peer, i) =>
        peer.until(`p${i} to see everyone`, () => {
          const others = ids.filter((id) => id !== ids[i]);
          return JSON.stringify([...peer.view()].sort()) === JSON.stringify(others);
        }),
      ),
    );
    for (const peer of crowd) expect(peer.received[0]?.event).toBe("welcome");
  });

  it("announces arrivals and departures to the room, not to other rooms", async () => {
    const alice = await join("r2", "alice");
    const stranger = await join("r2-other", "stranger");
    const bob = await join("r2", "bob");
    expect(await alice.nth<PeerNotice>("peer-joined")).toMatchObject({ peerId: "bob", session: expect.any(String) });
    bob.close();
    expect(await alice.nth<PeerNotice>("peer-left")).toMatchObject({ peerId: "bob", session: expect.any(String) });
    expect(stranger.all("peer-joined")).toEqual([]);
    expect(stranger.all("peer-left")).toEqual([]);
    // bob's own view never contained a notice about himself.
    expect(bob.all<PeerNotice>("peer-joined").map((notice) => notice.peerId)).not.toContain("bob");
  });

  it("relays a signal to a room member with the sender's id, in send order", async () => {
    const alice = await join("r3", "alice");
    const bob = await join("r3", "bob");
    const offer = { type: "offer", sdp: "v=0\r\n..." };
    expect(await alice.signal("bob", offer)).toEqual({ ok: true });
    for (let i = 0; i < 20; i++) alice.socket.emit("signal", { to: "bob", data: { candidate: i } });
    const last = await bob.nth<InboundSignal>("signal", 21);
    expect(last).toEqual({ from: "alice", data: { candidate: 19 } });
    expect(bob.all<InboundSignal>("signal")[0]).toEqual({ from: "alice", data: offer });
    expect(bob.all<InboundSignal>("signal").map((signal) => (signal.data as { candidate?: number }).candidate)).toEqual(
      [undefined, ...Array.from({ length: 20 }, (_, i) => i)],
    );
  });

  it("relays binary data", async () => {
    const alice = await join("r-bin", "alice");
    const bob = await join("r-bin", "bob");
    expect(await alice.signal("bob", { iv: new Uint8Array([1, 2, 3]) })).toEqual({ ok: true });
    const { data } = await bob.nth<InboundSignal>("signal");
    expect(new Uint8Array((data as { iv: ArrayBuffer }).iv)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("refuses relays to unknown peers and to peers of other rooms", async () => {
    const alice = await join("r4", "alice");
    const outsider = await join("r4-elsewhere", "bob");
    expect(await alice.signal("bob", { x: 1 })).toMatchObject({ ok: false, code: "unknown-peer" });
    expect(await alice.signal("nobody", { x: 1 })).toMatchObject({ ok: false, code: "unknown-peer" });
    expect(outsider.all("signal")).toEqual([]);
  });

  it("refuses a relay to a peer that has left", async () => {
    const alice = await join("r5", "alice");
    const bob = await join("r5", "bob");
    bob.close();
    await alice.nth("peer-left");
    expect(await alice.signal("bob", { x: 1 })).toMatchObject({ ok: false, code: "unknown-peer" });
  });

  it("refuses a duplicate peer id in a room while the first is connected, and admits it after it left", async () => {
    const first = await join("r6", "same");
    const second = new TestPeer(started.url, { room: "r6", peerId: "same" });
    peers.push(second);
    const refusal = await second.refusal();
    expect(refusal.message).toBe("peer-id-in-use");
    expect(refusal.data.code).toBe("peer-id-in-use");
    expect(first.socket.connected).toBe(true);
    // The same id in another room is another peer.
    await join("r6-other", "same");
    first.close();
    const third = await join("r6", "same");
    expect((await third.welcome()).peers).toEqual([]);
  });

  it("refuses concurrent connections with one peer id: exactly one wins", async () => {
    const contenders = Array.from({ length: 4 }, () => new TestPeer(started.url, { room: "r7", peerId: "twin" }));
    peers.push(...contenders);
    const outcomes = await Promise.all(
      contenders.map(async (peer) => {
        await peer.until("welcome or refusal", () => peer.all("welcome").length + peer.all("connect_error").length > 0);
        return peer.all("welcome").length > 0 ? "welcome" : (await peer.refusal()).message;
      }),
    );
    expect(outcomes.filter((outcome) => outcome === "welcome")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === "peer-id-in-use")).toHaveLength(3);
  });

  it("refuses malformed auth with invalid-auth", async () => {
    const cases: Record<string, unknown>[] = [
      {},
      { room: "r8" },
      { peerId: "p" },
      { room: "", peerId: "p" },
      { room: "r8", peerId: "has space" },
      { room: "r/8", peerId: "p" },
      { room: "r8", peerId: "x".repeat(129) },
      { room: 5, peerId: "p" },
      { room: "r8", peerId: "p", token: 12 },
    ];
    for (const auth of cases) {
      const peer = new TestPeer(started.url, auth);
      peers.push(peer);
      const refusal = await peer.refusal();
      expect(refusal, JSON.stringify(auth)).toEqual({
        message: "invalid-auth",
        data: { code: "invalid-auth", message: expect.any(String) },
      });
    }
    // The longest valid id is accepted.
    await join("r8", "x".repeat(128));
  });
});
