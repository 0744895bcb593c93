/**
 * The namespace runner tells a native crash of a scenario (rerun once) from a scenario that fails (reported with its
 * exit code, never rerun).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runInNetns } from "./netns-runner.js";

let dir = "";

afterEach(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
  delete process.env.HAMOK_CRASH_MARKER;
});

describe("runInNetns", () => {
  it("runs a scenario that died of SIGSEGV once more and returns the second run's result", async () => {
    dir = mkdtempSync(join(tmpdir(), "hamok-netns-runner-"));
    process.env.HAMOK_CRASH_MARKER = join(dir, "marker");
    const result = await runInNetns("test/transport/fixtures/crash-once-scenario.ts", 30_000);
    expect(result).toEqual({ only: { runs: 2 } });
    expect(readFileSync(process.env.HAMOK_CRASH_MARKER, "utf8")).toBe("crashed once");
  }, 60_000);

  it("reports a scenario that fails on its own with its exit code, without a rerun", async () => {
    await expect(runInNetns("test/transport/fixtures/fail-scenario.ts", 30_000)).rejects.toThrow(
      /printed no result \(exit code 3, signal null\)[\s\S]*scenario failed on purpose/,
    );
  }, 60_000);
});
