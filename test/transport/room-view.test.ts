import { describe, expect, it } from "vitest";
import { RoomView } from "../../src/transport/webrtc/room-view";

describe("RoomView: signaling notices applied in any order", () => {
  it("ignores a catch-up peer-joined that trails the peer-left of the same session", () => {
    const room = new RoomView();
    room.welcome(["a"]);
    expect(room.left("b", "s-b1")).toBe(true);
    expect(room.joined("b", "s-b1")).toBe(false);
    expect([...room.members()]).toEqual(["a"]);
  });

  it("keeps a peer that reconnected when the peer-left of its older session arrives late", () => {
    const room = new RoomView();
    room.welcome([]);
    room.joined("b", "s-b1");
    room.joined("b", "s-b2");
    expect(room.left("b", "s-b1")).toBe(false);
    expect(room.has("b")).toBe(true);
    expect(room.left("b", "s-b2")).toBe(true);
    expect(room.has("b")).toBe(false);
  });

  it("applies notices without a session as they come, and a welcome resets the view", () => {
    const room = new RoomView();
    room.welcome(["a", "b"]);
    expect(room.left("a")).toBe(true);
    expect(room.joined("a")).toBe(true);
    expect(room.has("a")).toBe(true);
    room.welcome(["c"]);
    expect([...room.members()]).toEqual(["c"]);
  });
});
