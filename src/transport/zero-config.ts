/**
 * The transport `hamok.join()` picks when it is given none: in a browser page, a BroadcastChannel transport, so
 * that two tabs of one origin calling `new Hamok().join()` form a cluster with no server at all.
 *
 * "A browser page" means `document` and `BroadcastChannel` both exist. `BroadcastChannel` alone is not enough:
 * Node 20 has it globally too, and a Node process calling `join()` without a transport keeps its old behaviour
 * (the app wires `on("message")` / `accept()` itself). Web workers have no `document` either: they pass a
 * transport explicitly (`broadcastChannelTransport` works there).
 *
 * The default applies only when the app wired nothing: no `transport` in the join parameters and no
 * `on("message")` listener on the Hamok (a listener means the app carries messages itself).
 */
import type { HamokMessage } from "../messages/hamok-message.js";
import { broadcastChannelTransport } from "./broadcast-channel.js";
import type { HamokTransport } from "./transport.js";

/** What the zero-configuration default reads of Hamok's `persistence` option: an IndexedDB one names the room. */
export interface ZeroConfigPersistence {
  readonly type: string;
  readonly room?: string;
}

/** The room of the zero-configuration transport when the persistence names none. */
export const DEFAULT_BROWSER_ROOM = "hamok";

/** Whether this is a browser page (see the module comment for why `BroadcastChannel` alone does not count). */
export function isBrowserPage(): boolean {
  return (
    (globalThis as { document?: unknown }).document !== undefined && typeof globalThis.BroadcastChannel === "function"
  );
}

/**
 * The room of the zero-configuration transport: the `room` of an IndexedDB persistence (the cluster's name),
 * else {@link DEFAULT_BROWSER_ROOM}.
 */
export function defaultBrowserRoom(persistence: ZeroConfigPersistence): string {
  return persistence.type === "indexeddb" && persistence.room !== undefined ? persistence.room : DEFAULT_BROWSER_ROOM;
}

/**
 * `params` with the zero-configuration transport added where it applies (see the module comment), else
 * `params` unchanged.
 */
export function withZeroConfigTransport<P extends { readonly transport?: HamokTransport<HamokMessage> }>(
  params: P,
  wired: { readonly hasMessageListener: boolean; readonly persistence: ZeroConfigPersistence },
): P & { readonly transport?: HamokTransport<HamokMessage> } {
  if (params.transport !== undefined || wired.hasMessageListener || !isBrowserPage()) return params;
  const room = defaultBrowserRoom(wired.persistence);
  return { ...params, transport: broadcastChannelTransport<HamokMessage>({ room }) };
}
