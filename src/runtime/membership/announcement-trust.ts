import type { PeerAnnouncement } from "../../messages/hamok-message.js";
import type { RaftPeer } from "../peer/raft-peer.js";

/**
 * A member's word on who leads and who belongs lets a peer whose log lags behind those members'
 * addition hear them: their appends as leader, their vote requests as candidates (the core ignores
 * the word of a non-member, and vouches for peers it knows as members already). When no other
 * member of our configuration is in the room any more (`room`, when a transport knows it), nobody
 * is left to say it: then the cluster's own announcement, when it counts us in, is taken for its
 * leader and members.
 */
export function trustAnnouncement(
  peer: RaftPeer,
  self: string,
  sourceId: string,
  announced: PeerAnnouncement,
  room: ReadonlySet<string> | undefined,
): void {
  const leaderId = announced.leaderId;
  const named = (leaderId === undefined ? announced.members : [...announced.members, leaderId]).filter(
    (id) => id !== self,
  );
  peer.vouchAll(
    named.filter((id) => id !== sourceId),
    sourceId,
  );
  if (room === undefined || !announced.members.includes(self)) return;
  const { voters, learners } = peer.confState;
  if ([...voters, ...learners].every((id) => id === self || !room.has(id))) peer.acceptMembers(named);
}
