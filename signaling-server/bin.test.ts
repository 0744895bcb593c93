import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = new URL("..", import.meta.url).pathname;
const PACKAGE = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };

/**
 * The shipped program: built with the package's own build config (into a scratch folder inside the repository, so
 * that its `socket.io` import resolves as it does from an installed package), then run with plain `node`.
 */
describe("hamok-signal (the package's bin, built JavaScript)", () => {
  let outDir = "";
  let program = "";
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    outDir = mkdtempSync(join(ROOT, ".tmp-signal-bin-"));
    await build({ configFile: join(ROOT, "vite.signal.config.ts"), logLevel: "silent", build: { outDir } });
    program = join(outDir, "hamok-signal.js");
  }, 60_000);

  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(outDir, { recursive: true, force: true });
  });

  it("package.json names it hamok-signal in dist/bin, and it starts with a node shebang", () => {
    expect(PACKAGE.bin["hamok-signal"]).toBe("./dist/bin/hamok-signal.js");
    expect(readFileSync(program, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
  });

  it("--help prints the usage under its own name and exits 0", async () => {
    const child = spawn(process.execPath, [program, "--help"], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    expect((await once(child, "exit"))[0]).toBe(0);
    expect(output).toContain("Usage: hamok-signal [options]");
    expect(output).toContain("--port");
  });

  it("starts on a loopback port from flags and env, serves GET /health, and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, [program, "--port", "0", "--host", "127.0.0.1"], {
      env: { ...process.env, SIGNALING_SECRET: "", REDIS_URL: "", CORS_ORIGINS: "", LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.push(child);
    const port = await new Promise<number>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`hamok-signal exited with ${code} before listening`)));
      createInterface({ input: child.stdout }).on("line", (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === "listening") resolve(entry.port as number);
      });
    });
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok", rooms: 0, clients: 0, uptimeSeconds: expect.any(Number) });
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    expect((await exited)[0]).toBe(0);
  });
});
