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

/**
 * Signals with which a scenario dies when the native WebRTC addon (@roamhq/wrtc, a test-only dependency) crashes.
 * node-webrtc is known to crash now and then while peer connections close (node-webrtc/node-webrtc#391, #576); such a
 * death says nothing about hamok, so the runner runs the scenario once more. A scenario that ends on its own, with a
 * result or with an error, is never rerun.
 */
const NATIVE_CRASH_SIGNALS: ReadonlySet<string> = new Set(["SIGSEGV", "SIGBUS", "SIGABRT", "SIGILL", "SIGFPE"]);

interface Outcome {
  readonly result?: Record<string, StepResult>;
  readonly error?: Error;
  readonly crashSignal?: string;
}

function runOnce(script: string, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      "scripts/netns.sh",
      ["node", "--import", "tsx", script],
      { cwd: root, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
        if (line !== undefined) {
          resolve({ result: JSON.parse(line.slice("RESULT ".length)) as Record<string, StepResult> });
          return;
        }
        // Exit code and signal are not part of execFile's message: name them, they tell a crash from a failure.
        const how = error === null ? "exited 0" : `exit code ${String(error.code)}, signal ${String(error.signal)}`;
        const signal = error?.signal ?? undefined;
        resolve({
          error: new Error(`${script} printed no result (${how}): ${error?.message ?? ""}\n${stderr}`),
          ...(signal !== undefined && NATIVE_CRASH_SIGNALS.has(signal) ? { crashSignal: signal } : {}),
        });
      },
    );
  });
}

/** Run `node --import tsx <script>` (a path from the repository root) inside a fresh network namespace. */
export async function runInNetns(script: string, timeoutMs = 90_000): Promise<Record<string, StepResult>> {
  let outcome = await runOnce(script, timeoutMs);
  if (outcome.crashSignal !== undefined) {
    console.warn(`${script} died with ${outcome.crashSignal} (native WebRTC addon); running it once more`);
    outcome = await runOnce(script, timeoutMs);
  }
  if (outcome.result === undefined) throw outcome.error ?? new Error(`${script} printed no result`);
  return outcome.result;
}

/** The result of step `name`, asserting that it ran and did not fail. */
export function expectStep(result: Record<string, StepResult>, name: string): StepResult {
  const step = result[name];
  expect(step, `step ${name} ran`).toBeDefined();
  expect(step?.error, `step ${name} failed`).toBeUndefined();
  return step!;
}
