import { describe, expect, it } from "vitest";
import { createRoomToken, verifyRoomToken } from "./token";

const secret = "s3cret";
const now = Date.UTC(2026, 0, 1);

describe("room tokens", () => {
  it("has the documented format: expiry in epoch seconds, then a base64url HMAC-SHA256", () => {
    const token = createRoomToken({ secret, room: "team", ttlSeconds: 60, now });
    expect(token).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/);
    expect(Number(token.split(".")[0])).toBe(now / 1000 + 60);
  });

  it("verifies a token for its room until it expires", () => {
    const token = createRoomToken({ secret, room: "team", ttlSeconds: 60, now });
    expect(verifyRoomToken({ secret, room: "team", token, now: now + 59_999 })).toEqual({
      ok: true,
      expiresAtSeconds: now / 1000 + 60,
    });
    expect(verifyRoomToken({ secret, room: "team", token, now: now + 60_000 })).toMatchObject({
      ok: false,
      code: "token-expired",
    });
  });

  it("refuses a token for another room, another secret, or with a changed expiry", () => {
    const token = createRoomToken({ secret, room: "team", ttlSeconds: 60, now });
    expect(verifyRoomToken({ secret, room: "team2", token, now })).toMatchObject({ code: "invalid-token" });
    expect(verifyRoomToken({ secret: "other", room: "team", token, now })).toMatchObject({ code: "invalid-token" });
    const [expiry, mac] = token.split(".");
    const extended = `${Number(expiry) + 3600}.${mac}`;
    expect(verifyRoomToken({ secret, room: "team", token: extended, now })).toMatchObject({ code: "invalid-token" });
  });

  it("reports a forged expired token as invalid, not expired", () => {
    const forged = `${now / 1000 - 10}.${"A".repeat(43)}`;
    expect(verifyRoomToken({ secret, room: "team", token: forged, now })).toMatchObject({ code: "invalid-token" });
  });

  it("refuses malformed tokens", () => {
    for (const token of [
      "",
      "abc",
      "123.",
      ".abc",
      `12.${"A".repeat(42)}`,
      `12.${"A".repeat(44)}`,
      `x.${"A".repeat(43)}`,
    ]) {
      expect(verifyRoomToken({ secret, room: "team", token, now }), token).toMatchObject({ code: "invalid-token" });
    }
  });

  it("refuses to issue with an empty secret or a non-positive TTL", () => {
    expect(() => createRoomToken({ secret: "", room: "team", ttlSeconds: 60 })).toThrow(TypeError);
    expect(() => createRoomToken({ secret, room: "team", ttlSeconds: 0 })).toThrow(TypeError);
  });
});

describe("room tokens have one spelling", () => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  it("refuses the variants of the last character that differ only in its two spare bits", () => {
    const token = createRoomToken({ secret, room: "team", ttlSeconds: 60, now });
    expect(verifyRoomToken({ secret, room: "team", token, now }).ok).toBe(true);
    const last = alphabet.indexOf(token.at(-1)!);
    expect(last & 0b11).toBe(0);
    const variants = [1, 2, 3].map((spare) => token.slice(0, -1) + alphabet[last | spare]);
    for (const variant of variants) {
      // The variant decodes to the very same MAC bytes: only the spelling check can tell it apart.
      expect(Buffer.from(variant.split(".")[1]!, "base64url")).toEqual(Buffer.from(token.split(".")[1]!, "base64url"));
      expect(verifyRoomToken({ secret, room: "team", token: variant, now })).toMatchObject({
        ok: false,
        code: "invalid-token",
      });
    }
  });

  it("refuses an expiry written with leading zeros", () => {
    const token = createRoomToken({ secret, room: "team", ttlSeconds: 60, now });
    expect(verifyRoomToken({ secret, room: "team", token: `00${token}`, now })).toMatchObject({
      ok: false,
      code: "invalid-token",
    });
  });
});
