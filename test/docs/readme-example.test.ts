import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Hamok, MemoryHub } from "../../src/index";

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
});
