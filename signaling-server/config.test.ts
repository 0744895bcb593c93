import { describe, expect, it } from "vitest";
import { parseSignalingCommand } from "./config";

describe("signaling server command line", () => {
  it("serves with defaults when nothing is given", () => {
    expect(parseSignalingCommand([], {})).toEqual({ kind: "serve", options: {}, logLevel: "info" });
  });

  it("reads every option from the environment", () => {
    const env = {
      PORT: "9000",
      HOST: "0.0.0.0",
      CORS_ORIGINS: "https://a.example, https://b.example",
      SIGNALING_SECRET: "s",
      REDIS_URL: "redis://127.0.0.1:6379",
      MAX_PEERS_PER_ROOM: "8",
      MAX_CLIENTS: "100",
      MAX_SIGNAL_BYTES: "2048",
      SIGNALS_PER_SECOND: "10",
      SIGNAL_BURST: "20",
      LOG_LEVEL: "warn",
    };
    expect(parseSignalingCommand([], env)).toEqual({
      kind: "serve",
      logLevel: "warn",
      options: {
        port: 9000,
        host: "0.0.0.0",
        corsOrigins: ["https://a.example", "https://b.example"],
        secret: "s",
        redisUrl: "redis://127.0.0.1:6379",
        maxPeersPerRoom: 8,
        maxClients: 100,
        maxSignalBytes: 2048,
        signalsPerSecond: 10,
        signalBurst: 20,
      },
    });
  });

  it("lets flags win over the environment; * means any origin", () => {
    const command = parseSignalingCommand(["--port", "0", "--cors", "*", "--secret", "flag", "--log-level", "debug"], {
      PORT: "9000",
      CORS_ORIGINS: "https://a.example",
      SIGNALING_SECRET: "env",
    });
    expect(command).toEqual({ kind: "serve", logLevel: "debug", options: { port: 0, secret: "flag" } });
  });

  it("refuses unknown flags, bad numbers and bad levels with a readable message", () => {
    expect(() => parseSignalingCommand(["--prot", "1"], {})).toThrow(/prot/);
    expect(() => parseSignalingCommand(["--port", "80a"], {})).toThrow(/--port must be an integer/);
    expect(() => parseSignalingCommand([], { MAX_CLIENTS: "0" })).toThrow(/--max-clients must be an integer >= 1/);
    expect(() => parseSignalingCommand([], { LOG_LEVEL: "loud" })).toThrow(/--log-level/);
    expect(() => parseSignalingCommand(["serve"], {})).toThrow(/unknown command/);
  });

  it("parses the token command, which needs a secret and a room", () => {
    expect(parseSignalingCommand(["token", "--room", "demo"], { SIGNALING_SECRET: "s" })).toEqual({
      kind: "token",
      secret: "s",
      room: "demo",
      ttlSeconds: 3600,
    });
    expect(parseSignalingCommand(["token", "--room", "demo", "--ttl", "60", "--secret", "x"], {})).toMatchObject({
      ttlSeconds: 60,
      secret: "x",
    });
    expect(() => parseSignalingCommand(["token", "--room", "demo"], {})).toThrow(/secret/);
    expect(() => parseSignalingCommand(["token"], { SIGNALING_SECRET: "s" })).toThrow(/--room/);
  });

  it("prints help on --help", () => {
    expect(parseSignalingCommand(["--help"], {})).toEqual({ kind: "help" });
  });
});
