import type { SignalingLogger } from "./logger";
import { type AdmissionErrorCode, type AdmissionErrorData, parseAuth } from "./protocol";
import type { PeerSocket, RoomDirectory } from "./room-directory";
import { verifyRoomToken } from "./token";

/** The limits the admission check enforces. */
export interface AdmissionPolicy {
  /** When set, a valid token for the room is required. */
  secret: string | undefined;
  maxPeersPerRoom: number;
  maxClients: number;
}

/** The error a refused connection carries: socket.io turns `message` and `data` into the client's `connect_error`. */
export class AdmissionError extends Error {
  readonly data: AdmissionErrorData;

  constructor(code: AdmissionErrorCode, message: string) {
    super(code);
    this.data = { code, message };
  }
}

type Next = (error?: Error) => void;

/**
 * The connection middleware: validates `auth`, the token, and the limits, then reserves the peer id and stores
 * `{ room, peerId }` in `socket.data`. Nothing a client sends makes it throw; every refusal is an `AdmissionError`.
 */
export function createAdmission(
  policy: AdmissionPolicy,
  directory: RoomDirectory,
  logger: SignalingLogger,
): (socket: PeerSocket, next: Next) => void {
  return (socket, next) => {
    const refuse = (code: AdmissionErrorCode, message: string, fields: Record<string, string> = {}) => {
      logger.info("connection refused", { code, socketId: socket.id, ...fields });
      next(new AdmissionError(code, message));
    };
    const auth = parseAuth(socket.handshake.auth);
    if (auth === undefined) {
      refuse("invalid-auth", "auth must be { room, peerId, token? } with ids of 1-128 characters [A-Za-z0-9._:-]");
      return;
    }
    const { room, peerId } = auth;
    if (policy.secret !== undefined) {
      if (auth.token === undefined) {
        refuse("invalid-token", "this server requires a room token", { room, peerId });
        return;
      }
      const verdict = verifyRoomToken({ secret: policy.secret, room, token: auth.token });
      if (!verdict.ok) {
        refuse(verdict.code, verdict.message, { room, peerId });
        return;
      }
    }
    if (directory.localClients >= policy.maxClients) {
      refuse("server-full", "this server has reached its connection limit", { room, peerId });
      return;
    }
    if (!directory.reserve(room, peerId, socket.id)) {
      refuse("peer-id-in-use", "this peer id is connected to the room already", { room, peerId });
      return;
    }
    // The reservation lives as long as the connection: released on disconnect, or when the client gives up while
    // the membership query below is running.
    const release = () => directory.release(room, peerId, socket.id);
    socket.conn.once("close", release);
    socket.once("disconnect", release);
    directory.members(room).then(
      (members) => {
        if (socket.conn.readyState !== "open") {
          release();
          next(new AdmissionError("unavailable", "connection closed during admission"));
        } else if (members.some((member) => member.peerId === peerId)) {
          release();
          refuse("peer-id-in-use", "this peer id is connected to the room already", { room, peerId });
        } else if (directory.occupancy(room, socket.id, members) >= policy.maxPeersPerRoom) {
          release();
          refuse("room-full", "this room has reached its member limit", { room, peerId });
        } else {
          directory.advance(room, peerId, socket.id, "passed");
          socket.data = { room, peerId };
          next();
        }
      },
      (error: unknown) => {
        release();
        logger.warn("membership query failed", { room, error: String(error) });
        refuse("unavailable", "the signaling cluster did not answer in time; retry later", { room, peerId });
      },
    );
  };
}
