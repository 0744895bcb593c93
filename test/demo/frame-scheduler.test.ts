import { describe, expect, it } from "vitest";
import { type FrameRequester, perFrame } from "../../demo/frame-scheduler";

/** An animation-frame source the test advances by hand: `frame()` runs what was requested before it. */
function manualFrames(): { requestFrame: FrameRequester; frame(): void; readonly requested: number } {
  let queue: (() => void)[] = [];
  let requested = 0;
  return {
    requestFrame: (callback) => {
      requested++;
      queue.push(callback);
    },
    frame: () => {
      const due = queue;
      queue = [];
      for (const callback of due) callback();
    },
    get requested() {
      return requested;
    },
  };
}

describe("perFrame", () => {
  it("renders once per frame however many commits ask for it", () => {
    const frames = manualFrames();
    let renders = 0;
    const schedule = perFrame(() => renders++, frames.requestFrame);
    for (let commit = 0; commit < 1_000; commit++) schedule();
    expect(renders).toBe(0);
    expect(frames.requested).toBe(1);
    frames.frame();
    expect(renders).toBe(1);
    frames.frame();
    expect(renders).toBe(1);
  });

  it("renders the state as it is in the frame, not as it was when asked", () => {
    const frames = manualFrames();
    let state = 0;
    const seen: number[] = [];
    const schedule = perFrame(() => seen.push(state), frames.requestFrame);
    for (; state < 5; state++) schedule();
    frames.frame();
    expect(seen).toEqual([5]);
  });

  it("asks for the next frame when commits arrive after a render, and one made during a render waits for it", () => {
    const frames = manualFrames();
    let renders = 0;
    let again = true;
    const schedule = perFrame(() => {
      renders++;
      if (again) {
        again = false;
        schedule();
      }
    }, frames.requestFrame);
    schedule();
    frames.frame();
    expect(renders).toBe(1);
    frames.frame();
    expect(renders).toBe(2);
    schedule();
    schedule();
    frames.frame();
    expect(renders).toBe(3);
    expect(frames.requested).toBe(3);
  });
});
