import { describe, expect, it } from "vitest";
import { Hamok, HamokError, isHamokError } from "../../src/index";
import { MAX_TIMER_MS } from "../../src/runtime/peer/validate-config";
import { MemoryRaftLogs } from "../../src/storage/memory-raft-logs";

/** What `new Hamok(config)` threw, for configs a TypeScript caller could not write (JavaScript callers can). */
function refusal(config: unknown): HamokError {
  try {
    new Hamok(config as never);
  } catch (error) {
    if (error instanceof HamokError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(config)}`);
}

describe("new Hamok(config) validation", () => {
  it.each([
    ["electionTimeout", "electionTimeoutInMs"],
    ["heartbeatMs", "heartbeatInMs"],
    ["peerid", "peerId"],
    ["maxVoter", "maxVoters"],
    ["requestTimeoutMs", "requestTimeoutInMs"],
    // A typo in a key that also lacks its unit: measured against the key without "InMs".
    ["electionTimout", "electionTimeoutInMs"],
    ["heartbeet", "heartbeatInMs"],
  ])("an unknown key %s throws InvalidConfig naming it and suggesting %s", (key, suggestion) => {
    const error = refusal({ [key]: 1 });
    expect(error.code).toBe("InvalidConfig");
    expect(error.indeterminate).toBe(false);
    expect(error.message).toContain(`"${key}"`);
    expect(error.message).toContain(`did you mean ${suggestion}?`);
  });

  it("an unknown key with no close match is named without a suggestion", () => {
    const error = refusal({ colour: "blue" });
    expect(error.code).toBe("InvalidConfig");
    expect(error.message).toBe('unknown Hamok config key "colour"');
  });

  it.each([
    [{ heartbeatInMs: "100" }, "heartbeatInMs", "a number of milliseconds"],
    [{ peerId: 7 }, "peerId", "a string"],
    [{ onlyFollower: "yes" }, "onlyFollower", "a boolean"],
    [{ maxVoters: "5" }, "maxVoters", "a number"],
    [{ appData: [] }, "appData", "an object"],
    [{ persistence: "indexeddb" }, "persistence", "an object"],
    [{ raftLogs: {} }, "raftLogs", "a RaftLogs"],
    [{ pageLifecycle: "on" }, "pageLifecycle", "a boolean or"],
    [{ clock: { now: () => 0 } }, "clock", "a HamokClock"],
  ])("a wrong type (%j) throws InvalidConfig naming the key and the expected type", (config, key, expected) => {
    const error = refusal(config);
    expect(error.code).toBe("InvalidConfig");
    expect(error.message).toContain(`"${key}"`);
    expect(error.message).toContain(`must be ${expected}`);
  });

  it.each([
    ["heartbeatInMs", 3e9],
    ["followerMaxIdleInMs", MAX_TIMER_MS + 1],
    ["electionTimeoutInMs", Number.POSITIVE_INFINITY],
    ["requestTimeoutInMs", 2 ** 40],
    ["removeUnreachableAfterMs", 2 ** 32],
    ["logEntriesExpirationTimeInMs", 2 ** 31],
  ])("a timer option beyond what setTimeout represents (%s: %d) throws InvalidConfig", (key, value) => {
    const error = refusal({ [key]: value });
    expect(error.code).toBe("InvalidConfig");
    expect(error.message).toContain(`"${key}"`);
    expect(error.message).toContain(`at most ${MAX_TIMER_MS}`);
  });

  it("a config that is not an object throws InvalidConfig", () => {
    expect(refusal(null).code).toBe("InvalidConfig");
    expect(refusal("fast").code).toBe("InvalidConfig");
    expect(refusal([]).code).toBe("InvalidConfig");
  });

  it("accepts every documented key, undefined as the default, and the largest timer", async () => {
    const hamok = new Hamok({
      peerId: "p1",
      electionTimeoutInMs: MAX_TIMER_MS,
      followerMaxIdleInMs: 1000,
      heartbeatInMs: 100,
      onlyFollower: false,
      logEntriesExpirationTimeInMs: 0,
      raftLogs: new MemoryRaftLogs(),
      autoStopOnNoRemotePeers: false,
      appData: { app: 1 },
      maxVoters: 5,
      snapshotThresholdEntries: 10,
      requestTimeoutInMs: 5000,
      maxUncommittedEntries: 100,
      maxMessageBytes: 4096,
      removeUnreachableAfterMs: 0,
      seed: 1,
      pageLifecycle: false,
      ...({ seed: undefined } as object),
    });
    expect(hamok.config.electionTimeoutInMs).toBe(MAX_TIMER_MS);
    expect(hamok.config.maxMessageBytes).toBe(4096);
    await hamok.close();
  });

  it("range rules keep their InvalidArgument code (a number of the right type, outside its range)", () => {
    const error = refusal({ heartbeatInMs: 0 });
    expect(isHamokError(error, "InvalidArgument")).toBe(true);
  });
});
