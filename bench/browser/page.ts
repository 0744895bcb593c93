/**
 * Entry of the browser benchmarks' page (bundled by Vite, served from loopback inside the namespace): every
 * page-side function on `window.hamokBench`, so the Node side calls them by name with JSON arguments.
 */
import * as floor from "./page-floor.js";
import * as hamok from "./page-hamok.js";
import * as protocol from "./page-protocol.js";
import * as mesh from "./page-protocol-mesh.js";
import * as yjs from "./page-yjs.js";

const api = { ...floor, ...hamok, ...protocol, ...mesh, ...yjs };

/** What `window.hamokBench` holds. */
export type HamokBenchApi = typeof api;

declare global {
  interface Window {
    hamokBench?: HamokBenchApi;
  }
}

window.hamokBench = api;
