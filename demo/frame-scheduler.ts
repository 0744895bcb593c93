/**
 * Rendering at most once per animation frame. A tab of a busy cluster hears thousands of commits a second (a
 * bulk import, a snapshot install, a catch-up); each asks for a render, and each render rebuilds DOM. Tying
 * renders to frames makes a burst cost one render per frame however many commits it holds, and a hidden tab
 * (which gets no frames) none at all until it is shown again, when its one pending render paints the latest
 * state.
 */

/** Schedules `callback` before the next repaint (`requestAnimationFrame`'s shape). */
export type FrameRequester = (callback: () => void) => unknown;

function defaultRequester(): FrameRequester {
  return (callback) => requestAnimationFrame(() => callback());
}

/**
 * A function that asks for `render` and returns at once; however often it is called, `render` runs once, in the
 * next frame `requestFrame` grants, and reads the state as it is then. A call made during that render asks for
 * the frame after.
 */
export function perFrame(render: () => void, requestFrame: FrameRequester = defaultRequester()): () => void {
  let pending = false;
  const run = () => {
    pending = false;
    render();
  };
  return () => {
    if (pending) return;
    pending = true;
    requestFrame(run);
  };
}
