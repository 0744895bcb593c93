import { afterEach, describe, expect, it } from "vitest";
import type { LogFields, SignalingLogger } from "./logger";
import type { InboundSignal, SignalAck } from "./protocol";
import { SIGNALING_DEFAULTS } from "./server";
import { TargetLimiter } from "./target-limiter";
import { joinRoom, type StartedServer, startServer, type TestPeer } from "./test-support";

function recordingLogger(): SignalingLogger & { lines: { level: string; msg: string; fields?: LogFields }[] } {
  const lines: { level: string; msg: string; fields?: LogFields }[] = [];
  const at =
    (level: string) =>
    (msg: string, fields?: LogFields): void => {
      lines.push({ level, msg, ...(fields === undefined ? {} : { fields }) });
    };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

describe("signaling server: per-target limits and log volume", () => {
  const servers: StartedServer[] = [];
  const peers: TestPeer[] = [];
  afterEach(async () => {
    for (const peer of peers.splice(0)) peer.close();
    await Promise.all(servers.splice(0).map((started) => started.server.close()));
  });
  const join = async (started: StartedServer, room: string, peerId: string) => {
    const peer = await joinRoom(started.url, room, peerId);
    peers.push(peer);
    return peer;
  };

  it("bounds what many sockets together aim at one peer, and other peers stay reachable", async () => {
    const logger = recordingLogger();
    const started = await startServer({ targetSignalBurst: 20, targetSignalsPerSecond: 1, logger });
    servers.push(started);
    const victim = await join(started, "crowd", "victim");
    const bystander = await join(started, "crowd", "bystander");
    const senders = await Promise.all(Array.from({ length: 10 }, (_, i) => join(started, "crowd", `s${i}`)));
    const begun = Date.now();
    const acks: SignalAck[] = await Promise.all(
      senders.flatMap((sender) => Array.from({ length: 10 }, (_, i) => sender.signal("victim", i))),
    );
    const allowance = 20 + Math.ceil((Date.now() - begun) / 1000);
    const delivered = acks.filter((ack) => ack.ok).length;
    // Each sender stayed far below its own limit (10 of a burst of 200), yet together they hit the target's.
    expect(delivered).toBeGreaterThanOrEqual(20);
    expect(delivered).toBeLessThanOrEqual(allowance);
    expect(acks.filter((ack) => !ack.ok).every((ack) => !ack.ok && ack.code === "rate-limited")).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(victim.all<InboundSignal>("signal").length).toBe(delivered);
    expect(await senders[0]!.signal("bystander", "hi")).toEqual({ ok: true });
    expect(await bystander.nth<InboundSignal>("signal")).toEqual({ from: "s0", data: "hi" });
    // One warning per (sender, target), not one per refused signal.
    const warnings = logger.lines.filter((line) => line.msg === "signals to a peer over its rate limit");
    expect(warnings.length).toBeLessThanOrEqual(senders.length);
    expect(new Set(warnings.map((line) => line.fields?.peerId)).size).toBe(warnings.length);
  });

  it("logs one line for a flooding socket, however much it had in flight when it was cut off", async () => {
    const logger = recordingLogger();
    const started = await startServer({ signalBurst: 10, signalsPerSecond: 5, logger });
    servers.push(started);
    await join(started, "flood", "victim");
    const flooder = await join(started, "flood", "flooder");
    for (let i = 0; i < 2000; i++) flooder.socket.emit("signal", { to: "victim", data: i });
    await flooder.nth("disconnect");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const floods = logger.lines.filter((line) => line.msg === "disconnecting a flooding socket");
    expect(floods).toHaveLength(1);
    expect(logger.lines.filter((line) => line.level === "warn" || line.level === "error").length).toBe(1);
  });

  it("defaults leave room for a full room handshaking with a newcomer", async () => {
    // About 63 peers × (one offer or answer + a dozen ICE candidates) within a burst.
    expect(SIGNALING_DEFAULTS.targetSignalBurst).toBeGreaterThanOrEqual(63 * 13);
    await expect(startServer({ targetSignalBurst: 0 })).rejects.toThrow(/targetSignalBurst/);
  });
});

describe("TargetLimiter", () => {
  it("refills at the sustained rate and keeps targets apart", () => {
    let now = 0;
    const limiter = new TargetLimiter({ ratePerSecond: 2, burst: 3, now: () => now });
    expect([1, 2, 3, 4].map(() => limiter.take("r", "a"))).toEqual([true, true, true, false]);
    expect(limiter.take("r", "b")).toBe(true);
    expect(limiter.take("other-room", "a")).toBe(true);
    now = 500;
    expect([limiter.take("r", "a"), limiter.take("r", "a")]).toEqual([true, false]);
  });

  it("forgets idle targets, so memory stays bounded", () => {
    let now = 0;
    const limiter = new TargetLimiter({ ratePerSecond: 10, burst: 5, now: () => now });
    for (let i = 0; i < 10_000; i++) {
      limiter.take("r", `peer-${i}`);
      now += 1;
    }
    expect(limiter.size).toBeLessThanOrEqual(4096);
  });
});
