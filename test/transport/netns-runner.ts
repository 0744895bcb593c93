/**
 * Runs a scenario script in a private network namespace (`scripts/netns.sh`) and returns the JSON it prints
 * on its `RESULT` line. WebRTC needs a non-loopback interface for ICE; the namespace gives one that reaches
 * nothing outside this machine.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** What one scenario step observed, or the error that ended it. */
export type StepResult = Record<string, unknown> & { error?: string };

/** Run `node --import tsx <script>` (a path from the repository root) inside a fresh network namespace. */
export function runInNetns(script: string, timeoutMs = 90_000): Promise<Record<string, StepResult>> {
  return new Promise((resolve, reject) => {
    execFile(
      "scripts/netns.sh",
      ["node", "--import", "tsx", script],
      { cwd: root, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
        if (line === undefined) {
          reject(new Error(`${script} failed: ${error?.message ?? "no result"}\n${stderr}`));
          return;
        }
        resolve(JSON.parse(line.slice("RESULT ".length)) as Record<string, StepResult>);
      },
    );
  });
}

/** The result of step `name`, asserting that it ran and did not fail. */
export function expectStep(result: Record<string, StepResult>, name: string): StepResult {
  const step = result[name];
  expect(step, `step ${name} ran`).toBeDefined();
  expect(step?.error, `step ${name} failed`).toBeUndefined();
  return step!;
}
