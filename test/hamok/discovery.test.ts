import { EventEmitter } from "eventemitter3";
import { afterEach, describe, expect, it } from "vitest";
import type { Hamok } from "../../src/hamok";
import type { HamokMessage } from "../../src/messages/hamok-message";
import type { MemoryHubTransport } from "../../src/transport/memory-hub";
import type { HamokTransport, TransportEvents } from "../../src/transport/transport";
import { closeAll, eventually, makePeers } from "./helpers";

let peers: Hamok[] = [];
afterEach(async () => closeAll(peers));

/**
 * A hub transport whose room list is immediate but whose channels to `slow` peers open `delayInMs`
 * later (messages from them wait until then), like WebRTC data channels that open a few hundred ms
 * after the signaling server named the peer.
 */
class LateChannels implements HamokTransport<HamokMessage> {
  private readonly emitter = new EventEmitter<TransportEvents<HamokMessage>>();

  constructor(
    private readonly inner: MemoryHubTransport,
    private readonly slow: ReadonlySet<string>,
    private readonly delayInMs: number,
  ) {
    const opensAt = Date.now() + this.delayInMs;
    inner.on("message", (message) => {
      const wait = opensAt - Date.now();
      if (!this.slow.has(message.sourceId) || wait <= 0) this.emitter.emit("message", message);
      else setTimeout(() => this.emitter.emit("message", message), wait);
    });
    inner.on("peer-joined", (peerId) => this.emitter.emit("peer-joined", peerId));
    inner.on("peer-left", (peerId) => this.emitter.emit("peer-left", peerId));
  }

  open(localPeerId: string): Promise<readonly string[]> {
    return this.inner.open(localPeerId);
  }

  send(message: HamokMessage): void {
    this.inner.send(message);
  }

  members(): ReadonlySet<string> {
    return this.inner.members();
  }

  on<E extends keyof TransportEvents<HamokMessage>>(
    event: E,
    listener: (...args: TransportEvents<HamokMessage>[E]) => void,
  ): this {
    this.emitter.on(event, listener as never);
    return this;
  }

  off<E extends keyof TransportEvents<HamokMessage>>(
    event: E,
    listener: (...args: TransportEvents<HamokMessage>[E]) => void,
  ): this {
    this.emitter.off(event, listener as never);
    return this;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

describe("discovery", () => {
  it("a room member named by the transport but not heard yet keeps the others from bootstrapping a second cluster", async () => {
    const made = makePeers(3);
    peers = made.peers;
    const [first, ...rest] = peers;
    await first!.join({ transport: made.hub.transport() });
    expect(first!.leader).toBe(true);
    // p2 and p3 are told p1 is in the room at once, but hear it only 400 ms later; they hear each other at once.
    const late = new Set([first!.localPeerId]);
    await Promise.all(rest.map((p) => p.join({ transport: new LateChannels(made.hub.transport(), late, 400) })));
    expect(new Set(peers.map((p) => p.raft.clusterId)).size).toBe(1);
    await eventually(() => peers.every((p) => p.raft.voters.length === 3), 5000, "one cluster of three");
    expect(peers.filter((p) => p.leader)).toHaveLength(1);
  });

  it("waits for a silent room member until it leaves the room, then bootstraps", async () => {
    const made = makePeers(1);
    peers = made.peers;
    const ghost = made.hub.transport();
    await ghost.open("p0");
    let settled = false;
    const joining = peers[0]!.join({ transport: made.hub.transport(), fetchRemotePeerTimeoutInMs: 50, maxRetry: 0 });
    void joining.finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // maxRetry 0 ran out long ago, yet p0 is in the room: no bootstrap, no failure.
    expect(settled).toBe(false);
    expect(peers[0]!.state).toBe("idle");
    await ghost.close();
    await joining;
    expect(peers[0]!.leader).toBe(true);
  });

  it("peers joining together with late channels still form one cluster under the lowest id", async () => {
    const made = makePeers(3);
    peers = made.peers;
    const late = new Set(["p1"]);
    await Promise.all(
      peers.map((p) =>
        p.join({
          transport: new LateChannels(made.hub.transport(), late, 300),
          fetchRemotePeerTimeoutInMs: 200,
          maxRetry: 1,
        }),
      ),
    );
    expect(new Set(peers.map((p) => p.raft.clusterId)).size).toBe(1);
    await eventually(() => peers.every((p) => p.raft.voters.length === 3), 5000, "one cluster of three");
  });
});
