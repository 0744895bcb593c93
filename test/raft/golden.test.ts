import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseTranscript, renderTranscript } from "./datadriven.js";
import { TranscriptRunner } from "./transcript-runner.js";

/*
 * Golden transcripts of the core (etcd style): every file in testdata/ is a
 * script of commands with the exact output each must produce. A behaviour
 * change shows as a diff of these files. `UPDATE_GOLDEN=1 npx vitest run
 * --project node test/raft/golden.test.ts` rewrites them from what the core
 * does now: review the diff before committing it.
 */

const dir = join(import.meta.dirname, "testdata");
const update = process.env.UPDATE_GOLDEN === "1";

describe("golden transcripts (test/raft/testdata)", () => {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".txt"))
    .sort();

  it("there are transcripts to run", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    it(file, () => {
      const path = join(dir, file);
      const text = readFileSync(path, "utf8");
      const transcript = parseTranscript(text, file);
      const runner = new TranscriptRunner();
      const outputs = transcript.cases.map((c) => {
        try {
          return runner.run(c.command);
        } catch (error) {
          throw new Error(`${file}:${c.line}: ${c.command}: ${(error as Error).message}`, { cause: error });
        }
      });
      const rendered = renderTranscript(transcript, outputs);
      if (update) {
        writeFileSync(path, rendered);
        return;
      }
      // The whole file at once: a mismatch shows as a readable diff of the transcript.
      expect(rendered, `${file} differs from what the core does (UPDATE_GOLDEN=1 rewrites it)`).toBe(text);
    });
  }
});

describe("transcript format", () => {
  it("round-trips comments, commands and outputs", () => {
    const text = "# setup\n\nadd-nodes voters=(a)\n----\nok\n\n# two lines\nstatus a\n----\nline 1\nline 2\n";
    const t = parseTranscript(text, "x.txt");
    expect(t.cases.map((c) => [c.command, c.line, c.expected])).toEqual([
      ["add-nodes voters=(a)", 3, ["ok"]],
      ["status a", 8, ["line 1", "line 2"]],
    ]);
    expect(renderTranscript(t, [[], ["new"]])).toBe(
      "# setup\n\nadd-nodes voters=(a)\n----\nok\n\n# two lines\nstatus a\n----\nnew\n",
    );
  });

  it("a command without its ---- line is an error naming the line", () => {
    expect(() => parseTranscript("# c\ncampaign a\nok\n", "x.txt")).toThrow("x.txt:2: expected '----'");
  });
});
