/**
 * simple-peer's prebuilt bundle. It is the build that works everywhere: Node ESM imports it as CommonJS, and
 * bundlers (Vite) do not trip over the `global` reference of the plain entry (`global is not defined`).
 */
declare module "simple-peer/simplepeer.min.js" {
  import SimplePeer from "simple-peer";

  export default SimplePeer;
}
