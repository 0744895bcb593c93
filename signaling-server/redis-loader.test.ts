import { describe, expect, it } from "vitest";
import { silentLogger } from "./logger";
import { connectRedisOnDemand } from "./redis-loader";

describe("--redis-url without the optional Redis packages", () => {
  it("fails naming the packages to install", async () => {
    const missing = Object.assign(new Error("Cannot find package 'redis'"), { code: "ERR_MODULE_NOT_FOUND" });
    const attempt = connectRedisOnDemand("redis://127.0.0.1:1", silentLogger, () => Promise.reject(missing));
    await expect(attempt).rejects.toThrow(/npm install redis @socket\.io\/redis-streams-adapter/);
    await expect(attempt).rejects.toMatchObject({ cause: missing });
  });

  it("passes any other loading failure through unchanged", async () => {
    const broken = new SyntaxError("broken module");
    await expect(connectRedisOnDemand("redis://127.0.0.1:1", silentLogger, () => Promise.reject(broken))).rejects.toBe(
      broken,
    );
  });
});
