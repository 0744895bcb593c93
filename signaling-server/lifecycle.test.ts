import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { createSignalingServer } from "./server";
import { joinRoom, type StartedServer, startServer, TestPeer } from "./test-support";
import { verifyRoomToken } from "./token";

const ROOT = new URL("..", import.meta.url).pathname;
const MAIN = new URL("./main.ts", import.meta.url).pathname;
// `node --import tsx` rather than the tsx CLI: the CLI relays signals to its child and SIGKILLs it when the child
// does not acknowledge within 30 ms, which a loaded machine misses; the test is about main.ts's own handling.
const RUN_MAIN = ["--import", "tsx", MAIN];

describe("signaling server: HTTP and lifecycle", () => {
  const servers: StartedServer[] = [];
  const peers: TestPeer[] = [];
  const children: ChildProcess[] = [];

  afterEach(async () => {
    for (const peer of peers.splice(0)) peer.close();
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
    await Promise.all(servers.splice(0).map((started) => started.server.close()));
  });

  it("serves GET /health with room and client counts, and 404 for anything else", async () => {
    const started = await startServer();
    servers.push(started);
    peers.push(await joinRoom(started.url, "a", "p1"), await joinRoom(started.url, "a", "p2"));
    peers.push(await joinRoom(started.url, "b", "p1"));
    const health = await fetch(`${started.url}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get("content-type")).toBe("application/json");
    expect(await health.json()).toEqual({ status: "ok", rooms: 2, clients: 3, uptimeSeconds: expect.any(Number) });
    for (const [method, path] of [
      ["GET", "/"],
      ["GET", "/healthz"],
      ["POST", "/health"],
      ["GET", "/../etc/passwd"],
    ] as const) {
      const response = await fetch(`${started.url}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      await response.body?.cancel();
    }
    // Polling is disabled: the HTTP long-polling transport is refused.
    const polling = await fetch(`${started.url}/socket.io/?EIO=4&transport=polling`);
    expect(polling.status).toBe(400);
    await polling.body?.cancel();
  });

  it("closes cleanly: clients are disconnected, the port is released, close is idempotent", async () => {
    const started = await startServer();
    const alice = await joinRoom(started.url, "a", "alice");
    peers.push(alice);
    await Promise.all([started.server.close(), started.server.close()]);
    expect(await alice.nth("disconnect")).toBe("transport close");
    expect(started.server.httpServer.listening).toBe(false);
    const again = createSignalingServer({ port: started.port });
    expect((await again.listen()).port).toBe(started.port);
    await again.close();
  });

  it("fails to listen on a port in use", async () => {
    const started = await startServer();
    servers.push(started);
    const second = createSignalingServer({ port: started.port });
    await expect(second.listen()).rejects.toThrow(/EADDRINUSE/);
    await second.close();
  });

  it("rejects invalid options at creation", () => {
    expect(() => createSignalingServer({ maxSignalBytes: 0 })).toThrow(TypeError);
    expect(() => createSignalingServer({ signalsPerSecond: -1 })).toThrow(TypeError);
    expect(() => createSignalingServer({ secret: "" })).toThrow(TypeError);
  });

  async function startMain(args: string[]) {
    const child = spawn(process.execPath, [...RUN_MAIN, ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        SIGNALING_SECRET: "",
        REDIS_URL: "",
        HOST: "127.0.0.1",
        CORS_ORIGINS: "",
        LOG_LEVEL: "debug",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.push(child);
    const lines: Array<Record<string, unknown>> = [];
    const port = await new Promise<number>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`main.ts exited with ${code} before listening`)));
      createInterface({ input: child.stdout! }).on("line", (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        lines.push(entry);
        if (entry.msg === "listening") resolve(entry.port as number);
      });
    });
    return { child, lines, url: `http://127.0.0.1:${port}` };
  }

  it("main: starts from flags, logs JSON lines, and exits 0 on SIGTERM after disconnecting clients", async () => {
    const { child, lines, url } = await startMain(["--port", "0", "--max-peers-per-room", "1"]);
    const alice = await joinRoom(url, "room", "alice");
    peers.push(alice);
    // The flag took effect: the room holds one peer.
    const bob = new TestPeer(url, { room: "room", peerId: "bob" });
    peers.push(bob);
    expect((await bob.refusal()).message).toBe("room-full");
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const [code] = await exited;
    expect(code).toBe(0);
    expect(await alice.nth("disconnect")).toBe("transport close");
    expect(lines.map((entry) => entry.msg)).toEqual(
      expect.arrayContaining(["listening", "peer joined", "connection refused", "shutting down", "closed"]),
    );
    expect(lines.find((entry) => entry.msg === "shutting down")).toMatchObject({ signal: "SIGTERM" });
    for (const entry of lines) expect(entry).toMatchObject({ time: expect.any(String), level: expect.any(String) });
  });

  it("main: exits 0 on SIGINT", async () => {
    const { child, lines } = await startMain(["--port", "0"]);
    const exited = once(child, "exit");
    child.kill("SIGINT");
    expect((await exited)[0]).toBe(0);
    expect(lines.find((entry) => entry.msg === "shutting down")).toMatchObject({ signal: "SIGINT" });
  });

  it("main token: prints a token the server accepts", async () => {
    const child = spawn(process.execPath, [...RUN_MAIN, "token", "--room", "demo", "--ttl", "60"], {
      cwd: ROOT,
      env: { ...process.env, SIGNALING_SECRET: "shh" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.push(child);
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
    expect(verifyRoomToken({ secret: "shh", room: "demo", token: output.trim() })).toMatchObject({ ok: true });
  });
});
