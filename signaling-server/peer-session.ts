import type { SignalingLogger } from "./logger";
import { measurePayload } from "./payload-size";
import { type OutboundSignal, parseOutboundSignal, type RefusalCode, type SignalAck } from "./protocol";
import { RateLimiter } from "./rate-limiter";
import {
  membersKey,
  notifyKey,
  type PeerSocket,
  peerKey,
  type RoomDirectory,
  type SignalingIo,
} from "./room-directory";
import type { TargetLimiter } from "./target-limiter";

/** The limits applied to a connected socket's events. */
export interface SessionLimits {
  maxSignalBytes: number;
  signalsPerSecond: number;
  signalBurst: number;
}

type Ack = (answer: SignalAck) => void;

/**
 * Serves one admitted socket: joins its rooms, sends `welcome`, announces it, validates and relays its events,
 * and announces its departure. Every inbound event goes through one `onAny` handler so that unknown events are
 * refused like malformed ones, and all of them count against the rate limit.
 */
export function startPeerSession(
  io: SignalingIo,
  socket: PeerSocket,
  directory: RoomDirectory,
  limits: SessionLimits,
  logger: SignalingLogger,
  targets: TargetLimiter,
): void {
  const { room, peerId } = socket.data;
  const fields = { room, peerId, socketId: socket.id };
  const limiter = new RateLimiter({
    ratePerSecond: limits.signalsPerSecond,
    burst: limits.signalBurst,
    maxRefusalsPerSecond: Math.max(limits.signalBurst, limits.signalsPerSecond),
  });

  const refuse = (ack: Ack | undefined, code: RefusalCode, message: string) => {
    if (ack !== undefined) ack({ ok: false, code, message });
    else socket.emit("refused", { code, message });
  };

  const relay = async (signal: OutboundSignal): Promise<SignalAck> => {
    // After `peer-left` went out, a queued signal would make the target talk to a peer that is gone.
    if (!socket.connected) return { ok: false, code: "unknown-peer", message: "the sender has left" };
    if (directory.isLocalPeer(room, signal.to)) {
      if (!targets.take(room, signal.to)) return targetLimited(signal.to);
      io.local.to(peerKey(room, signal.to)).emit("signal", { from: peerId, data: signal.data });
      return { ok: true };
    }
    let known: boolean;
    try {
      known = await directory.isPeer(room, signal.to);
    } catch (error) {
      // Signaling is best effort: when another instance is slow, deliver anyway rather than block the handshake.
      logger.warn("membership query failed; relaying without check", { ...fields, error: String(error) });
      known = true;
    }
    if (!known) return { ok: false, code: "unknown-peer", message: `no peer ${signal.to} in room ${room}` };
    if (!socket.connected) return { ok: false, code: "unknown-peer", message: "the sender has left" };
    if (!targets.take(room, signal.to)) return targetLimited(signal.to);
    io.to(peerKey(room, signal.to)).emit("signal", { from: peerId, data: signal.data });
    return { ok: true };
  };

  const targetLimited = (to: string): SignalAck => {
    if (!reportedTargets.has(to)) {
      reportedTargets.add(to);
      logger.warn("signals to a peer over its rate limit", { ...fields, to });
    }
    return { ok: false, code: "rate-limited", message: `too many signals to ${to}; slow down` };
  };
  /** Targets this socket was refused for, already logged: one line per (socket, target), not one per signal. */
  const reportedTargets = new Set<string>();
  /** Set once the socket is disconnected for flooding: whatever it had in flight is dropped without a word. */
  let cutOff = false;

  // Relays of one socket run one after the other, after the welcome, so that they reach the target in send order
  // (an offer before its ICE candidates) even when a membership query crosses instances.
  let queue = announce().catch((error: unknown) => logger.error("welcome failed", { ...fields, error: String(error) }));

  socket.onAny((event: unknown, ...args: unknown[]) => {
    // Events already read from the wire still arrive after a disconnect: they must not each log a line.
    if (cutOff) return;
    const last = args.at(-1);
    const ack = typeof last === "function" ? (args.pop() as Ack) : undefined;
    const decision = limiter.take();
    if (decision === "disconnect") {
      cutOff = true;
      logger.warn("disconnecting a flooding socket", fields);
      socket.emit("refused", { code: "rate-limited", message: "too many events: disconnected" });
      socket.disconnect(true);
      return;
    }
    if (decision === "refuse") return refuse(ack, "rate-limited", "too many events; slow down");
    if (event !== "signal") return refuse(ack, "unknown-event", "unknown event");
    const signal = args.length === 1 ? parseOutboundSignal(args[0]) : undefined;
    if (signal === undefined) return refuse(ack, "invalid-payload", "signal takes one argument { to, data }");
    if (signal.to === peerId) return refuse(ack, "invalid-payload", "a peer cannot signal itself");
    const size = measurePayload(signal.data, limits.maxSignalBytes);
    if (size.kind === "too-large") {
      return refuse(ack, "payload-too-large", `signal data exceeds ${limits.maxSignalBytes} bytes`);
    }
    if (size.kind === "too-deep") return refuse(ack, "invalid-payload", "signal data is nested too deeply");
    queue = queue
      .then(() => relay(signal))
      .then(
        (answer) => {
          if (ack !== undefined) ack(answer);
          else if (!answer.ok) socket.emit("refused", { code: answer.code, message: answer.message });
          logger.debug("signal", { ...fields, to: signal.to, ok: answer.ok, bytes: size.bytes });
        },
        (error: unknown) => logger.error("relay failed", { ...fields, error: String(error) }),
      );
  });

  socket.on("disconnect", (reason) => {
    // The socket has left its rooms already, so the notice reaches only the others.
    io.to(notifyKey(room)).emit("peer-left", { peerId, session: socket.id });
    logger.info("peer left", { ...fields, reason });
  });

  async function announce(): Promise<void> {
    socket.join([membersKey(room), peerKey(room, peerId)]);
    directory.advance(room, peerId, socket.id, "joined");
    let before: Map<string, string>;
    try {
      before = await otherMembers();
    } catch (error) {
      // An incomplete welcome could make a peer bootstrap a second cluster beside the real one: drop the connection
      // instead; the client reconnects with backoff.
      logger.warn("membership query failed; dropping the connection", { ...fields, error: String(error) });
      socket.disconnect(true);
      return;
    }
    if (!socket.connected) return;
    socket.emit("welcome", { peerId, room, peers: [...before.keys()] });
    socket.join(notifyKey(room));
    socket.to(notifyKey(room)).emit("peer-joined", { peerId, session: socket.id });
    logger.info("peer joined", { ...fields, peers: before.size });
    // A peer that joined or left while the welcome was on its way may have announced itself to the notify room
    // before this socket was in it: compare with a second query and send the difference.
    let after: Map<string, string>;
    try {
      after = await otherMembers();
    } catch (error) {
      logger.warn("membership query failed; skipping the welcome check", { ...fields, error: String(error) });
      return;
    }
    if (!socket.connected) return;
    for (const [other, session] of after) {
      if (before.get(other) !== session) socket.emit("peer-joined", { peerId: other, session });
    }
    for (const [other, session] of before) {
      if (after.get(other) !== session) socket.emit("peer-left", { peerId: other, session });
    }
  }

  /** The other members of the room, by peer id, with their session (socket id). */
  async function otherMembers(): Promise<Map<string, string>> {
    const members = await directory.members(room);
    return new Map(
      members.filter((member) => member.peerId !== peerId).map((member) => [member.peerId, member.socketId]),
    );
  }
}
