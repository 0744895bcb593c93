import { describe, expect, it } from "vitest";
import { Hamok, HamokError, type HamokMessage } from "../../src/index";
import { webrtcTransport } from "../../src/webrtc";

describe("WebRTC transport in a runtime without WebRTC", () => {
  it("join() rejects at once with TransportFailure naming the remedy (pass wrtc), before dialling anything", async () => {
    expect(typeof (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection).toBe("undefined");
    const hamok = new Hamok();
    // Port 9 on loopback: nothing listens there, and the check must fail before any connection is tried.
    const transport = webrtcTransport<HamokMessage>({
      url: "http://127.0.0.1:9",
      room: "no-wrtc",
      openTimeoutMs: 60_000,
    });
    try {
      const error = await hamok.join({ transport }).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(HamokError);
      expect((error as HamokError).code).toBe("TransportFailure");
      expect((error as HamokError).message).toMatch(/wrtc/);
      expect((error as HamokError).message).toMatch(/@roamhq\/wrtc/);
    } finally {
      await hamok.close();
    }
  });
});

describe("WebRTC transport given a wrtc that is not one", () => {
  it("join() rejects at once with TransportFailure when wrtc has no RTCPeerConnection (a module namespace)", async () => {
    const hamok = new Hamok();
    // What `await import("@roamhq/wrtc")` gives in Node: the namespace, whose constructors sit under `default`.
    const namespace = {
      default: {},
      RTCPeerConnection: undefined,
      RTCSessionDescription: undefined,
      RTCIceCandidate: undefined,
    };
    const transport = webrtcTransport<HamokMessage>({ url: "http://127.0.0.1:9", room: "bad-wrtc", wrtc: namespace });
    try {
      const error = await hamok.join({ transport }).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(HamokError);
      expect((error as HamokError).code).toBe("TransportFailure");
      expect((error as HamokError).message).toContain('import wrtc from "@roamhq/wrtc"');
    } finally {
      await hamok.close();
    }
  });
});
