import { describe, expect, it } from "vitest";
import { MAX_PAYLOAD_DEPTH, measurePayload } from "./payload-size";
import { RateLimiter } from "./rate-limiter";

describe("rate limiter", () => {
  it("accepts a burst, then the sustained rate, refusing the excess", () => {
    let now = 0;
    const limiter = new RateLimiter({ ratePerSecond: 10, burst: 3, maxRefusalsPerSecond: 100, now: () => now });
    expect([limiter.take(), limiter.take(), limiter.take(), limiter.take()]).toEqual([
      "accept",
      "accept",
      "accept",
      "refuse",
    ]);
    now += 100; // one token back at 10/s
    expect([limiter.take(), limiter.take()]).toEqual(["accept", "refuse"]);
    now += 10_000; // refills up to the burst only
    expect(Array.from({ length: 4 }, () => limiter.take())).toEqual(["accept", "accept", "accept", "refuse"]);
  });

  it("asks to disconnect a socket that keeps sending after more refusals in a second than tolerated", () => {
    const now = 0;
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1, maxRefusalsPerSecond: 3, now: () => now });
    expect(Array.from({ length: 5 }, () => limiter.take())).toEqual([
      "accept",
      "refuse",
      "refuse",
      "refuse",
      "disconnect",
    ]);
  });

  it("forgives refusals spread over time", () => {
    let now = 0;
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1, maxRefusalsPerSecond: 2, now: () => now });
    const decisions: string[] = [];
    for (let second = 0; second < 5; second++) {
      now = second * 1000;
      decisions.push(limiter.take(), limiter.take(), limiter.take());
    }
    expect(decisions).not.toContain("disconnect");
    expect(decisions.filter((decision) => decision === "accept")).toHaveLength(5);
  });
});

describe("payload size", () => {
  it("counts UTF-8 bytes of strings and byte lengths of binary values", () => {
    expect(measurePayload("abc", 100)).toEqual({ kind: "ok", bytes: 5 });
    expect(measurePayload("é", 100)).toEqual({ kind: "ok", bytes: 4 });
    expect(measurePayload(new Uint8Array(50), 100)).toEqual({ kind: "ok", bytes: 50 });
    expect(measurePayload(Buffer.alloc(101), 100)).toEqual({ kind: "too-large" });
  });

  it("stays within 10% of the JSON length of plain data without escapes", () => {
    const data = {
      type: "offer",
      sdp: "v=0 o=- 4611 2 IN IP4 127.0.0.1 ".repeat(20),
      candidates: [1, true, null, "x"],
    };
    const measured = measurePayload(data, 1_000_000);
    expect(measured.kind).toBe("ok");
    const json = JSON.stringify(data).length;
    expect(measured.kind === "ok" && Math.abs(measured.bytes - json)).toBeLessThanOrEqual(json * 0.1);
  });

  it("stops at the limit and refuses deep nesting", () => {
    expect(measurePayload(["a".repeat(60), "b".repeat(60)], 100)).toEqual({ kind: "too-large" });
    let deep: unknown = 1;
    for (let i = 0; i < MAX_PAYLOAD_DEPTH; i++) deep = { d: deep };
    expect(measurePayload(deep, 10_000).kind).toBe("ok");
    expect(measurePayload({ d: deep }, 10_000)).toEqual({ kind: "too-deep" });
  });
});
