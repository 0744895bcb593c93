import { afterEach, describe, expect, it } from "vitest";
import { createJsonLogger } from "./logger";
import { eventually, joinRoom, type StartedServer, startServer, TestPeer } from "./test-support";
import { createRoomToken } from "./token";

describe("signaling server: admission", () => {
  const servers: StartedServer[] = [];
  const peers: TestPeer[] = [];
  const start = async (options: Parameters<typeof startServer>[0]) => {
    const started = await startServer(options);
    servers.push(started);
    return started;
  };
  const peer = (url: string, auth: Record<string, unknown>, headers?: Record<string, string>) => {
    const created = new TestPeer(url, auth, headers);
    peers.push(created);
    return created;
  };

  afterEach(async () => {
    for (const created of peers.splice(0)) created.close();
    await Promise.all(servers.splice(0).map((started) => started.server.close()));
  });

  it("admits a valid token for the room and refuses missing, invalid and expired ones with their codes", async () => {
    const lines: string[] = [];
    const secret = "correct horse battery staple";
    const { url } = await start({
      secret,
      logger: createJsonLogger({ level: "debug", write: (line) => lines.push(line) }),
    });
    const valid = createRoomToken({ secret, room: "team", ttlSeconds: 60 });
    const admitted = await joinRoom(url, "team", "alice", valid);
    peers.push(admitted);
    expect((await admitted.welcome()).peers).toEqual([]);

    const expired = createRoomToken({ secret, room: "team", ttlSeconds: 60, now: Date.now() - 120_000 });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ room: "team", peerId: "bob" }, "invalid-token"],
      [{ room: "team", peerId: "bob", token: "garbage" }, "invalid-token"],
      [
        { room: "team", peerId: "bob", token: createRoomToken({ secret: "wrong", room: "team", ttlSeconds: 60 }) },
        "invalid-token",
      ],
      [{ room: "other", peerId: "bob", token: valid }, "invalid-token"],
      [{ room: "team", peerId: "bob", token: expired }, "token-expired"],
    ];
    for (const [auth, code] of cases) {
      const refusal = await peer(url, auth).refusal();
      expect(refusal.message, JSON.stringify(auth)).toBe(code);
      expect(refusal.data).toEqual({ code, message: expect.any(String) });
    }
    expect(admitted.all("peer-joined")).toEqual([]);
    // Logs are JSON lines with ids and codes but never a token.
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      expect(entry).toMatchObject({ time: expect.any(String), level: expect.any(String), msg: expect.any(String) });
      expect(line).not.toContain(valid.split(".")[1]);
      expect(line).not.toContain(expired.split(".")[1]);
    }
    expect(lines.some((line) => line.includes('"code":"token-expired"'))).toBe(true);
  });

  it("ignores tokens when no secret is configured", async () => {
    const { url } = await start({});
    peers.push(await joinRoom(url, "open", "alice", "anything"));
  });

  it("refuses a peer beyond maxPeersPerRoom with room-full, other rooms unaffected", async () => {
    const { url } = await start({ maxPeersPerRoom: 2 });
    peers.push(await joinRoom(url, "small", "a"), await joinRoom(url, "small", "b"));
    expect((await peer(url, { room: "small", peerId: "c" }).refusal()).message).toBe("room-full");
    peers.push(await joinRoom(url, "other", "c"));
  });

  it("admits exactly maxPeersPerRoom of many simultaneous arrivals", async () => {
    const { url } = await start({ maxPeersPerRoom: 3 });
    const crowd = Array.from({ length: 10 }, (_, i) => peer(url, { room: "rush", peerId: `p${i}` }));
    const outcomes = await Promise.all(
      crowd.map(async (created) => {
        await created.until("an answer", () => created.all("welcome").length + created.all("connect_error").length > 0);
        return created.all("welcome").length > 0 ? "welcome" : (await created.refusal()).message;
      }),
    );
    expect(outcomes.filter((outcome) => outcome === "welcome")).toHaveLength(3);
    expect(outcomes.filter((outcome) => outcome === "room-full")).toHaveLength(7);
  });

  it("refuses a connection beyond maxClients with server-full, and admits again once one leaves", async () => {
    const { url, server } = await start({ maxClients: 2 });
    const first = await joinRoom(url, "r1", "a");
    peers.push(first, await joinRoom(url, "r2", "b"));
    expect((await peer(url, { room: "r3", peerId: "c" }).refusal()).message).toBe("server-full");
    first.close();
    await eventually("the server to see the departure", () => server.io.of("/").sockets.size === 1);
    peers.push(await joinRoom(url, "r3", "c"));
  });

  it("checks the Origin of browser connections against corsOrigins; clients without Origin pass", async () => {
    const { url } = await start({ corsOrigins: ["https://app.example"] });
    const allowed = peer(url, { room: "o", peerId: "a" }, { origin: "https://app.example" });
    await allowed.welcome();
    const denied = peer(url, { room: "o", peerId: "b" }, { origin: "https://evil.example" });
    await denied.nth("connect_error");
    expect(denied.all("welcome")).toEqual([]);
    peers.push(await joinRoom(url, "o", "node-peer"));
  });
});
