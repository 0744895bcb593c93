import { io as connect, type Socket } from "socket.io-client";
import { RoomView } from "../src/transport/webrtc/room-view";
import type { AdmissionErrorData, SignalAck, SignalingAuth, WelcomeMessage } from "./protocol";
import { createSignalingServer, type SignalingServer, type SignalingServerOptions } from "./server";

/** Test helpers shared by the signaling server's test files: real socket.io clients on loopback. */

/** A started server and its URL. */
export interface StartedServer {
  server: SignalingServer;
  url: string;
  port: number;
}

/** Starts a server on a free loopback port. */
export async function startServer(options: SignalingServerOptions = {}): Promise<StartedServer> {
  const server = createSignalingServer({ port: 0, host: "127.0.0.1", ...options });
  const { port } = await server.listen();
  return { server, url: `http://127.0.0.1:${port}`, port };
}

type Recorded = { event: string; args: unknown[] };

/** A real socket.io client that records every event it receives, in order. */
export class TestPeer {
  readonly socket: Socket;
  readonly received: Recorded[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(
    url: string,
    auth: Partial<SignalingAuth> | Record<string, unknown>,
    extraHeaders?: Record<string, string>,
  ) {
    this.socket = connect(url, {
      transports: ["websocket"],
      auth,
      reconnection: false,
      forceNew: true,
      ...(extraHeaders === undefined ? {} : { extraHeaders }),
    });
    this.socket.onAny((event: string, ...args: unknown[]) => this.#record({ event, args }));
    this.socket.on("disconnect", (reason) => this.#record({ event: "disconnect", args: [reason] }));
    this.socket.on("connect_error", (error) => this.#record({ event: "connect_error", args: [error] }));
  }

  #record(entry: Recorded): void {
    this.received.push(entry);
    for (const wake of [...this.#waiters]) wake();
  }

  /** The payloads (first argument) of every received `event`. */
  all<T = unknown>(event: string): T[] {
    return this.received.filter((entry) => entry.event === event).map((entry) => entry.args[0] as T);
  }

  /** Waits until `predicate` holds over the received events (checked after each one). */
  until(description: string, predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out waiting for ${description}; received ${JSON.stringify(this.received)}`));
      }, timeoutMs);
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
    });
  }

  /** Waits for the `count`-th `event` matching `match` and returns it. */
  async nth<T = unknown>(event: string, count = 1, match: (payload: T) => boolean = () => true): Promise<T> {
    const matching = () => this.all<T>(event).filter(match);
    await this.until(`${count}× ${event}`, () => matching().length >= count);
    return matching()[count - 1] as T;
  }

  /**
   * The room as this client sees it: the welcome's peers, then every later notice applied in order, the way a
   * client is told to apply them (a known peer's `peer-joined` and an unknown peer's `peer-left` are no-ops).
   */
  view(): Set<string> {
    // The client library's rule for applying notices that may arrive out of order across instances.
    const room = new RoomView();
    for (const { event, args } of this.received) {
      const payload = args[0] as { peers?: string[]; peerId?: string; session?: string };
      if (event === "welcome") room.welcome(payload.peers ?? []);
      if (event === "peer-joined" && payload.peerId !== undefined) room.joined(payload.peerId, payload.session);
      if (event === "peer-left" && payload.peerId !== undefined) room.left(payload.peerId, payload.session);
    }
    return new Set(room.members());
  }

  /** Waits for the welcome. */
  welcome(): Promise<WelcomeMessage> {
    return this.nth<WelcomeMessage>("welcome");
  }

  /** Waits for the connection to be refused and returns the error's code (message) and data. */
  async refusal(): Promise<{ message: string; data: AdmissionErrorData }> {
    const error = await this.nth<Error & { data: AdmissionErrorData }>("connect_error");
    return { message: error.message, data: error.data };
  }

  /** Sends a signal and returns the ack. */
  signal(to: unknown, data: unknown): Promise<SignalAck> {
    return this.socket.timeout(5_000).emitWithAck("signal", { to, data }) as Promise<SignalAck>;
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** Connects a peer and waits for its welcome. */
export async function joinRoom(url: string, room: string, peerId: string, token?: string): Promise<TestPeer> {
  const peer = new TestPeer(url, token === undefined ? { room, peerId } : { room, peerId, token });
  await peer.welcome();
  return peer;
}

/** Polls `predicate` every 20 ms until it holds. */
export async function eventually(description: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
