import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Hamok, MemoryHub } from "../../src/index";

/** A README code line as written in the examples: no trailing comment, no non-null assertion, trimmed. */
const normalize = (line: string) =>
  line
    .replace(/\s+\/\/ .*$/, "")
    .replace(/!\./g, ".")
    .trim();

describe("README", () => {
  it("the first usage example runs as written and reads the replicated value on another peer", async () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toContain('await map.set("alice", 3);');
    expect(readme).toContain("await other.sync();");

    const hub = new MemoryHub();
    const peers = [new Hamok(), new Hamok(), new Hamok()];
    try {
      await Promise.all(peers.map((hamok) => hamok.join({ transport: hub.transport() })));
      const map = peers[1]!.createMap<string, number>({ mapId: "scores" });
      await map.set("alice", 3);
      const other = peers[2]!.getOrCreateMap<string, number>({ mapId: "scores" });
      await other.sync();
      expect(other.get("alice")).toBe(3);
      expect(peers.filter((p) => p.leader)).toHaveLength(1);
    } finally {
      await Promise.all(peers.map((p) => p.close()));
    }
  });

  it("every line of the README's TypeScript blocks (imports aside) is in an example that is type-checked or run", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const examples = ["readme-example.test.ts", "readme-browser-example.ts"]
      .map((file) => readFileSync(new URL(`./${file}`, import.meta.url), "utf8"))
      .join("\n")
      .split("\n")
      .map(normalize)
      .join("\n");
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const block of blocks) {
      for (const line of block.split("\n").map(normalize)) {
        if (line === "" || line.startsWith("import ") || line.startsWith("//")) continue;
        // A README statement may sit inside an assertion there: `other.get("alice")` in `expect(other.get("alice"))`.
        expect(examples, `README line: ${line}`).toContain(line.replace(/;$/, ""));
      }
    }
  });
});
