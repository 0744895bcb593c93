/**
 * The routing check of every message that arrives on a data channel. The channel authenticates its peer
 * (DTLS, with fingerprints exchanged through signaling), so the channel, not the message, says who sent it.
 */
import { HamokError } from "../../errors.js";

/** Fields the transport reads from a message. Everything else is opaque. */
export type RoutedMessage = { readonly sourceId: string; readonly destinationId?: string };

/**
 * Why a message that arrived from `channelPeerId` must be dropped, or undefined when it may be delivered: it
 * must be an object whose `sourceId` is the channel's peer (anything else is forged) and whose
 * `destinationId`, when set, is the local peer.
 */
export function checkRouting(message: unknown, channelPeerId: string, localPeerId: string): HamokError | undefined {
  const routed = message as Partial<RoutedMessage> | null;
  if (typeof routed !== "object" || routed === null || typeof routed.sourceId !== "string") {
    return new HamokError("InvalidMessage", `message without sourceId from ${channelPeerId}`);
  }
  if (routed.sourceId !== channelPeerId) {
    return new HamokError("InvalidMessage", `${channelPeerId} sent a message as ${routed.sourceId}`);
  }
  if (routed.destinationId !== undefined && routed.destinationId !== localPeerId) {
    return new HamokError("InvalidMessage", `${channelPeerId} sent a message for ${routed.destinationId}`);
  }
  return undefined;
}
