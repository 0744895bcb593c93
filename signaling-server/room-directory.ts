import type { Server, Socket } from "socket.io";
import type { PeerSocketData, ServerToClientEvents } from "./protocol";

/** Inbound events are untyped on purpose: every one goes through a single validating `onAny` handler. */
type NoEvents = Record<string, never>;

/** The socket.io server of the signaling server. */
export type SignalingIo = Server<NoEvents, ServerToClientEvents, NoEvents, PeerSocketData>;

/** A socket of the signaling server. */
export type PeerSocket = Socket<NoEvents, ServerToClientEvents, NoEvents, PeerSocketData>;

/** How long a cluster-wide membership query may take before it fails (the adapter waits for every instance). */
export const MEMBERSHIP_QUERY_TIMEOUT_MS = 2_000;

/*
 * socket.io rooms used per signaling room. Ids never contain "/" (see `isValidId`), so these names are unambiguous.
 * - members: every admitted socket of the room; the source of truth for welcome lists and duplicate peer ids.
 * - notify: sockets that already got their `welcome`; `peer-joined` / `peer-left` go here so that `welcome` is
 *   always the first event a client sees.
 * - peer: the one socket of a peer id, the target of relays.
 */

/** The socket.io room holding every admitted socket of `room`. */
export function membersKey(room: string): string {
  return `members/${room}`;
}

/** The socket.io room receiving `peer-joined` / `peer-left` of `room`. */
export function notifyKey(room: string): string {
  return `notify/${room}`;
}

/** The socket.io room holding the socket of `peerId` in `room`. */
export function peerKey(room: string, peerId: string): string {
  return `peer/${room}/${peerId}`;
}

/** A member of a room as a membership query returns it. */
export interface RoomMember {
  socketId: string;
  peerId: string;
}

type ReservationState = "admitting" | "passed" | "joined";

/**
 * Membership queries over the socket.io rooms, valid across instances when a cluster adapter is installed
 * (`fetchSockets` asks every instance), plus this instance's reservations of (room, peer id) pairs, which make
 * duplicate ids and room limits exact among the connections of one instance even when they arrive together.
 */
export class RoomDirectory {
  readonly #io: SignalingIo;
  /** `peer/room/peerId` key → the socket holding it on this instance and how far its admission got. */
  readonly #reservations = new Map<string, { socketId: string; room: string; state: ReservationState; seq: number }>();
  #nextSeq = 0;

  constructor(io: SignalingIo) {
    this.#io = io;
  }

  /** Sockets admitting or connected on this instance. */
  get localClients(): number {
    return this.#reservations.size;
  }

  /** Distinct rooms with a connected socket on this instance. */
  get localRooms(): number {
    let rooms = 0;
    for (const name of this.#io.of("/").adapter.rooms.keys()) {
      if (name.startsWith("members/")) rooms += 1;
    }
    return rooms;
  }

  /** Reserves `peerId` in `room` for `socketId` on this instance; false when another socket holds it. */
  reserve(room: string, peerId: string, socketId: string): boolean {
    const key = peerKey(room, peerId);
    if (this.#reservations.has(key)) return false;
    this.#reservations.set(key, { socketId, room, state: "admitting", seq: this.#nextSeq++ });
    return true;
  }

  /** Moves a reservation on: `passed` once admission accepted it, `joined` once the socket is in its rooms. */
  advance(room: string, peerId: string, socketId: string, state: "passed" | "joined"): void {
    const reservation = this.#reservations.get(peerKey(room, peerId));
    if (reservation?.socketId === socketId) reservation.state = state;
  }

  /** Releases a reservation if `socketId` still holds it (idempotent). */
  release(room: string, peerId: string, socketId: string): void {
    const key = peerKey(room, peerId);
    if (this.#reservations.get(key)?.socketId === socketId) this.#reservations.delete(key);
  }

  /**
   * How many peers `room` holds for the admission of `socketId`: the members on other instances (from `members`,
   * a cluster-wide query), the members joined here now (the query may predate them), and the connections here that
   * passed admission but have not joined yet, or that arrived earlier and are still being admitted.
   */
  occupancy(room: string, socketId: string, members: readonly RoomMember[]): number {
    const local = this.#io.of("/").sockets;
    let count = members.filter((member) => !local.has(member.socketId)).length;
    count += this.#io.of("/").adapter.rooms.get(membersKey(room))?.size ?? 0;
    let seq = Number.POSITIVE_INFINITY;
    for (const reservation of this.#reservations.values()) {
      if (reservation.socketId === socketId) seq = reservation.seq;
    }
    for (const reservation of this.#reservations.values()) {
      if (reservation.room !== room || reservation.socketId === socketId) continue;
      if (reservation.state === "passed" || (reservation.state === "admitting" && reservation.seq < seq)) count += 1;
    }
    return count;
  }

  /** The members of `room` on every instance. Rejects when an instance does not answer in time. */
  async members(room: string): Promise<RoomMember[]> {
    const sockets = await this.#io.timeout(MEMBERSHIP_QUERY_TIMEOUT_MS).in(membersKey(room)).fetchSockets();
    return sockets.map((socket) => ({ socketId: socket.id, peerId: socket.data.peerId }));
  }

  /** Whether `peerId` has a socket in `room` on this instance. */
  isLocalPeer(room: string, peerId: string): boolean {
    return (this.#io.of("/").adapter.rooms.get(peerKey(room, peerId))?.size ?? 0) > 0;
  }

  /** Whether `peerId` has a socket in `room` on any instance. Rejects when an instance does not answer in time. */
  async isPeer(room: string, peerId: string): Promise<boolean> {
    if (this.isLocalPeer(room, peerId)) return true;
    const sockets = await this.#io.timeout(MEMBERSHIP_QUERY_TIMEOUT_MS).in(peerKey(room, peerId)).fetchSockets();
    return sockets.length > 0;
  }
}
